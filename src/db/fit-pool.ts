import type { Logger } from '../logger.js';
import type { Database } from './client.js';

const refusedEvery = (refusal?: string) =>
  new Error(
    `PostgreSQL refused every connection (${refusal}): raise its max_connections (or the role's CONNECTION LIMIT) or lower DATABASE_POOL_SIZE`,
  );

/**
 * Opens every connection of a PostgreSQL pool now (PGlite: nothing to do) and returns the database to
 * run on. When the server refuses some (max_connections, a role's CONNECTION LIMIT), the pool is opened
 * again with as many as it accepted, and a warning says so: postgres.js sends a statement to a slot it
 * has not connected rather than wait for a busy connection, and the server would refuse it again
 * (53300). None accepted: the start stops with one line.
 */
export async function fitPool(
  database: Database,
  reopen: (size: number) => Promise<Database>,
  logger: Logger,
): Promise<Database> {
  const pool = await database.openPool?.();
  if (!pool || pool.open === pool.size) return database;
  if (pool.open === 0) throw refusedEvery(pool.refusal);
  await database.close();
  const smaller = await reopen(pool.open);
  const again = await smaller.openPool?.();
  if (again && again.open === 0) {
    await smaller.close();
    throw refusedEvery(again.refusal);
  }
  logger.warn(
    { asked: pool.size, open: again?.open ?? pool.open, refusal: pool.refusal },
    "PostgreSQL accepted fewer connections than DATABASE_POOL_SIZE; the bot runs on those it accepted. Raise its max_connections (or the role's CONNECTION LIMIT) or lower DATABASE_POOL_SIZE",
  );
  return smaller;
}
