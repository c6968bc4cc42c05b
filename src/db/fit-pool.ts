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
  let current = database;
  let last = pool;
  // The room may shrink again between a close and the reopen (another instance starting): fit again,
  // a few times at most (each round only shrinks the pool).
  for (let round = 0; last.open < last.size; round++) {
    if (last.open === 0 || round === 3) {
      // The database passed in is the caller's to close; one opened here is closed here.
      if (current !== database) await current.close();
      throw refusedEvery(last.refusal);
    }
    await current.close();
    current = await reopen(last.open);
    last = (await current.openPool?.()) ?? { open: last.open, size: last.open };
  }
  logger.warn(
    { asked: pool.size, open: last.open, refusal: pool.refusal },
    "PostgreSQL accepted fewer connections than DATABASE_POOL_SIZE; the bot runs on those it accepted. Raise its max_connections (or the role's CONNECTION LIMIT) or lower DATABASE_POOL_SIZE",
  );
  return current;
}
