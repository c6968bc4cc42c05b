import type { UnitRow } from '../db/repos/units.js';

/**
 * Why a role cannot be given on a retired unit (撤并), naming where its work went:
 * 「河口村（RT12）已并入 城关村（RT11），不能再设置人员；请设在 城关村（RT11）」.
 */
export function retiredUnitRefusal(
  unit: Pick<UnitRow, 'code' | 'name' | 'mergedIntoId'>,
  byId: Map<number, Pick<UnitRow, 'code' | 'name'>>,
): string {
  const into = unit.mergedIntoId === null ? undefined : byId.get(unit.mergedIntoId);
  return into
    ? `${unit.name}（${unit.code}）已并入 ${into.name}（${into.code}），不能再设置人员；请设在 ${into.name}（${into.code}）`
    : `${unit.name}（${unit.code}）已撤销，不能再设置人员`;
}
