/**
 * What the units under a township are called in its texts. The units table knows them only as
 * `village` (the import reads 村 and 社区 alike as village), so the word comes from their names: a
 * township's 社区 (居委会) are not 「村」. All 村 → 「村」, all 社区 → 「社区」, a mix or names that say
 * neither → 「村（社区）」, the official phrase for both.
 */
export type VillageWord = '村' | '社区' | '村（社区）';

const COMMUNITY = /(社区|居委会|居民委员会)$/;
const VILLAGE = /(村|村委会|村民委员会)$/;

export function villageWord(names: readonly string[]): VillageWord {
  const trimmed = names.map((n) => n.trim());
  if (trimmed.length > 0 && trimmed.every((n) => VILLAGE.test(n) && !COMMUNITY.test(n))) return '村';
  if (trimmed.length > 0 && trimmed.every((n) => COMMUNITY.test(n))) return '社区';
  return '村（社区）';
}
