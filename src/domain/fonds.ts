/**
 * 全宗 (fonds) per 立档单位. A unit holds its own fonds (code given by the archive, name, 移交单位)
 * or inherits the nearest ancestor's; above them all stands the deployment's default fonds
 * (archive.yaml `fonds`, whose `byUnit` codes are the older way of giving a unit its own code).
 * A package names the fonds its records really hold, never the default by assumption.
 */

/** A fonds as the package files name it. */
export interface Fonds {
  code: string;
  name: string;
  /** 移交单位 (the fonds name when not given). */
  transferringUnit: string;
}

/** A fonds set on a unit (the `fonds` table). */
export interface UnitFonds extends Fonds {
  unitCode: string;
}

/** 全宗号: letters and digits only (it is part of every 档号 and file name). */
export const FONDS_CODE = /^[0-9A-Za-z]{1,12}$/;

export interface FondsDefaults {
  fonds: { code: string; name: string; byUnit: Record<string, string> };
  package: { transferringUnit: string };
}

/**
 * The fonds that holds a unit's items: the nearest of `unitChain` (the unit's code, then its
 * ancestors', nearest first) with a fonds set, else a configured `byUnit` code, else the default.
 */
export function fondsOfUnit(
  unitChain: { code: string; name: string }[],
  set: Map<string, UnitFonds>,
  d: FondsDefaults,
): Fonds {
  for (const u of unitChain) {
    const own = set.get(u.code);
    if (own) return withTransferring(own);
    const byUnit = d.fonds.byUnit[u.code];
    if (byUnit)
      return (
        fondsByCode(byUnit, [...set.values()], d) ??
        withTransferring({ code: byUnit, name: u.name, transferringUnit: '' })
      );
  }
  return defaultFonds(d);
}

/**
 * Whether `fondsOfUnit` gives a unit the default fonds (archive.yaml's top `fonds`): no unit of its chain
 * (`unitCodes`, nearest first) holds a fonds, and the nearest `byUnit` code, if any, is the default's
 * code, which no unit holds.
 */
export function fallsToDefaultFonds(
  unitCodes: readonly string[],
  set: Map<string, UnitFonds>,
  d: { fonds: { code: string; byUnit: Record<string, string> } },
): boolean {
  for (const code of unitCodes) {
    if (set.has(code)) return false;
    const byUnit = d.fonds.byUnit[code];
    if (byUnit) return byUnit === d.fonds.code && ![...set.values()].some((f) => f.code === byUnit);
  }
  return true;
}

export const defaultFonds = (d: FondsDefaults): Fonds =>
  withTransferring({ code: d.fonds.code, name: d.fonds.name, transferringUnit: d.package.transferringUnit });

/** What a 全宗号 stands for: a fonds set on a unit first, then the default; undefined when unknown. */
export function fondsByCode(code: string, set: UnitFonds[], d: FondsDefaults): Fonds | undefined {
  const own = set.find((f) => f.code === code);
  if (own) return withTransferring(own);
  return code === d.fonds.code ? defaultFonds(d) : undefined;
}

const withTransferring = (f: Fonds): Fonds => ({
  code: f.code,
  name: f.name,
  transferringUnit: f.transferringUnit.trim() || f.name,
});

/** `A182 某县人民政府办公室`, or each of several joined with '、'. */
export const fondsListText = (list: Fonds[]) => list.map((f) => `${f.code} ${f.name}`.trim()).join('、');

export const FONDS_KEYS = {
  code: '全宗号（档案馆给定，字母和数字，1-12位）',
  name: '全宗名称（立档单位的正式名称）',
  transferringUnit: '移交单位（空 = 全宗名称）',
} as const;

/** Parses `code=A183 name=某村村民委员会 [transferringUnit=…]`; throws an Error naming the bad one. */
export function parseFondsArgs(args: readonly string[]): Fonds {
  const v: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(key in FONDS_KEYS)) throw new Error(`未知项 ${key}（可用：${Object.keys(FONDS_KEYS).join('、')}）`);
    v[key] = arg.slice(eq + 1).trim();
  }
  if (!v.code) throw new Error('缺少 code=全宗号');
  if (!FONDS_CODE.test(v.code)) throw new Error(`全宗号 ${v.code} 不合规：只能是字母和数字（1-12位）`);
  if (!v.name) throw new Error('缺少 name=全宗名称');
  return { code: v.code, name: v.name, transferringUnit: v.transferringUnit ?? '' };
}

/** Numbering rules with the fonds set on units merged over the configured `byUnit` codes. */
export function withUnitFonds<R extends { fonds: { code: string; byUnit: Record<string, string> } }>(
  rules: R,
  set: Map<string, UnitFonds>,
): R {
  if (set.size === 0) return rules;
  const byUnit = { ...rules.fonds.byUnit };
  for (const [unitCode, f] of set) byUnit[unitCode] = f.code;
  return { ...rules, fonds: { ...rules.fonds, byUnit } };
}
