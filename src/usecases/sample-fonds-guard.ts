import type { Db } from '../db/client.js';
import { unitCodesByPath } from '../db/repos/archive-items.js';
import { listUnitFonds } from '../db/repos/fonds.js';
import { fallsToDefaultFonds } from '../domain/fonds.js';
import { isSampleFonds, sampleFondsRefusalText } from '../domain/sample-fonds.js';

/** archive.yaml's top `fonds` as confirmation reads it. */
export interface FondsSettings {
  fonds: { code: string; name: string; byUnit: Record<string, string> };
}

/**
 * Why confirming `unit` must number nothing, or undefined: some of the units whose items it would
 * number (`unitPaths`) fall to archive.yaml's top fonds (no unit on their chain holds its own fonds,
 * `units fonds`, nor a `byUnit` code) while that fonds is still the shipped sample.
 */
export async function sampleFondsRefusal(
  db: Db,
  settings: FondsSettings,
  unit: { code: string },
  unitPaths: readonly string[],
): Promise<string | undefined> {
  if (!isSampleFonds(settings.fonds) || unitPaths.length === 0) return undefined;
  const set = await listUnitFonds(db);
  const chains = await unitCodesByPath(db, [...new Set(unitPaths)]);
  const falls = [...chains.values()].some((chain) => fallsToDefaultFonds(chain, set, settings));
  return falls ? sampleFondsRefusalText(settings.fonds, unit.code) : undefined;
}
