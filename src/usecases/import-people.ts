import type { Db } from '../db/client.js';
import { insertAudit } from '../db/repos/audit.js';
import { addUnitRole, removeUnitRole, rolesOfPeople, upsertPerson } from '../db/repos/people.js';
import { listUnits } from '../db/repos/units.js';
import { retiredUnitRefusal } from './retired-unit-refusal.js';
import { parseCsvRecords, type CsvRecord } from '../domain/units-csv.js';
import {
  parsePeopleRows,
  personLabel,
  type PersonRoleRecord,
  type PersonRoleRow,
  type UnitRole,
} from '../domain/units-people.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { UserLookup } from '../ports/user-lookup.js';
import { excelNumberHint } from '../domain/excel-number.js';

export interface ImportPeopleDeps {
  db: Db;
  clock: Clock;
  /** Needed only when rows name people by mobile or email. */
  users?: UserLookup;
  /**
   * The file lists all the roles of each person it names: roles they hold that it does not list
   * (a row fixed to another village, a role moved to someone else) are taken back.
   */
  replace?: boolean;
}

/** A role a person named in the file holds that the file does not give them. */
export interface UnlistedRole {
  openId: string;
  name: string;
  unitCode: string;
  unitName: string;
  role: UnitRole;
}

export interface ImportPeopleResult {
  people: number;
  rolesAdded: number;
  rolesExisting: number;
  /** Rows whose person was found through Lark by mobile or email. */
  resolved: number;
  /** Roles of the file's people it does not list: kept, or taken back with `replace`. */
  unlisted: UnlistedRole[];
}

/**
 * People and their roles from a table (CSV or worksheet rows, header first). People named by mobile
 * or email are looked up in Lark first; then, in one transaction, people are upserted and roles
 * added (each added role audited); roles the file's people hold that it does not list are named, and
 * taken back (audited) only with `replace`. Any problem — a bad row, a mobile Lark does not
 * know, an unknown unit or a retired one (撤并: named with the unit it merged into), a duplicate —
 * refuses the whole file, naming every line; re-importing the
 * same file changes nothing.
 */
export async function importPeople(
  deps: ImportPeopleDeps,
  file: { fileName: string } & ({ records: CsvRecord[] } | { text: string }),
): Promise<ImportPeopleResult> {
  const records = 'text' in file ? parseCsvRecords(file.text) : file.records;
  const rows = parsePeopleRows(records, file.fileName);
  if (rows.length === 0) throw new DomainError('people_empty', `${file.fileName}: 没有人员`);
  const { people, resolved } = await resolvePeople(deps.users, rows, file.fileName);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const unitList = await listUnits(tx);
    const unitIds = new Map(unitList.map((u) => [u.code, u.id]));
    const byCode = new Map(unitList.map((u) => [u.code, u]));
    const byId = new Map(unitList.map((u) => [u.id, u]));
    const errors = people.flatMap((r) => {
      const at = `${file.fileName} 第 ${r.line} 行`;
      const unit = byCode.get(r.unitCode);
      if (!unit)
        return [`${at}: 单位编码 ${r.unitCode} 不存在${excelNumberHint(r.unitCode, { workbook: true })}`];
      return unit.status === 'retired' ? [`${at}: ${retiredUnitRefusal(unit, byId)}`] : [];
    });
    if (errors.length > 0) throw new DomainError('people_invalid', errors.join('\n'));
    const result: ImportPeopleResult = { people: 0, rolesAdded: 0, rolesExisting: 0, resolved, unlisted: [] };
    const seen = new Set<string>();
    for (const r of people) {
      if (!seen.has(r.openId)) {
        seen.add(r.openId);
        await upsertPerson(tx, r, now);
        result.people++;
      }
      const unitId = unitIds.get(r.unitCode)!;
      if (await addUnitRole(tx, { unitId, openId: r.openId, role: r.role }, now)) {
        result.rolesAdded++;
        await insertAudit(tx, {
          at: now,
          actor: 'cli',
          action: 'grant_role',
          source: 'cli',
          unitId,
          details: { openId: r.openId, role: r.role, file: file.fileName, line: r.line },
        });
      } else result.rolesExisting++;
    }
    const listed = new Set(people.map((r) => `${r.openId}|${unitIds.get(r.unitCode)!}|${r.role}`));
    const nameOf = new Map(people.map((r) => [r.openId, r.name]));
    const unitById = new Map(unitList.map((u) => [u.id, u]));
    for (const held of await rolesOfPeople(tx, [...seen])) {
      if (listed.has(`${held.openId}|${held.unitId}|${held.role}`)) continue;
      const unit = unitById.get(held.unitId)!;
      result.unlisted.push({
        openId: held.openId,
        name: nameOf.get(held.openId)!,
        unitCode: unit.code,
        unitName: unit.fullName,
        role: held.role,
      });
      if (!deps.replace) continue;
      await removeUnitRole(tx, held);
      await insertAudit(tx, {
        at: now,
        actor: 'cli',
        action: 'revoke_role',
        source: 'cli',
        unitId: held.unitId,
        details: { openId: held.openId, role: held.role, file: file.fileName, replace: true },
      });
    }
    return result;
  });
}

/** Finds open_ids for rows named by mobile or email (mobile first, then email); lists every miss. */
async function resolvePeople(
  users: UserLookup | undefined,
  rows: PersonRoleRow[],
  fileName: string,
): Promise<{ people: PersonRoleRecord[]; resolved: number }> {
  const pending = rows.filter((r) => !r.openId);
  let found = { byMobile: new Map<string, string>(), byEmail: new Map<string, string>() };
  if (pending.length > 0) {
    if (!users)
      throw new DomainError(
        'people_lookup_unavailable',
        `${fileName}: 按手机号或邮箱认人需要飞书应用凭证（LARK_APP_ID、LARK_APP_SECRET）`,
      );
    found = await users.findOpenIds({
      mobiles: pending.flatMap((r) => (r.mobile ? [r.mobile] : [])),
      emails: pending.flatMap((r) => (r.email ? [r.email] : [])),
    });
  }
  const errors: string[] = [];
  const records: PersonRoleRecord[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    const openId =
      r.openId ??
      (r.mobile ? found.byMobile.get(r.mobile) : undefined) ??
      (r.email ? found.byEmail.get(r.email) : undefined);
    if (!openId) {
      errors.push(
        `${fileName} 第 ${r.line} 行: 飞书里找不到${personLabel(r)}（${r.name}）——号码不对、不在应用的通讯录范围内，或已离职`,
      );
      continue;
    }
    const key = `${openId}|${r.unitCode}|${r.role}`;
    const first = seen.get(key);
    if (first !== undefined)
      errors.push(`${fileName} 第 ${r.line} 行: 与第 ${first} 行是同一个人（${r.name}）、同一单位、同一角色`);
    else seen.set(key, r.line);
    records.push({ openId, name: r.name, unitCode: r.unitCode, role: r.role, line: r.line });
  }
  if (errors.length > 0) throw new DomainError('people_unresolved', errors.join('\n'));
  return { people: records, resolved: pending.length };
}
