import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/**
 * Deletes processed inbound events (done / ignored) and finished jobs (done) older than the
 * cutoff, in batches (each a short statement on the finished-rows partial index), so a table that
 * grew to millions of rows shrinks without a long lock. Dead rows stay (they are for people to
 * see); the audit trail, messages and materials are other tables and are never pruned.
 */
export async function pruneFinished(
  db: Db,
  opts: { before: Date; batch?: number; maxBatches?: number },
): Promise<{ inboundEvents: number; jobs: number }> {
  const batch = opts.batch ?? 5000;
  const maxBatches = opts.maxBatches ?? 200;
  const prune = async (stmt: () => ReturnType<typeof sql>) => {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = (await queryRows<{ n: number }>(db, stmt()))[0]?.n ?? 0;
      total += Number(n);
      if (Number(n) < batch) break;
    }
    return total;
  };
  const inboundEvents = await prune(
    () => sql`with gone as (delete from inbound_events where id in (
                select id from inbound_events where status in ('done', 'ignored') and processed_at < ${opts.before}
                limit ${batch}) returning 1)
              select count(*)::int as n from gone`,
  );
  const jobs = await prune(
    () => sql`with gone as (delete from jobs where id in (
                select id from jobs where status = 'done' and finished_at < ${opts.before}
                limit ${batch}) returning 1)
              select count(*)::int as n from gone`,
  );
  return { inboundEvents, jobs };
}
