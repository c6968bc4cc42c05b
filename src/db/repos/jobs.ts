import { sql } from 'drizzle-orm';
import type { JobType } from '../../domain/job-type.js';
import { queryRows, type Db, type Tx } from '../client.js';

export interface NewJob<P> {
  type: JobType<P>;
  /** Idempotency: the same (kind, key) is enqueued once. */
  key: string;
  payload: P;
  runAt: Date;
  maxAttempts?: number;
}

/**
 * Enqueues a background job of a declared type (its payload typed by the declaration); returns
 * false when an identical (kind, key) job already exists.
 */
export async function enqueueJob<P>(db: Db | Tx, job: NewJob<P>, now: Date): Promise<boolean> {
  return (await enqueueJobs(db, [job], now)) > 0;
}

/** Several jobs (of any declared types) in one statement; returns how many were new. */
export async function enqueueJobs(db: Db | Tx, jobs: readonly NewJob<unknown>[], now: Date): Promise<number> {
  if (jobs.length === 0) return 0;
  const values = sql.join(
    jobs.map(
      (job) =>
        sql`(${job.type.name}, ${job.key}, ${JSON.stringify(job.payload)}::jsonb, ${job.runAt},
                ${job.maxAttempts ?? 8}, ${job.type.priority}, ${now})`,
    ),
    sql`, `,
  );
  const rows = await queryRows<{ id: number }>(
    db,
    sql`insert into jobs (kind, key, payload, run_at, max_attempts, priority, created_at)
        values ${values}
        on conflict (kind, key) do nothing
        returning id::int as id`,
  );
  return rows.length;
}
