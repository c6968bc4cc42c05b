import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

interface PacingSpec {
  key: string;
  /** One call per this long. */
  intervalMs: number;
  /** Calls that may go at once after a pause (1: even spacing). */
  burst: number;
}

/**
 * Reserves the next slot of every key at once (GCRA on the database's clock, shared by every
 * instance): each key's next arrival time becomes max(old, now) + interval, and the caller goes after
 * the longest returned wait. One statement, so two instances can never take the same slot, and one
 * round trip per Lark call. The wait counts from the statement's end (after any wait for a row lock
 * held by another instance), so a caller never goes before its slot.
 */
export async function reservePacingSlots(db: Db, specs: readonly PacingSpec[]): Promise<number> {
  if (specs.length === 0) return 0;
  // Keys in a fixed order: two instances locking the same rows never wait on each other in a cycle.
  const byKey = new Map(specs.map((s) => [s.key, s]));
  const sorted = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  const rows = sql.join(
    sorted.map(
      (s) => sql`(${s.key}, ${s.intervalMs / 1000}::float8, ${(s.burst - 1) * s.intervalMs}::float8)`,
    ),
    sql`, `,
  );
  const [row] = await queryRows<{ wait_ms: number | null }>(
    db,
    sql`with n as (select clock_timestamp() as t),
        spec (key, secs, tolerance_ms) as (values ${rows}),
        taken as (
          insert into lark_pacing as p (key, tat)
          select spec.key, n.t + make_interval(secs => spec.secs) from spec, n
          on conflict (key) do update
            set tat = greatest(p.tat, (select t from n)) + (excluded.tat - (select t from n))
          returning p.key, p.tat)
        select max(greatest(0, extract(epoch from taken.tat - clock_timestamp()) * 1000
          - spec.secs * 1000 - spec.tolerance_ms))::float8 as wait_ms
        from taken join spec on spec.key = taken.key`,
  );
  return Math.ceil(Number(row?.wait_ms ?? 0));
}

/** Forgets slots long past (they behave like a fresh key); returns how many. */
export async function prunePacing(db: Db, olderThanMs: number): Promise<number> {
  const rows = await queryRows<{ key: string }>(
    db,
    sql`delete from lark_pacing where tat < clock_timestamp() - make_interval(secs => ${olderThanMs / 1000}::float8)
        returning key`,
  );
  return rows.length;
}

/** The slots in PostgreSQL's `lark_pacing` table, shared by every instance on it (lark/shared-pacer.ts). */
export function databasePacingSlots(db: Db) {
  return {
    reserve: (specs: readonly PacingSpec[]) => reservePacingSlots(db, specs),
    prune: (olderThanMs: number) => prunePacing(db, olderThanMs),
  };
}
