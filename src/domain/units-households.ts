import { DomainError } from '../errors.js';
import { csvColumns, parseCsvRecords } from './units-csv.js';

export interface HouseholdRecord {
  villageCode: string;
  code: string;
  headName: string;
  groupName: string | null;
  line: number;
}

/** Household codes appear in task codes (#H03-12): letters and digits only. */
export const HOUSEHOLD_CODE_RE = /^[0-9A-Za-z]{1,20}$/;

/** Households CSV: village_code,code,head_name[,group_name]. */
export function parseHouseholdsCsv(text: string, fileName: string): HouseholdRecord[] {
  const [header, ...rows] = parseCsvRecords(text);
  const col = csvColumns(
    header,
    {
      village: { names: ['village_code', '村编码'], required: true },
      code: { names: ['code', '户编号', '户编码'], required: true },
      head: { names: ['head_name', '户主', '户主姓名'], required: true },
      group: { names: ['group_name', '村民小组'], required: false },
    },
    fileName,
  );
  const errors: string[] = [];
  const out: HouseholdRecord[] = [];
  const seen = new Map<string, number>();
  for (const { line, fields } of rows) {
    const villageCode = fields[col.village] ?? '';
    const code = fields[col.code] ?? '';
    const headName = fields[col.head] ?? '';
    if (!villageCode) errors.push(`${fileName} 第 ${line} 行: 缺少村编码`);
    if (!HOUSEHOLD_CODE_RE.test(code))
      errors.push(`${fileName} 第 ${line} 行: 户编号 "${code}" 只能由字母和数字组成`);
    if (!headName) errors.push(`${fileName} 第 ${line} 行: 缺少户主姓名`);
    const key = `${villageCode}/${code}`;
    const first = seen.get(key);
    if (first) errors.push(`${fileName} 第 ${line} 行: 户编号 ${code} 重复（第 ${first} 行已有）`);
    seen.set(key, first ?? line);
    const groupName = (col.group >= 0 && fields[col.group]) || null;
    out.push({ villageCode, code, headName, groupName, line });
  }
  if (errors.length > 0) throw new DomainError('households_invalid', errors.join('\n'));
  return out;
}
