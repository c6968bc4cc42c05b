import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { campaigns, households, tasks, units } from '../schema/index.js';

export type NewTask = typeof tasks.$inferInsert;

/** Inserts tasks in chunks; existing slots are left alone. Returns the new ones (item and due time). */
export async function insertTasks(
  tx: Db,
  rows: NewTask[],
  chunkSize = 1000,
): Promise<{ itemCode: string; title: string; dueAt: Date }[]> {
  const inserted: { itemCode: string; title: string; dueAt: Date }[] = [];
  for (let i = 0; i < rows.length; i += chunkSize) {
    const done = await tx
      .insert(tasks)
      .values(rows.slice(i, i + chunkSize))
      .onConflictDoNothing()
      .returning({ itemCode: tasks.itemCode, title: tasks.title, dueAt: tasks.dueAt });
    inserted.push(...done);
  }
  return inserted;
}

/** A task with what the filing use cases and cards need to name it. */
export interface TaskContext {
  id: number;
  code: string;
  itemCode: string;
  title: string;
  kinds: string[];
  archiveAs: 'photo' | 'document' | 'audio' | 'video' | null;
  minCount: number;
  dueAt: Date;
  state: 'open' | 'waived';
  campaignId: number;
  campaignCode: string;
  campaignTitle: string;
  /** The campaign's 年度. */
  campaignYear: number;
  unitId: number;
  unitCode: string;
  unitName: string;
  unitPath: string;
  householdId: number | null;
  householdCode: string | null;
  householdName: string | null;
}

const contextColumns = {
  id: tasks.id,
  code: tasks.code,
  itemCode: tasks.itemCode,
  title: tasks.title,
  kinds: tasks.kinds,
  archiveAs: tasks.archiveAs,
  minCount: tasks.minCount,
  dueAt: tasks.dueAt,
  state: tasks.state,
  campaignId: tasks.campaignId,
  campaignCode: campaigns.code,
  campaignTitle: campaigns.title,
  campaignYear: campaigns.year,
  unitId: tasks.unitId,
  unitCode: units.code,
  unitName: units.name,
  unitPath: units.path,
  householdId: tasks.householdId,
  householdCode: households.code,
  householdName: households.headName,
};

function contextQuery(db: Db) {
  return db
    .select(contextColumns)
    .from(tasks)
    .innerJoin(campaigns, eq(campaigns.id, tasks.campaignId))
    .innerJoin(units, eq(units.id, tasks.unitId))
    .leftJoin(households, eq(households.id, tasks.householdId));
}

const toContext = (r: any): TaskContext => ({ ...r, state: r.state as TaskContext['state'] });

export async function getTaskContext(db: Db, taskId: number): Promise<TaskContext | undefined> {
  const [row] = await contextQuery(db).where(eq(tasks.id, taskId));
  return row && toContext(row);
}

/**
 * Tasks of a unit with a typed code (#C03, #H03-12), newest campaign first. `#H03` alone matches
 * every household's H03.
 */
export async function findTasksByCode(db: Db, unitId: number, code: string): Promise<TaskContext[]> {
  const rows = await contextQuery(db)
    .where(
      and(
        eq(tasks.unitId, unitId),
        sql`(${tasks.code} = ${code} or (${tasks.householdId} is not null and ${tasks.itemCode} = ${code}))`,
      ),
    )
    .orderBy(sql`${campaigns.deadline} desc`, asc(tasks.code));
  return rows.map(toContext);
}

/** Waives (or, with null, reopens) a task; false when it already was in that state. */
export async function setTaskWaived(
  tx: Db,
  taskId: number,
  w: { by: string; reason: string; at: Date } | null,
): Promise<boolean> {
  const rows = await tx
    .update(tasks)
    .set(
      w
        ? { state: 'waived', waivedAt: w.at, waivedBy: w.by, waivedReason: w.reason }
        : { state: 'open', waivedAt: null, waivedBy: null, waivedReason: null },
    )
    .where(and(eq(tasks.id, taskId), eq(tasks.state, w ? 'open' : 'waived')))
    .returning({ id: tasks.id });
  return rows.length > 0;
}

/**
 * Why the task was waived (免交), as the chat's cards say it ('' for a household's task); undefined while
 * it is open.
 */
export async function waivedReasonOf(db: Db, taskId: number): Promise<string | undefined> {
  const [r] = await db
    .select({ reason: tasks.waivedReason, householdId: tasks.householdId })
    .from(tasks)
    .where(and(eq(tasks.id, taskId), eq(tasks.state, 'waived')));
  // A household's reason is often the family's own matter (去世, 服刑, 低保): the cards drawn with it are
  // read by the whole village group. The archivist who waived it has it in the audit and on the pages.
  return r ? (r.householdId === null ? (r.reason ?? '') : '') : undefined;
}

/** Whether a household of the unit has waived (免交) tasks: none of another unit's is ever found. */
export async function householdHasWaivedTasks(db: Db, unitId: number, householdId: number): Promise<boolean> {
  const rows = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.unitId, unitId), eq(tasks.householdId, householdId), eq(tasks.state, 'waived')))
    .limit(1);
  return rows.length > 0;
}
