import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { UnitRole } from '../../domain/units-people.js';
import type { UnitRow } from './units.js';

/** Units a person holds any role on, or `role` (for commands in direct messages). */
export async function unitsOfPerson(db: Db, openId: string, role?: UnitRole): Promise<UnitRow[]> {
  const rows = await queryRows<{
    id: number;
    code: UnitRow['code'];
    name: UnitRow['name'];
    kind: UnitRow['kind'];
    parent_id: number | null;
    path: string;
    full_name: UnitRow['fullName'];
    settings: UnitRow['settings'] | null;
    status: UnitRow['status'];
    retired_at: Date | string | null;
    merged_into_id: number | null;
  }>(
    db,
    sql`select distinct u.id::int as id, u.code, u.name, u.kind, u.parent_id::int as parent_id, u.path,
          u.full_name, u.settings, u.status, u.retired_at, u.merged_into_id::int as merged_into_id
        from unit_roles r join units u on u.id = r.unit_id
        where r.open_id = ${openId} ${role ? sql`and r.role = ${role}` : sql``} order by u.path`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    name: r.name,
    kind: r.kind,
    parentId: r.parent_id == null ? null : Number(r.parent_id),
    path: r.path,
    fullName: r.full_name,
    settings: r.settings ?? {},
    status: r.status,
    retiredAt: r.retired_at == null ? null : new Date(r.retired_at),
    mergedIntoId: r.merged_into_id == null ? null : Number(r.merged_into_id),
  }));
}
