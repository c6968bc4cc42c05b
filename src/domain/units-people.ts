import { DomainError } from '../errors.js';
import { csvColumns, parseCsvRecords } from './units-csv.js';

export type UnitRole = 'officer' | 'archivist' | 'leader' | 'admin';
export const UNIT_ROLES: readonly UnitRole[] = ['officer', 'archivist', 'leader', 'admin'];

const ROLE_BY_WORD: Record<string, UnitRole> = {
  officer: 'officer',
  村干部: 'officer',
  经办人: 'officer',
  archivist: 'archivist',
  档案员: 'archivist',
  leader: 'leader',
  领导: 'leader',
  admin: 'admin',
  管理员: 'admin',
};

export interface PersonRoleRecord {
  openId: string;
  name: string;
  unitCode: string;
  role: UnitRole;
  line: number;
}

/** People CSV: open_id,name,unit_code,role — one row per (person, unit, role). */
export function parsePeopleCsv(text: string, fileName: string): PersonRoleRecord[] {
  const [header, ...rows] = parseCsvRecords(text);
  const col = csvColumns(
    header,
    {
      openId: { names: ['open_id', 'openid'], required: true },
      name: { names: ['name', '姓名'], required: true },
      unitCode: { names: ['unit_code', '单位编码'], required: true },
      role: { names: ['role', '角色'], required: true },
    },
    fileName,
  );
  const errors: string[] = [];
  const out: PersonRoleRecord[] = [];
  for (const { line, fields } of rows) {
    const [openId, name, unitCode, roleWord] = [col.openId, col.name, col.unitCode, col.role].map(
      (i) => fields[i] ?? '',
    ) as [string, string, string, string];
    const role = ROLE_BY_WORD[roleWord.toLowerCase()] ?? ROLE_BY_WORD[roleWord];
    if (!/^ou_\w+$/.test(openId)) errors.push(`${fileName} 第 ${line} 行: open_id "${openId}" 应以 ou_ 开头`);
    if (!name) errors.push(`${fileName} 第 ${line} 行: 缺少姓名`);
    if (!unitCode) errors.push(`${fileName} 第 ${line} 行: 缺少单位编码`);
    if (!role)
      errors.push(
        `${fileName} 第 ${line} 行: 角色 "${roleWord}" 不对，应为 officer、archivist、leader 或 admin`,
      );
    if (errors.length === 0 && role) out.push({ openId, name, unitCode, role, line });
  }
  if (errors.length > 0) throw new DomainError('people_invalid', errors.join('\n'));
  return out;
}
