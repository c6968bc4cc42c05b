import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';

/**
 * Runs a big read-only query (a province's tasks) in a transaction with settings that suit it:
 * no JIT (PostgreSQL's JIT spends ~1 s compiling each of these one-off queries, more than they take
 * to run) and enough work_mem to hash and sort in memory instead of spilling to disk.
 */
export async function withAnalyticSettings<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    await tx.execute(sql`set local work_mem = '64MB'`);
    return fn(tx);
  });
}
