import { sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';

export interface NewJob {
  kind: string;
  /** Idempotency: the same (kind, key) is enqueued once. */
  key: string;
  payload: unknown;
  runAt: Date;
  maxAttempts?: number;
}

/** Enqueues a background job; returns false when an identical (kind, key) job already exists. */
export async function enqueueJob(db: Db | Tx, job: NewJob, now: Date): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`insert into jobs (kind, key, payload, run_at, max_attempts, created_at)
        values (${job.kind}, ${job.key}, ${JSON.stringify(job.payload)}::jsonb, ${job.runAt},
                ${job.maxAttempts ?? 8}, ${now})
        on conflict (kind, key) do nothing
        returning id::int as id`,
  );
  return rows.length > 0;
}
