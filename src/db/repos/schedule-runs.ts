import { eq, sql } from 'drizzle-orm';
import { storable } from '../../domain/storable-text.js';
import { queryRows, type Db } from '../client.js';
import type { ScheduleRunStatus } from '../schema/column-types.js';
import { scheduleRuns } from '../schema/schedules.js';

export interface SlotClaim {
  job: string;
  slot: Date;
  instance: string;
  now: Date;
  /** A `running` claim older than this was abandoned (its process died) and may be taken over. */
  leaseMs: number;
  /** A `failed` slot is retried up to this many attempts in all. */
  maxAttempts: number;
}

/**
 * Claims a (job, slot): exactly one caller wins, across instances. A failed run, or one abandoned
 * past its lease, can be claimed again. Returns the attempt number, or undefined when not won.
 */
export async function claimSlot(db: Db, c: SlotClaim): Promise<number | undefined> {
  const stale = new Date(c.now.getTime() - c.leaseMs);
  const [row] = await queryRows<{ attempts: number }>(
    db,
    sql`insert into schedule_runs (job, slot, status, instance, attempts, claimed_at)
        values (${c.job}, ${c.slot}, 'running', ${c.instance}, 1, ${c.now})
        on conflict (job, slot) do update
          set status = 'running', instance = excluded.instance, attempts = schedule_runs.attempts + 1,
            claimed_at = excluded.claimed_at, finished_at = null, last_error = null
          where (schedule_runs.status = 'failed' and schedule_runs.attempts < ${c.maxAttempts})
            or (schedule_runs.status = 'running' and schedule_runs.claimed_at < ${stale})
        returning attempts`,
  );
  return row ? Number(row.attempts) : undefined;
}

/** Keeps a long run's claim fresh so no other instance takes it over as abandoned. */
export async function renewSlot(
  db: Db,
  r: { job: string; slot: Date; instance: string; now: Date },
): Promise<void> {
  await db.execute(
    sql`update schedule_runs set claimed_at = ${r.now}
        where job = ${r.job} and slot = ${r.slot} and instance = ${r.instance} and status = 'running'`,
  );
}

export async function finishSlot(
  db: Db,
  r: { job: string; slot: Date; instance: string; now: Date; outcome: unknown },
): Promise<void> {
  await db.execute(
    sql`update schedule_runs set status = 'done', finished_at = ${r.now},
          outcome = ${JSON.stringify(r.outcome ?? {})}::jsonb
        where job = ${r.job} and slot = ${r.slot} and instance = ${r.instance}`,
  );
}

export async function failSlot(
  db: Db,
  r: { job: string; slot: Date; instance: string; now: Date; error: string },
): Promise<void> {
  await db.execute(
    sql`update schedule_runs set status = 'failed', finished_at = ${r.now}, last_error = ${storable(r.error).slice(0, 2000)}
        where job = ${r.job} and slot = ${r.slot} and instance = ${r.instance}`,
  );
}

/** Records a slot that was never run (the process was down); true the first time only. */
export async function markSlotMissed(
  db: Db,
  r: { job: string; slot: Date; instance: string; now: Date },
): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`insert into schedule_runs (job, slot, status, instance, attempts, claimed_at, finished_at)
        values (${r.job}, ${r.slot}, 'missed', ${r.instance}, 0, ${r.now}, ${r.now})
        on conflict (job, slot) do nothing
        returning id::int as id`,
  );
  return rows.length > 0;
}

export interface ScheduleRun {
  job: string;
  slot: Date;
  status: ScheduleRunStatus;
  instance: string | null;
  attempts: number;
  outcome: unknown;
  lastError: string | null;
}

export async function listScheduleRuns(db: Db, job?: string): Promise<ScheduleRun[]> {
  const r = scheduleRuns;
  return db
    .select({
      job: r.job,
      slot: r.slot,
      status: r.status,
      instance: r.instance,
      attempts: r.attempts,
      outcome: r.outcome,
      lastError: r.lastError,
    })
    .from(r)
    .where(job === undefined ? undefined : eq(r.job, job))
    .orderBy(r.slot, r.job);
}

/** Whether a run of `job` finished having done ISO `week`'s work (its outcome names that `week`). */
export async function weekRunDone(db: Db, job: string, week: string): Promise<boolean> {
  const rows = await queryRows<{ one: number }>(
    db,
    sql`select 1 as one from schedule_runs
        where job = ${job} and status = 'done' and outcome->>'week' = ${week} limit 1`,
  );
  return rows.length > 0;
}
