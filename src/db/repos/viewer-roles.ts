import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { UnitRole } from '../../domain/units-people.js';

export interface ViewerRole {
  unitId: number;
  path: string;
  role: UnitRole;
}

/** Every role a person holds, with the unit's path (a role covers the unit's whole subtree). */
export async function rolesOfPerson(db: Db, openId: string): Promise<ViewerRole[]> {
  const rows = await queryRows<{ unit_id: number; path: string; role: ViewerRole['role'] }>(
    db,
    sql`select r.unit_id::int as unit_id, u.path, r.role from unit_roles r join units u on u.id = r.unit_id
        where r.open_id = ${openId} order by u.path, r.role`,
  );
  return rows.map((r) => ({ unitId: Number(r.unit_id), path: r.path, role: r.role }));
}
