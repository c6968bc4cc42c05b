import { DOWNLOAD_MATERIAL_JOB, SCHEDULED_SEND_JOB } from '../domain/job-types.js';
import { reopenDeadSends } from '../db/repos/schedule-sends.js';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';

export interface DeadJob {
  id: number;
  kind: string;
  key: string;
  attempts: number;
  finishedAt: Date | null;
  lastError: string | null;
}

/** Which dead jobs: one by id, every one of a kind, or all. */
export type DeadJobFilter = { id: number } | { kind: string } | { all: true };

const whereOf = (f: DeadJobFilter) =>
  'id' in f ? sql`and id = ${f.id}` : 'kind' in f ? sql`and kind = ${f.kind}` : sql``;

/** Dead jobs, oldest first (at most `limit`), with their last error. */
export async function listDeadJobs(
  db: Db,
  f: DeadJobFilter = { all: true },
  limit = 200,
): Promise<DeadJob[]> {
  const rows = await queryRows<{
    id: number;
    kind: string;
    key: string;
    attempts: number;
    finished_at: Date | string | null;
    last_error: string | null;
  }>(
    db,
    sql`select id::int as id, kind, key, attempts, finished_at, last_error from jobs
        where status = 'dead' ${whereOf(f)} order by id limit ${limit}`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    key: r.key,
    attempts: Number(r.attempts),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    lastError: r.last_error,
  }));
}

/**
 * Puts dead jobs back in the queue with fresh attempts (due now). What a dead job had given up on is
 * reopened in the same transaction: a dead download's material goes from `failed` back to `pending`,
 * so its download runs again and the burst shows it as arriving; a scheduled message closed because its
 * job died (`closeDeadSend`) goes back to `pending`, so the job sends it. Returns the jobs re-queued.
 */
export async function retryDeadJobs(
  db: Db,
  f: DeadJobFilter,
  now: Date,
): Promise<{ jobs: number; materials: number }> {
  return db.transaction(async (tx) => {
    const rows = await queryRows<{ id: number; kind: string; payload: unknown }>(
      tx,
      sql`update jobs set status = 'pending', attempts = 0, run_at = ${now}, finished_at = null,
            locked_at = null, locked_by = null
          where status = 'dead' ${whereOf(f)}
          returning id::int as id, kind, payload`,
    );
    const idsOf = (kind: string, field: string) =>
      rows
        .filter((r) => r.kind === kind)
        .map((r) => {
          const payload: unknown = typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload;
          return Number((payload as Record<string, unknown> | null)?.[field]);
        })
        .filter((id) => Number.isSafeInteger(id));
    await reopenDeadSends(tx, idsOf(SCHEDULED_SEND_JOB.name, 'sendId'));
    const materialIds = idsOf(DOWNLOAD_MATERIAL_JOB.name, 'materialId');
    let materials = 0;
    if (materialIds.length > 0) {
      const reopened = await queryRows<{ id: number }>(
        tx,
        sql`update materials set status = 'pending', last_error = null
            where status = 'failed' and id in (${sql.join(
              materialIds.map((id) => sql`${id}`),
              sql`, `,
            )})
            returning id::int as id`,
      );
      materials = reopened.length;
    }
    return { jobs: rows.length, materials };
  });
}
