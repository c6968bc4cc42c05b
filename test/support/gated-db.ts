import type { PGlite, Transaction } from '@electric-sql/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { fromPglite, type Db } from '../../src/db/client.js';
import * as schema from '../../src/db/schema/index.js';
import type { TestDb } from './test-db.js';

/** A statement about to be sent by a gated Db. */
export interface GatedStatement {
  text: string;
  params: readonly unknown[];
  /** Sent inside a transaction (its locks, and on PGlite the one connection, are held meanwhile). */
  inTransaction: boolean;
}

export interface GatedDb {
  db: Db;
  /** Statements sent and not answered yet. */
  inFlight(): number;
  /**
   * Is one of this Db's statements waiting for a lock another connection holds? On PGlite (one
   * connection, one transaction at a time) any statement in flight while another transaction is open
   * is waiting for it; on PostgreSQL the server says so (pg_stat_activity, this Db's connections).
   */
  waitingForLock(): Promise<boolean>;
  close(): Promise<void>;
}

let gates = 0;

/**
 * A second handle on the test database whose every statement — query builder or raw, inside
 * transactions or not — is first handed to `before`, and sent only when that resolves: a test holds
 * one flow at an exact statement while another runs (the two taps of a race, in a chosen order),
 * without sleeps. PGlite: the same instance; PostgreSQL: connections of its own.
 */
export function gatedDb(tdb: TestDb, before: (s: GatedStatement) => Promise<void> | void): GatedDb {
  let inFlight = 0;
  const track = async <T>(s: GatedStatement, send: () => PromiseLike<T>): Promise<T> => {
    await before(s);
    inFlight++;
    try {
      return await send();
    } finally {
      inFlight--;
    }
  };

  if (tdb.pglite) {
    const client = tdb.pglite;
    const gatedTx = (tx: Transaction): Transaction =>
      new Proxy(tx, {
        get(target, prop, receiver) {
          if (prop === 'query')
            return (text: string, params: any[] = [], o?: any) =>
              track({ text, params, inTransaction: true }, () => target.query(text, params, o));
          return Reflect.get(target, prop, receiver);
        },
      });
    const gated = new Proxy(client, {
      get(target, prop) {
        if (prop === 'query')
          return (text: string, params: any[] = [], o?: any) =>
            track({ text, params, inTransaction: false }, () => target.query(text, params, o));
        if (prop === 'transaction')
          return <T>(fn: (tx: Transaction) => Promise<T>) => target.transaction((tx) => fn(gatedTx(tx)));
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    return {
      db: fromPglite(gated as PGlite, async () => {}).db,
      inFlight: () => inFlight,
      // The statement in flight cannot run before the open transaction ends.
      waitingForLock: async () => inFlight > 0 && client.isInTransaction(),
      close: async () => {},
    };
  }

  if (!tdb.url) throw new Error('gatedDb: neither PGlite nor a PostgreSQL URL');
  const name = `gated_${process.pid}_${++gates}`;
  const client = postgres(tdb.url, { max: 4, onnotice: () => {}, connection: { application_name: name } });
  /** drizzle runs `unsafe(text, params, o)` and then awaits it or its `.values()`: both wait for `before`. */
  const gate = (sql: postgres.Sql, inTransaction: boolean): postgres.Sql =>
    new Proxy(sql, {
      get(target, prop, receiver) {
        if (prop === 'unsafe')
          return (text: string, params: any[] = [], o?: any) => {
            let values = false;
            const run = () =>
              track({ text, params, inTransaction }, async () => {
                const q = target.unsafe(text, params, o);
                return values ? await q.values() : await q;
              });
            const lazy = {
              values: () => ((values = true), lazy),
              then: (ok: (v: unknown) => unknown, fail: (e: unknown) => unknown) => run().then(ok, fail),
            };
            return lazy;
          };
        if (prop === 'begin' || prop === 'savepoint')
          return (...a: unknown[]) => {
            const fn = a.pop() as (tx: postgres.Sql) => unknown;
            return (target as any)[prop](...a, (tx: postgres.Sql) => fn(gate(tx, true)));
          };
        return Reflect.get(target, prop, receiver);
      },
    });
  const db = drizzlePostgres(gate(client, false), { schema }) as unknown as Db;
  // As openPostgres: a Date passed as a raw sql`${date}` parameter reaches the server as ISO text.
  const toIso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
  for (const t of ['1184', '1114', '1082']) (client.options.serializers as any)[t] = toIso;
  return {
    db,
    inFlight: () => inFlight,
    waitingForLock: async () =>
      inFlight > 0 &&
      (
        await client`select count(*)::int as n from pg_stat_activity
          where application_name = ${name} and wait_event_type = 'Lock'`
      )[0]!.n > 0,
    close: () => client.end({ timeout: 5 }),
  };
}
