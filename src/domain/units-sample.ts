import type { UnitRecord } from './units.js';

/**
 * The sample county shipped as config/units.example.csv (and .yaml), as code,name,kind,parent_code.
 * Units are never deleted and a top unit cannot be retired, so once imported into a live database the
 * sample county stayed there for good (`units check` then failed on it every day).
 */
export const SAMPLE_UNITS: readonly Omit<UnitRecord, 'line'>[] = [
  { code: '530521', name: '施甸县', kind: 'county', parentCode: null },
  { code: '530521100', name: '甸阳镇', kind: 'township', parentCode: '530521' },
  { code: '530521100201', name: '城关村', kind: 'village', parentCode: '530521100' },
  { code: '530521100202', name: '东门社区', kind: 'village', parentCode: '530521100' },
  { code: '530521101', name: '由旺镇', kind: 'township', parentCode: '530521' },
  { code: '530521101201', name: '由旺村', kind: 'village', parentCode: '530521101' },
  { code: '530521101202', name: '木榔村', kind: 'village', parentCode: '530521101' },
  { code: '530521001', name: '县乡村振兴局', kind: 'department', parentCode: '530521' },
];

/**
 * Whether an import holds the whole shipped sample unchanged (the example imported as it is, or with
 * rows added): a real county's table that happens to share a code or a name is not it.
 */
export function holdsShippedSample(records: readonly UnitRecord[]): boolean {
  const key = (r: Omit<UnitRecord, 'line'>) => [r.code, r.name, r.kind, r.parentCode ?? ''].join('\t');
  const rows = new Set(records.map(key));
  return SAMPLE_UNITS.every((r) => rows.has(key(r)));
}
