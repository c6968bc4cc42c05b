import { extname } from 'node:path';
import type { Db } from '../db/client.js';
import { upsertHousehold } from '../db/repos/units-households.js';
import {
  getUnitByCode,
  listUnits,
  unitParentCodes,
  upsertUnits,
  type UpsertUnitsResult,
} from '../db/repos/units.js';
import { validateUnitRecords } from '../domain/units.js';
import { parseUnitsCsv } from '../domain/units-csv.js';
import { parseHouseholdsCsv } from '../domain/units-households.js';
import { parseUnitsYaml } from '../domain/units-yaml.js';
import { holdsShippedSample } from '../domain/units-sample.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { excelNumberHint } from '../domain/excel-number.js';

export interface ImportDeps {
  db: Db;
  clock: Clock;
}

export interface ImportFile {
  text: string;
  /** Shown in error messages; its extension picks the format unless `format` is given. */
  fileName: string;
  format?: 'csv' | 'yaml';
}

/** The sample county's tree is imported only when asked for (`units import … --sample`, a test database). */
export interface ImportUnitsOptions {
  allowSample?: boolean;
}

/**
 * Imports the unit tree (CSV code,name,kind,parent_code or YAML, nested or flat). Upserts by code:
 * importing the same file twice changes nothing; renamed or moved units are updated; stored units a
 * file of the whole tree (one holding a top unit) does not name are kept and returned (`notInFile`). All problems
 * (bad kind, unknown parent, cycles, duplicates) are reported together, naming their lines. The
 * shipped sample tree is refused unless `options.allowSample`.
 */
export async function importUnits(
  deps: ImportDeps,
  file: ImportFile,
  options: ImportUnitsOptions = {},
): Promise<UpsertUnitsResult & { notInFile: { code: string; fullName: string }[] }> {
  const format = file.format ?? (/^\.ya?ml$/i.test(extname(file.fileName)) ? 'yaml' : 'csv');
  const records =
    format === 'yaml' ? parseUnitsYaml(file.text, file.fileName) : parseUnitsCsv(file.text, file.fileName);
  if (records.length === 0) throw new DomainError('units_empty', `${file.fileName}: 没有单位`);
  // Units are never deleted and a top unit is never retired: the sample county, once in, stays for good.
  if (!options.allowSample && holdsShippedSample(records))
    throw new DomainError(
      'units_sample',
      `${file.fileName} 是示例单位表（施甸县 530521 和它的乡镇、村），没有导入：单位导入后不能删除，示例县会一直留在库里。` +
        `请先复制一份改成本县的单位（cp config/units.example.csv 单位.csv，改编码、名称、上级编码），再 npm run cli -- units import 单位.csv；` +
        '只在测试库里试用示例的，加 --sample',
    );
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const ordered = validateUnitRecords(records, await unitParentCodes(tx), file.fileName);
    const result = await upsertUnits(tx, ordered, now);
    // Units are never deleted (their materials and 档号 stay theirs): a row taken out of the whole
    // tree's file (a village merged into another) leaves its unit as it was, which the operator is
    // told until it is retired (units retire). A file without a top unit is a fix of a few rows, not the tree.
    const inFile = new Set(records.map((r) => r.code));
    const wholeTree = records.some((r) => r.parentCode === null);
    const notInFile = (wholeTree ? await listUnits(tx) : [])
      .filter((u) => !inFile.has(u.code) && u.status === 'active')
      .map((u) => ({ code: u.code, fullName: u.fullName }));
    return { ...result, notInFile };
  });
}

/** Households of villages (CSV village_code,code,head_name[,group_name]); upsert by (village, code). */
export async function importHouseholds(
  deps: ImportDeps,
  file: ImportFile,
): Promise<{ created: number; updated: number; unchanged: number }> {
  const records = parseHouseholdsCsv(file.text, file.fileName);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const errors: string[] = [];
    const villages = new Map<string, number>();
    for (const r of records) {
      if (villages.has(r.villageCode)) continue;
      const unit = await getUnitByCode(tx, r.villageCode);
      if (!unit)
        errors.push(
          `${file.fileName} 第 ${r.line} 行: 村编码 ${r.villageCode} 不存在${excelNumberHint(r.villageCode, { workbook: false })}`,
        );
      else if (unit.kind !== 'village')
        errors.push(`${file.fileName} 第 ${r.line} 行: ${r.villageCode} ${unit.name} 不是村`);
      else villages.set(r.villageCode, unit.id);
    }
    if (errors.length > 0) throw new DomainError('households_invalid', errors.join('\n'));
    const result = { created: 0, updated: 0, unchanged: 0 };
    for (const r of records) {
      const unitId = villages.get(r.villageCode)!;
      result[
        await upsertHousehold(tx, { unitId, code: r.code, headName: r.headName, groupName: r.groupName }, now)
      ]++;
    }
    return result;
  });
}
