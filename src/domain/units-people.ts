import { DomainError } from '../errors.js';
import { parseCsvRecords, type CsvRecord } from './units-csv.js';
import { excelNumberHint } from './excel-number.js';

export type UnitRole = 'officer' | 'archivist' | 'leader' | 'admin';
export const UNIT_ROLES: readonly UnitRole[] = ['officer', 'archivist', 'leader', 'admin'];

/** The words people write for each role, English and Chinese. */
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

/** How the bot names each role in chat. */
/** Who may 督办 a unit (on it or above): its pages' 督办 buttons, and 帮助 naming them. */
export const URGE_ROLES = ['leader', 'archivist', 'admin'] as const satisfies readonly UnitRole[];

export const ROLE_LABEL: Record<UnitRole, string> = {
  officer: '村干部',
  archivist: '档案员',
  leader: '领导',
  admin: '管理员',
};

export const ROLE_HINT = 'officer/村干部/经办人、archivist/档案员、leader/领导 或 admin/管理员';

export const parseRole = (word: string): UnitRole | undefined =>
  ROLE_BY_WORD[word.trim().toLowerCase()] ?? ROLE_BY_WORD[word.trim()];

/**
 * What Lark's open_ids look like: ou_ and about thirty lowercase letters and digits (32 hexadecimal in
 * practice; Lark does not document the shape and its own examples have 31 and 35, so the check leaves
 * room). A mistyped one (ou_typo, half an id copied) would be stored and never match anyone in Lark.
 */
const LARK_OPEN_ID = /^ou_[0-9a-z]{28,40}$/;

export const isLarkOpenId = (openId: string): boolean => LARK_OPEN_ID.test(openId);

/** What is said of an open_id that is not Lark's shape, wherever one is typed (a people table, `units people remove`). */
export const openIdProblem = (openId: string): string =>
  `open_id "${openId}" 不对，飞书的 open_id 是 ou_ 加三十来位数字和小写字母（请从飞书复制完整）`;

/** One row of a people file: the person is named by open_id, or by a mobile or email Lark knows. */
export interface PersonRoleRow {
  openId?: string;
  mobile?: string;
  email?: string;
  name: string;
  unitCode: string;
  role: UnitRole;
  line: number;
}

/** A row whose person is known by open_id. */
export interface PersonRoleRecord {
  openId: string;
  name: string;
  unitCode: string;
  role: UnitRole;
  line: number;
}

const COLUMNS = {
  openId: ['open_id', 'openid'],
  mobile: ['mobile', 'phone', '手机', '手机号', '手机号码', '电话'],
  email: ['email', 'e-mail', '邮箱', '电子邮箱'],
  name: ['name', '姓名'],
  unitCode: ['unit_code', '单位编码', '单位代码'],
  role: ['role', '角色'],
} as const;
type Column = keyof typeof COLUMNS;

/** Mobiles as offices write them: spaces, dashes, brackets and a +86 prefix are fine. */
export const normaliseMobile = (raw: string): string | undefined => {
  const m = raw.replace(/[\s\-()（）]/g, '');
  return /^\+?\d{7,15}$/.test(m) ? m : undefined;
};
const isEmail = (raw: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw);

/** Which column names the person, for messages: 手机号 13800138000. */
export const personLabel = (r: Pick<PersonRoleRow, 'openId' | 'mobile' | 'email'>): string =>
  r.openId ? `open_id ${r.openId}` : r.mobile ? `手机号 ${r.mobile}` : `邮箱 ${r.email}`;

const headerColumns = (header: CsvRecord | undefined, fileName: string): Partial<Record<Column, number>> => {
  if (!header) throw new DomainError('csv_empty', `${fileName}: 文件是空的`);
  const out: Partial<Record<Column, number>> = {};
  const unknown: string[] = [];
  const twice: string[] = [];
  header.fields.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (name === '') return;
    const col = (Object.keys(COLUMNS) as Column[]).find((k) =>
      (COLUMNS[k] as readonly string[]).includes(name),
    );
    if (!col) unknown.push(raw);
    else if (out[col] !== undefined) twice.push(raw);
    else out[col] = i;
  });
  const where = `${fileName} 第 ${header.line} 行（表头）`;
  const problems: string[] = [];
  if (unknown.length > 0)
    problems.push(
      `${where}: 不认识的列 ${unknown.join('、')}（可用的列: open_id 或 手机号/mobile 或 邮箱/email，姓名/name，单位编码/unit_code，角色/role）`,
    );
  if (twice.length > 0) problems.push(`${where}: 列 ${twice.join('、')} 重复`);
  const missing = (['name', 'unitCode', 'role'] as const).filter((k) => out[k] === undefined);
  if (missing.length > 0) problems.push(`${where}: 缺少列 ${missing.map((k) => COLUMNS[k][0]).join('、')}`);
  if (out.openId === undefined && out.mobile === undefined && out.email === undefined)
    problems.push(`${where}: 需要 open_id、手机号（mobile）或邮箱（email）中的一列来认人`);
  if (problems.length > 0) throw new DomainError('csv_header', problems.join('\n'));
  return out;
};

/**
 * A people table (CSV or worksheet rows, header first): one row per (person, unit, role); the person
 * is named by open_id, mobile or email (the first one filled in). Every problem is reported at once,
 * naming its line: unknown or missing columns, bad values, the same (person, unit, role) twice, one
 * person under two names.
 */
export function parsePeopleRows(records: CsvRecord[], fileName: string): PersonRoleRow[] {
  const [header, ...rows] = records;
  const col = headerColumns(header, fileName);
  const errors: string[] = [];
  const out: PersonRoleRow[] = [];
  const seenRole = new Map<string, number>();
  const seenName = new Map<string, { name: string; line: number }>();
  for (const { line, fields } of rows) {
    const get = (k: Column) => (col[k] === undefined ? '' : (fields[col[k]] ?? '').trim());
    const at = `${fileName} 第 ${line} 行`;
    const [openId, mobileRaw, email, name, unitCode, roleWord] = (
      ['openId', 'mobile', 'email', 'name', 'unitCode', 'role'] as const
    ).map(get) as [string, string, string, string, string, string];
    const mobile = mobileRaw ? normaliseMobile(mobileRaw) : undefined;
    const role = parseRole(roleWord);
    const before = errors.length;
    if (openId && !isLarkOpenId(openId))
      errors.push(`${at}: ${openIdProblem(openId)}，或不填 open_id 改填手机号`);
    if (mobileRaw && !mobile)
      errors.push(`${at}: 手机号 "${mobileRaw}" 不对${excelNumberHint(mobileRaw, { workbook: true })}`);
    if (email && !isEmail(email)) errors.push(`${at}: 邮箱 "${email}" 不对`);
    if (!openId && !mobileRaw && !email) errors.push(`${at}: 没有 open_id、手机号或邮箱，认不出是谁`);
    if (!name) errors.push(`${at}: 缺少姓名`);
    if (!unitCode) errors.push(`${at}: 缺少单位编码`);
    if (!role) errors.push(`${at}: 角色 "${roleWord}" 不对，应为 ${ROLE_HINT}`);
    if (errors.length > before || !role) continue;
    const row: PersonRoleRow = {
      ...(openId ? { openId } : mobile ? { mobile } : { email: email.toLowerCase() }),
      name,
      unitCode,
      role,
      line,
    };
    if (openId && mobile) row.mobile = mobile;
    if ((openId || mobile) && email) row.email = email.toLowerCase();
    const who = personLabel(row);
    const key = `${who}|${unitCode}|${role}`;
    const first = seenRole.get(key);
    if (first !== undefined) errors.push(`${at}: 与第 ${first} 行重复（${who}，${unitCode}，${roleWord}）`);
    else seenRole.set(key, line);
    const named = seenName.get(who);
    if (named && named.name !== name)
      errors.push(`${at}: ${who} 在第 ${named.line} 行叫 ${named.name}，这里叫 ${name}`);
    else if (!named) seenName.set(who, { name, line });
    out.push(row);
  }
  if (errors.length > 0) throw new DomainError('people_invalid', errors.join('\n'));
  return out;
}

/** People CSV text (see parsePeopleRows). */
export function parsePeopleCsv(text: string, fileName: string): PersonRoleRow[] {
  return parsePeopleRows(parseCsvRecords(text), fileName);
}
