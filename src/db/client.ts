import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import * as schema from './schema/index.js';
import { lockDataDir, type DataDirUser } from './lock-data-dir.js';
import { refuseMovedAway, refuseMovedPglite } from './pglite-moved.js';
import { checkPgliteOwner } from './pglite-owner.js';

export type Schema = typeof schema;
/** One type for both drivers: repositories take a `Db` and never care which it is. */
export type Db = PgDatabase<any, Schema>;
/** A transaction handle is a Db too (same query API). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Closes connections (and releases the PGlite folder lock). */
  close(): Promise<void>;
  /** PostgreSQL: opens every connection of the pool now (see `openPostgres`). */
  openPool?(): Promise<PoolOpening>;
}

/** How many of the pool's connections the server accepted, and why not the rest. */
export interface PoolOpening {
  open: number;
  size: number;
  /** The first refusal's SQLSTATE (53300: too many connections) or error code, when one was refused. */
  refusal?: string;
}

export interface OpenDbOptions {
  databaseUrl?: string;
  dataDir: string;
  /** postgres.js pool size. */
  maxConnections?: number;
  /** PostgreSQL: statements running longer are cancelled by the server (0 = no limit). */
  statementTimeoutMs?: number;
  /** PGlite: what this process is, in the folder lock's record (the check-up reads it). */
  user?: DataDirUser;
  /** The settings files this process read (envFilesOf), named when the archive was moved to PostgreSQL. */
  envFiles?: readonly string[];
}

export async function openDb(opts: OpenDbOptions): Promise<Database> {
  if (opts.databaseUrl)
    return openPostgres(opts.databaseUrl, opts.maxConnections ?? 10, opts.statementTimeoutMs ?? 0);
  const dir = join(opts.dataDir, 'pglite');
  refuseMovedPglite(dir);
  refuseMovedAway(opts.dataDir, opts.envFiles);
  checkPgliteOwner(opts.dataDir);
  mkdirSync(dir, { recursive: true });
  const release = await lockDataDir(dir, opts.user);
  try {
    const client = await PGlite.create(dir);
    return fromPglite(client, async () => {
      await client.close();
      await release();
    });
  } catch (err) {
    await release();
    throw err;
  }
}

/**
 * postgres.js with a 3 s connect timeout (an unreachable server fails fast: the webhook answers 503
 * within Lark's 3 s and work waits) and, when given, a server-side statement timeout.
 *
 * Statements are prepared (per connection, once per SQL text; see `preparedStatements`): drizzle sends
 * its queries unprepared, and postgres.js then asks the server for the parameter types of every
 * statement before running it, two round trips and a parse each time. The plans stay those of an
 * unprepared statement (`plan_cache_mode=force_custom_plan`: planned for each call's values, so partial
 * indexes and skewed columns are planned as before); only the parsing and the extra round trip go.
 */
export function openPostgres(url: string, max = 10, statementTimeoutMs = 0): Database {
  const client = postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 3,
    connection: {
      plan_cache_mode: 'force_custom_plan',
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    },
  });
  const db = drizzlePostgres(preparedStatements(client), { schema }) as unknown as Db;
  // drizzle makes postgres.js's date serializers transparent (it converts its own columns); a Date passed
  // as a raw sql`${date}` parameter must still reach the server as an ISO string, as it does on PGlite.
  const toIso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
  for (const t of ['1184', '1114', '1082']) (client.options.serializers as any)[t] = toIso;
  return {
    db,
    kind: 'postgres',
    close: () => client.end({ timeout: 5 }),
    // postgres.js connects on demand, so the first burst after a start would pay for every
    // connection (and a server short of max_connections would only show then): all are opened here.
    openPool: async () => {
      const tries = await Promise.allSettled(Array.from({ length: max }, () => client`select 1`));
      const refused = tries.find((t): t is PromiseRejectedResult => t.status === 'rejected');
      const code = refused ? (refused.reason as { code?: unknown })?.code : undefined;
      return {
        open: tries.length - tries.filter((t) => t.status === 'rejected').length,
        size: max,
        ...(refused ? { refusal: typeof code === 'string' ? code : 'error' } : {}),
      };
    },
  };
}

/**
 * The client as drizzle sees it, with every statement that has parameters prepared: drizzle asks
 * postgres.js for unprepared ones (`unsafe(text, params, { prepare: false })`), in transactions and
 * savepoints too. postgres.js keeps a connection's prepared statements until the connection is
 * recycled (`max_lifetime`, 30–60 min), and prepares a statement again when the server dropped it.
 */
function preparedStatements(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe')
        return (text: string, args?: any[], options?: object) =>
          target.unsafe(text, args, { ...options, prepare: true });
      if (prop === 'begin' || prop === 'savepoint')
        return (...a: any[]) => {
          const fn = a.pop() as (tx: postgres.Sql) => unknown;
          return (target as any)[prop](...a, (tx: postgres.Sql) => fn(preparedStatements(tx)));
        };
      return Reflect.get(target, prop, receiver);
    },
  });
}

export function fromPglite(client: PGlite, close: () => Promise<void> = () => client.close()): Database {
  return { db: drizzlePglite(client, { schema }) as unknown as Db, kind: 'pglite', close };
}

/**
 * Raw SQL that returns rows on both drivers (postgres.js returns an array, PGlite `{rows}`).
 * Cast counts to int in SQL: postgres.js returns int8 as string, PGlite as number/BigInt.
 */
export async function queryRows<T>(db: Db | Tx, query: SQL): Promise<T[]> {
  const result: any = await db.execute(query);
  return (Array.isArray(result) ? result : result.rows) as T[];
}
