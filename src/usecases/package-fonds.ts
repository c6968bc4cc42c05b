import type { ArchiveConfig } from '../archive/archive-config.js';
import type { Db } from '../db/client.js';
import { listUnitFonds, unitChain } from '../db/repos/fonds.js';
import { fondsByCode, fondsOfUnit, type Fonds } from '../domain/fonds.js';

/** The fonds a package names. */
export interface PackageFonds {
  /** The exported unit's fonds (set on it or inherited): its 移交单位 hands the package over. */
  unit: Fonds;
  /** The fonds the package's records hold, in code order (the unit's own when it holds none yet). */
  held: Fonds[];
  /** 全宗号 of `held`, joined with '、'. */
  codes: string;
  /** 全宗名称 of `held`, joined with '、'. */
  names: string;
  nameOf(code: string): string;
}

/**
 * Which fonds a package of `unit` really holds: the 全宗号 on its records (`codes`), each named from
 * the fonds set on units or the configured default, and the unit's own fonds for the 移交单位.
 */
export async function packageFondsOf(
  db: Db,
  config: ArchiveConfig,
  unit: { path: string },
  codes: string[],
): Promise<PackageFonds> {
  const set = await listUnitFonds(db);
  const own = fondsOfUnit(await unitChain(db, unit.path), set, config);
  const list = [...set.values()];
  const unique = [...new Set(codes)].sort();
  const held =
    unique.length === 0
      ? [own]
      : unique.map(
          (code) =>
            fondsByCode(code, list, config) ??
            (code === own.code ? own : { code, name: '', transferringUnit: '' }),
        );
  const names = new Map(held.map((f) => [f.code, f.name]));
  return {
    unit: own,
    held,
    codes: held.map((f) => f.code).join('、'),
    names: held
      .map((f) => f.name)
      .filter(Boolean)
      .join('、'),
    nameOf: (code) => names.get(code) ?? '',
  };
}
