import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { Fonds, UnitFonds } from '../../domain/fonds.js';

/** Every fonds set on a unit, by unit code. */
export async function listUnitFonds(db: Db): Promise<Map<string, UnitFonds>> {
  const rows = await queryRows<UnitFonds>(
    db,
    sql`select u.code as "unitCode", f.code, f.name, f.transferring_unit as "transferringUnit"
        from fonds f join units u on u.id = f.unit_id order by f.code`,
  );
  return new Map(rows.map((r) => [r.unitCode, r]));
}

/** The unit (by code) that holds a 全宗号, if any. */
export async function unitHoldingFonds(db: Db, code: string): Promise<string | undefined> {
  const [r] = await queryRows<{ code: string }>(
    db,
    sql`select u.code from fonds f join units u on u.id = f.unit_id where f.code = ${code}`,
  );
  return r?.code;
}

/** Sets (or replaces) a unit's own fonds. */
export async function setUnitFonds(db: Db, unitId: number, f: Fonds, now: Date): Promise<void> {
  await db.execute(sql`insert into fonds (unit_id, code, name, transferring_unit, created_at, updated_at)
    values (${unitId}, ${f.code}, ${f.name}, ${f.transferringUnit}, ${now}, ${now})
    on conflict (unit_id) do update set code = excluded.code, name = excluded.name,
      transferring_unit = excluded.transferring_unit, updated_at = excluded.updated_at`);
}

/** Removes a unit's own fonds (it inherits again). True when there was one. */
export async function clearUnitFonds(db: Db, unitId: number): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`delete from fonds where unit_id = ${unitId} returning id`,
  );
  return rows.length > 0;
}

/** A unit and its ancestors (code and name), nearest first. */
export async function unitChain(db: Db, path: string): Promise<{ code: string; name: string }[]> {
  const ids = path.split('/').filter(Boolean).map(Number);
  if (ids.length === 0) return [];
  const rows = await queryRows<{ id: number; code: string; name: string }>(
    db,
    sql`select id::int as id, code, name from units where id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  return ids
    .reverse()
    .map((id) => byId.get(id))
    .filter((r): r is { id: number; code: string; name: string } => r !== undefined)
    .map((r) => ({ code: r.code, name: r.name }));
}
