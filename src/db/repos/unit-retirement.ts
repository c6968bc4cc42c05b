import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { chatBindings, tasks, units } from '../schema/index.js';

/**
 * Who waived a task that retiring its unit waived (tasks.waived_by): restoring the unit reopens exactly
 * these, never a task an archivist waived by hand.
 */
export const RETIRED_WAIVER = 'unit-retired';

/** The unit's children still active (a unit with any is not retired). */
export async function activeChildren(db: Db, unitId: number): Promise<{ code: string; name: string }[]> {
  return db
    .select({ code: units.code, name: units.name })
    .from(units)
    .where(and(eq(units.parentId, unitId), eq(units.status, 'active')))
    .orderBy(units.code);
}

/**
 * Locks these units' rows for the retirement or restoration that follows in the same transaction (in id
 * order, so two commands locking the same two units never wait on each other); each one's status by id.
 */
export async function lockUnits(tx: Db, unitIds: number[]): Promise<Map<number, { status: string }>> {
  const rows = await queryRows<{ id: number; status: string }>(
    tx,
    sql`select id::int as id, status from units where id = any(${`{${unitIds.join(',')}}`}::bigint[])
        order by id for update`,
  );
  return new Map(rows.map((r) => [Number(r.id), { status: r.status }]));
}

/** Marks the unit retired (at, and what it merged into), or active again (`null`). */
export async function setUnitStatus(
  tx: Db,
  unitId: number,
  retired: { at: Date; intoId: number | null } | null,
  now: Date,
): Promise<void> {
  await tx
    .update(units)
    .set(
      retired
        ? { status: 'retired', retiredAt: retired.at, mergedIntoId: retired.intoId, updatedAt: now }
        : { status: 'active', retiredAt: null, mergedIntoId: null, updatedAt: now },
    )
    .where(eq(units.id, unitId));
}

/**
 * Waives the unit's open tasks that are not complete (what is complete stays complete; the items filed
 * are untouched): nothing of a retired unit is chased or counted as missing. Returns how many.
 */
export async function waiveOpenTasksOfRetired(
  tx: Db,
  unitId: number,
  at: Date,
  reason: string,
): Promise<number> {
  const rows = await tx
    .update(tasks)
    .set({ state: 'waived', waivedAt: at, waivedBy: RETIRED_WAIVER, waivedReason: reason })
    .where(
      and(
        eq(tasks.unitId, unitId),
        eq(tasks.state, 'open'),
        sql`progress_filed(${tasks.id}, ${tasks.unitId}, ${tasks.kindMask}) < ${tasks.minCount}`,
      ),
    )
    .returning({ id: tasks.id });
  return rows.length;
}

/** Reopens the tasks retiring the unit waived. Returns how many. */
export async function reopenTasksOfRetired(tx: Db, unitId: number): Promise<number> {
  const rows = await tx
    .update(tasks)
    .set({ state: 'open', waivedAt: null, waivedBy: null, waivedReason: null })
    .where(and(eq(tasks.unitId, unitId), eq(tasks.state, 'waived'), eq(tasks.waivedBy, RETIRED_WAIVER)))
    .returning({ id: tasks.id });
  return rows.length;
}

/** The unit's live (active or paused) chat bindings. */
export async function liveBindingsOfUnit(
  db: Db,
  unitId: number,
): Promise<{ id: number; chatId: string; status: 'active' | 'paused' }[]> {
  const rows = await db
    .select({ id: chatBindings.id, chatId: chatBindings.chatId, status: chatBindings.status })
    .from(chatBindings)
    .where(and(eq(chatBindings.unitId, unitId), ne(chatBindings.status, 'ended')))
    .orderBy(chatBindings.chatId);
  return rows.map((r) => ({ ...r, status: r.status as 'active' | 'paused' }));
}

/** Names of units by id (for 「已并入 西村」). */
export async function unitNames(db: Db, ids: number[]): Promise<Map<number, { code: string; name: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: units.id, code: units.code, name: units.name })
    .from(units)
    .where(inArray(units.id, ids));
  return new Map(rows.map((r) => [r.id, { code: r.code, name: r.name }]));
}
