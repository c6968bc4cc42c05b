import { and, eq, inArray, sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import { people, unitRoles } from '../schema/index.js';
import type { UnitRole } from '../../domain/units-people.js';
import { pathIds } from './units.js';
import { LEARN_PERSON_NAME_JOB } from '../../domain/job-types.js';

export async function upsertPerson(tx: Db, p: { openId: string; name: string }, now: Date): Promise<void> {
  await tx
    .insert(people)
    .values({ openId: p.openId, name: p.name, updatedAt: now })
    .onConflictDoUpdate({ target: people.openId, set: { name: p.name, updatedAt: now } });
}

/** Adds a role; returns false when the person already had it. */
export async function addUnitRole(
  tx: Db,
  r: { unitId: number; openId: string; role: UnitRole },
  now: Date,
): Promise<boolean> {
  const rows = await tx
    .insert(unitRoles)
    .values({ ...r, createdAt: now })
    .onConflictDoNothing()
    .returning({ id: unitRoles.id });
  return rows.length > 0;
}

/** Does the person hold one of `roles` on the unit or any unit above it? */
export async function hasUnitRole(
  db: Db,
  openId: string,
  unit: { path: string },
  roles: readonly UnitRole[],
): Promise<boolean> {
  const rows = await db
    .select({ id: unitRoles.id })
    .from(unitRoles)
    .where(
      and(
        eq(unitRoles.openId, openId),
        inArray(unitRoles.role, [...roles]),
        inArray(unitRoles.unitId, pathIds(unit.path)),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** The roles a person holds on any unit. */
export async function rolesHeld(db: Db, openId: string): Promise<Set<UnitRole>> {
  const rows = await db
    .selectDistinct({ role: unitRoles.role })
    .from(unitRoles)
    .where(eq(unitRoles.openId, openId));
  return new Set(rows.map((r) => r.role as UnitRole));
}

/** open_ids holding `role` directly on each of the given units. */
export async function roleHolders(db: Db, unitIds: number[], role: UnitRole): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (unitIds.length === 0) return out;
  const rows = await db
    .select({ unitId: unitRoles.unitId, openId: unitRoles.openId })
    .from(unitRoles)
    .where(and(eq(unitRoles.role, role), inArray(unitRoles.unitId, unitIds)))
    .orderBy(unitRoles.unitId, unitRoles.openId);
  for (const r of rows) out.set(r.unitId, [...(out.get(r.unitId) ?? []), r.openId]);
  return out;
}

export interface UnitPerson {
  openId: string;
  name: string | null;
  role: UnitRole;
}

export async function listUnitPeople(db: Db, unitId: number): Promise<UnitPerson[]> {
  const rows = await db
    .select({ openId: unitRoles.openId, name: people.name, role: unitRoles.role })
    .from(unitRoles)
    .leftJoin(people, eq(people.openId, unitRoles.openId))
    .where(eq(unitRoles.unitId, unitId))
    .orderBy(unitRoles.role, sql`${people.name} nulls last`, unitRoles.openId);
  return rows.map((r) => ({ ...r, role: r.role as UnitRole }));
}

/** Every role the given people hold, on any unit. */
export async function rolesOfPeople(
  db: Db,
  openIds: readonly string[],
): Promise<{ unitId: number; openId: string; role: UnitRole }[]> {
  if (openIds.length === 0) return [];
  const rows = await db
    .select({ unitId: unitRoles.unitId, openId: unitRoles.openId, role: unitRoles.role })
    .from(unitRoles)
    .where(inArray(unitRoles.openId, [...openIds]))
    .orderBy(unitRoles.openId, unitRoles.unitId, unitRoles.role);
  return rows.map((r) => ({ ...r, role: r.role as UnitRole }));
}

/** Removes a role; returns false when the person did not have it. */
export async function removeUnitRole(
  tx: Db,
  r: { unitId: number; openId: string; role: UnitRole },
): Promise<boolean> {
  const rows = await tx
    .delete(unitRoles)
    .where(and(eq(unitRoles.unitId, r.unitId), eq(unitRoles.openId, r.openId), eq(unitRoles.role, r.role)))
    .returning({ id: unitRoles.id });
  return rows.length > 0;
}

/** open_ids of the admins of the top units (no parent); all admins when the top has none. */
export async function topAdmins(db: Db): Promise<string[]> {
  const rows = await queryRows<{ open_id: string; top: boolean }>(
    db,
    sql`select distinct r.open_id, u.parent_id is null as top from unit_roles r join units u on u.id = r.unit_id
        where r.role = 'admin' order by r.open_id`,
  );
  const top = rows.filter((r) => r.top).map((r) => r.open_id);
  return [...new Set(top.length > 0 ? top : rows.map((r) => r.open_id))];
}

/** Removes every role a person holds; returns what was removed. */
export async function removeAllUnitRoles(
  tx: Db,
  openId: string,
): Promise<{ unitId: number; role: UnitRole }[]> {
  const rows = await tx
    .delete(unitRoles)
    .where(eq(unitRoles.openId, openId))
    .returning({ unitId: unitRoles.unitId, role: unitRoles.role });
  return rows.map((r) => ({ unitId: r.unitId, role: r.role as UnitRole }));
}

/** People known under exactly this name (names are not unique). */
export async function peopleNamed(db: Db, name: string): Promise<{ openId: string; name: string }[]> {
  return db
    .select({ openId: people.openId, name: people.name })
    .from(people)
    .where(eq(people.name, name))
    .orderBy(people.openId);
}

export async function personByOpenId(
  db: Db,
  openId: string,
): Promise<{ openId: string; name: string } | undefined> {
  const [row] = await db
    .select({ openId: people.openId, name: people.name })
    .from(people)
    .where(eq(people.openId, openId));
  return row;
}

/**
 * Queues a name lookup (LEARN_PERSON_NAME_JOB) for each of `openIds` that has no row in `people`, in
 * one statement (a person already named, or already queued this week, costs an index probe). Called where a
 * person is seen — a sender's materials, a filing, a role given without a name — never from a page.
 */
export async function learnNamesLater(tx: Db | Tx, openIds: readonly string[], now: Date): Promise<void> {
  const ids = [...new Set(openIds.filter((id) => id.startsWith('ou_')))];
  if (ids.length === 0) return;
  // Keyed by person and week: someone Lark would not name (outside the contact range, the scope not
  // yet granted) is asked again at most once a week, while seen.
  const week = String(Math.floor(now.getTime() / (7 * 86_400_000)));
  await tx.execute(
    sql`insert into jobs (kind, key, payload, run_at, max_attempts, priority, created_at)
        select ${LEARN_PERSON_NAME_JOB.name}, x.id || ':' || ${week}, jsonb_build_object('openId', x.id), ${now}, 5,
          ${LEARN_PERSON_NAME_JOB.priority}, ${now}
        from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) x(id)
        where not exists (select 1 from people p where p.open_id = x.id)
        on conflict (kind, key) do nothing`,
  );
}

/**
 * The chats a person was seen in, latest first (at most `limit`): where their materials came from,
 * then the live bound chats of units they hold a role in.
 */
export async function chatsSeenIn(db: Db, openId: string, limit = 3): Promise<string[]> {
  const rows = await queryRows<{ chat_id: string }>(
    db,
    sql`select chat_id from (
          (select chat_id, max(sent_at) as seen from materials where sender_open_id = ${openId}
            group by chat_id order by seen desc limit ${limit})
          union all
          (select b.chat_id, null as seen from chat_bindings b join unit_roles r on r.unit_id = b.unit_id
            where r.open_id = ${openId} and b.status = 'active' limit ${limit})
        ) x order by seen desc nulls last limit ${limit}`,
  );
  return [...new Set(rows.map((r) => r.chat_id))];
}

/** Keeps a name learnt from Lark, unless the person was named meanwhile (an import, a sign-in). */
export async function insertPersonIfNew(
  db: Db,
  p: { openId: string; name: string },
  now: Date,
): Promise<void> {
  await db
    .insert(people)
    .values({ openId: p.openId, name: p.name, updatedAt: now })
    .onConflictDoNothing({ target: people.openId });
}

/** Role holders with no name on record (at most `limit`), for a name lookup each. */
export async function unnamedRoleHolders(db: Db, limit: number): Promise<string[]> {
  const rows = await queryRows<{ open_id: string }>(
    db,
    sql`select distinct r.open_id from unit_roles r
        where not exists (select 1 from people p where p.open_id = r.open_id)
        order by r.open_id limit ${limit}`,
  );
  return rows.map((r) => r.open_id);
}
