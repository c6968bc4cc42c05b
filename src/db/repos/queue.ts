import { sql, type SQL } from 'drizzle-orm';
import { JOB_PRIORITY } from '../../domain/job-type.js';
import { storable } from '../../domain/storable-text.js';
import { queryRows, type Db } from '../client.js';

/**
 * The two durable queues share one shape: `inbound_events` (each accepted event is its own job)
 * and `jobs` (downloads, sends …). Claiming uses FOR UPDATE SKIP LOCKED, so any number of workers
 * in any number of processes take disjoint rows. Attempts count at claim time: a row whose worker
 * dies mid-way still uses up an attempt and ends in `dead` rather than crashing workers forever.
 */
export type QueueTable = 'inbound_events' | 'jobs';

const DUE: Record<QueueTable, string> = { inbound_events: 'next_attempt_at', jobs: 'run_at' };

export interface ClaimedRow {
  id: number;
  attempts: number;
  payload: unknown;
  /** inbound_events.event_type or jobs.kind */
  type: string;
  maxAttempts?: number;
  /** When the row became due (for queue-lag metrics). */
  dueAt: Date;
  /** A job of priority `last` (thumbnails, re-checks): nobody waits for it (see `claimDue`'s `lastDueBy`). */
  background: boolean;
}

const t = (table: QueueTable) => sql.raw(`"${table}"`);
const due = (table: QueueTable) => sql.raw(`"${DUE[table]}"`);
const typeCol = (table: QueueTable) => sql.raw(table === 'jobs' ? 'kind' : 'event_type');
/** Jobs: who waits for it first (JOB_PRIORITY), then oldest due; events strictly in order. */
const claimOrder = (table: QueueTable) =>
  table === 'jobs' ? sql.raw('priority, run_at, id') : sql.raw('next_attempt_at, id');
const maxCol = (table: QueueTable) => sql.raw(table === 'jobs' ? 'max_attempts' : 'null::int');
const LAST = JOB_PRIORITY.last;
const backgroundCol = (table: QueueTable) => (table === 'jobs' ? sql`priority >= ${LAST}` : sql.raw('false'));

export interface ClaimOptions {
  /** Kinds whose work waits for a resource (not claimed until it returns). */
  skipTypes?: readonly string[];
  /**
   * Jobs of priority `last` are claimed only when due by then (the worker is busy with work somebody
   * waits for, e.g. a flood of downloads: a thumbnail would take the CPU they need). Unset: any due.
   */
  lastDueBy?: Date;
  /**
   * The claim's stamp (`claimed_at`, and the first `locked_at`) when not `now`: the worker's own,
   * strictly increasing, so it names this claim among all of the worker's.
   */
  leaseStamp?: Date;
}

export async function claimDue(
  db: Db,
  table: QueueTable,
  workerId: string,
  limit: number,
  now: Date,
  opts: ClaimOptions = {},
): Promise<ClaimedRow[]> {
  const rows = await queryRows<ClaimedColumns>(db, claimStatement(table, workerId, limit, now, opts));
  return rows.map(claimedRow);
}

/**
 * Marks a claimed row finished (as `finish`) and, in the same statement, claims up to `limit` due rows
 * for the same worker (as `claimDue`): a worker refills the slot its row leaves with one round trip.
 * `finished` is false when the row was no longer ours.
 */
export async function finishAndClaim(
  db: Db,
  table: QueueTable,
  row: ClaimRef,
  status: 'done' | 'ignored',
  now: Date,
  limit: number,
  opts: ClaimOptions = {},
): Promise<{ finished: boolean; claimed: ClaimedRow[] }> {
  const rows = await queryRows<{ finished: number } & Partial<ClaimedColumns>>(
    db,
    sql`with finished as (${finishStatement(table, row, status, now)}),
          claimed as (${claimStatement(table, row.workerId, limit, now, opts)})
        select (select count(*) from finished)::int as finished, claimed.*
        from (select 1) one left join claimed on true`,
  );
  return {
    finished: Number(rows[0]?.finished ?? 0) > 0,
    claimed: rows.filter((r) => r.id != null).map((r) => claimedRow(r as ClaimedColumns)),
  };
}

interface ClaimedColumns {
  id: number;
  attempts: number;
  /** jsonb: an object, or its text from a driver that does not parse it. */
  payload: unknown;
  type: string;
  max_attempts: number | null;
  due_at: Date | string;
  background: boolean;
}

function claimStatement(
  table: QueueTable,
  workerId: string,
  limit: number,
  now: Date,
  opts: ClaimOptions,
): SQL {
  const skipTypes = opts.skipTypes ?? [];
  const held =
    table === 'jobs' && opts.lastDueBy ? sql`and (priority < ${LAST} or run_at <= ${opts.lastDueBy})` : sql``;
  const skip =
    skipTypes.length > 0
      ? sql`and ${typeCol(table)} not in (${sql.join(
          skipTypes.map((k) => sql`${k}`),
          sql`, `,
        )})`
      : sql``;
  const stamp = opts.leaseStamp ?? now;
  return sql`update ${t(table)} set status = 'processing', locked_at = ${stamp}, claimed_at = ${stamp},
          locked_by = ${workerId}, attempts = attempts + 1
        where id in (
          select id from ${t(table)}
          where status = 'pending' and ${due(table)} <= ${now} ${skip} ${held}
          order by ${claimOrder(table)}
          limit ${limit}
          for update skip locked)
        returning id::int as id, attempts, payload, ${typeCol(table)} as type, ${maxCol(table)} as max_attempts,
          ${due(table)} as due_at, ${backgroundCol(table)} as background`;
}

const claimedRow = (r: ClaimedColumns): ClaimedRow => ({
  id: Number(r.id),
  attempts: Number(r.attempts),
  payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
  type: r.type,
  maxAttempts: r.max_attempts == null ? undefined : Number(r.max_attempts),
  dueAt: new Date(r.due_at),
  background: r.background === true,
});

function finishStatement(table: QueueTable, row: ClaimRef, status: 'done' | 'ignored', now: Date): SQL {
  const finishedCol = sql.raw(table === 'jobs' ? 'finished_at' : 'processed_at');
  return sql`update ${t(table)} set status = ${status}, ${finishedCol} = ${now}, locked_at = null, locked_by = null,
          last_error = null
        where id = ${row.id} and status = 'processing' and locked_by = ${row.workerId}
          ${row.attempts === undefined ? sql`` : sql`and attempts = ${row.attempts}`} ${sameClaim(row)}
        returning id::int as id`;
}

/** A claimed row as a statement names it: its holder, and (when known) that claim's attempt count and stamp. */
export interface ClaimRef {
  id: number;
  workerId: string;
  attempts?: number;
  /** The claim's stamp (`claimed_at`): when given, only that claim matches, not a later one of the row. */
  claimedAt?: Date;
}

const sameClaim = (row: { claimedAt?: Date }) =>
  row.claimedAt ? sql`and claimed_at = ${row.claimedAt}` : sql``;

/**
 * Marks a claimed row finished (`done`, or `ignored` for events we do not act on). Only while this
 * worker still holds it (with `attempts`: that claim of it): a row whose lease expired and was taken
 * over belongs to the new holder. Returns false when the row was no longer ours.
 */
export async function finish(
  db: Db,
  table: QueueTable,
  row: ClaimRef,
  status: 'done' | 'ignored',
  now: Date,
): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(db, finishStatement(table, row, status, now));
  return rows.length > 0;
}

/** Exponential backoff with jitter: 5 s, 10 s, 20 s … capped at one hour. */
export function backoffSeconds(attempts: number, random = Math.random()): number {
  const base = Math.min(3600, 5 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}

/**
 * Records a failed attempt: back to `pending` after a backoff, or `dead` when attempts are used up
 * (or the error is permanent). `retryAt` overrides the backoff (e.g. Lark's rate-limit reset).
 * Only while this worker holds that claim of the row (`attempts`). Returns the new status, or 'lost'
 * when it was not ours.
 */
export async function fail(
  db: Db,
  table: QueueTable,
  row: ClaimRef & { attempts: number },
  opts: { error: string; now: Date; maxAttempts: number; permanent?: boolean; retryAt?: Date },
): Promise<'pending' | 'dead' | 'lost'> {
  const dead = opts.permanent || row.attempts >= opts.maxAttempts;
  const next = opts.retryAt ?? new Date(opts.now.getTime() + backoffSeconds(row.attempts) * 1000);
  const status = dead ? 'dead' : 'pending';
  const finishedCol = sql.raw(table === 'jobs' ? 'finished_at' : 'processed_at');
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update ${t(table)} set status = ${status}, last_error = ${storable(opts.error).slice(0, 2000)},
          locked_at = null, locked_by = null, ${due(table)} = ${next},
          ${finishedCol} = ${dead ? opts.now : null}
        where id = ${row.id} and status = 'processing' and locked_by = ${row.workerId}
          and attempts = ${row.attempts} ${sameClaim(row)}
        returning id::int as id`,
  );
  return rows.length > 0 ? status : 'lost';
}

/**
 * Keeps this worker's claims of `runs` (its work in flight: each row with its claim's stamp) fresh while
 * their work runs (a long download outlives the lease). Only those claims: a row claimed under this
 * worker id that no work runs (a claim whose reply was lost) is left to expire and be reclaimed, and a
 * renewal that arrives late never touches a newer claim of the row, nor moves the lease back behind a
 * renewal sent after it (its stamps increase).
 */
export async function renewLeases(
  db: Db,
  table: QueueTable,
  workerId: string,
  runs: readonly { id: number; claimedAt: Date }[],
  now: Date,
): Promise<void> {
  if (runs.length === 0) return;
  const claims = sql.join(
    runs.map((r) => sql`(id = ${r.id} and claimed_at = ${r.claimedAt})`),
    sql` or `,
  );
  await db.execute(
    sql`update ${t(table)} set locked_at = ${now}
        where status = 'processing' and locked_by = ${workerId} and locked_at < ${now} and (${claims})`,
  );
}

const idList = (ids: readonly number[]) =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

/**
 * Gives back, without using up their attempt, rows claimed under this worker id whose lease expired
 * and that no work of this worker runs (`running`): their claim's reply was lost, so they never ran.
 * Not the rows of `claimsOnTheirWay` (claims whose reply is still awaited, by their stamps): they are
 * about to run, even when that claim took longer than the lease.
 */
export async function releaseStranded(
  db: Db,
  table: QueueTable,
  workerId: string,
  running: readonly number[],
  opts: { now: Date; leaseSeconds: number; claimsOnTheirWay?: readonly Date[] },
): Promise<number[]> {
  const cutoff = new Date(opts.now.getTime() - opts.leaseSeconds * 1000);
  const onTheirWay = opts.claimsOnTheirWay ?? [];
  // A row claimed before claimed_at existed has none: it belongs to no claim on its way.
  const notOnTheirWay =
    onTheirWay.length > 0
      ? sql`and (claimed_at is null or claimed_at not in (${sql.join(
          onTheirWay.map((d) => sql`${d}`),
          sql`, `,
        )}))`
      : sql``;
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update ${t(table)} set status = 'pending', attempts = greatest(attempts - 1, 0), locked_at = null,
          locked_by = null, ${due(table)} = ${opts.now}
        where status = 'processing' and locked_by = ${workerId} and locked_at < ${cutoff} ${notOnTheirWay}
          ${running.length > 0 ? sql`and id not in (${idList(running)})` : sql``}
        returning id::int as id`,
  );
  return rows.map((r) => Number(r.id));
}

/** One claim of a row: its holder, the attempt count the claim gave it and (when known) its stamp. */
export type HeldClaim = ClaimRef & { attempts: number };

/**
 * Gives one claimed row back without using up its attempt (its work was interrupted by a shutdown, or
 * waits for a resource). Only that claim: a release sent late (the database was away, or its reply was
 * lost) must not give back a newer claim of the same row, by this worker or another (`attempts`, and
 * `claimedAt` when given). False when the claim was no longer there.
 */
export async function releaseRow(db: Db, table: QueueTable, row: HeldClaim, now: Date): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update ${t(table)} set status = 'pending', attempts = greatest(attempts - 1, 0), locked_at = null,
          locked_by = null, ${due(table)} = ${now}
        where id = ${row.id} and status = 'processing' and locked_by = ${row.workerId}
          and attempts = ${row.attempts} ${sameClaim(row)}
        returning id::int as id`,
  );
  return rows.length > 0;
}

/** A row the sweeper gave up on: its last worker died on its last attempt. */
export interface DeadRow {
  id: number;
  type: string;
  payload: unknown;
}

/**
 * The sweeper: rows stuck in `processing` longer than the lease belong to a worker that died.
 * They go back to `pending` (or `dead` if their attempts are used up). Returns how many, and the
 * rows that went dead (their owners mark what they were for as failed). Not the sweeping worker's own
 * (`exceptHolder`): those it renews while they run, or gives back with their attempt (`releaseStranded`).
 */
export async function reclaimStale(
  db: Db,
  table: QueueTable,
  opts: { now: Date; leaseSeconds: number; maxAttempts: number; exceptHolder?: string },
): Promise<{ reclaimed: number; dead: DeadRow[] }> {
  const cutoff = new Date(opts.now.getTime() - opts.leaseSeconds * 1000);
  const others = opts.exceptHolder ? sql`and locked_by <> ${opts.exceptHolder}` : sql``;
  return reclaim(
    db,
    table,
    sql`locked_at < ${cutoff} ${others}`,
    'worker lease expired (worker died or hung)',
    opts,
  );
}

/** Holders (`locked_by`) of rows in `processing` right now. */
export async function processingHolders(db: Db, table: QueueTable): Promise<string[]> {
  const rows = await queryRows<{ locked_by: string }>(
    db,
    sql`select distinct locked_by from ${t(table)} where status = 'processing' and locked_by is not null`,
  );
  return rows.map((r) => r.locked_by);
}

/**
 * Holders of rows in `processing` whose lease is fresh (claimed or renewed since `since`): workers
 * that were alive then. A holder on this host whose process is gone is the caller's to drop (isGone).
 */
export async function freshHolders(db: Db, since: Date): Promise<string[]> {
  const rows = await queryRows<{ locked_by: string }>(
    db,
    sql`select locked_by from inbound_events where status = 'processing' and locked_at >= ${since}
        union select locked_by from jobs where status = 'processing' and locked_at >= ${since}`,
  );
  return rows.map((r) => r.locked_by).filter(Boolean);
}

/**
 * Like the sweeper, at once: rows held by workers whose process is known to be gone (killed, crashed)
 * go back to `pending` (or `dead` on their last attempt) without waiting for the lease to expire.
 */
export async function reclaimHeldBy(
  db: Db,
  table: QueueTable,
  holders: readonly string[],
  opts: { now: Date; maxAttempts: number },
): Promise<{ reclaimed: number; dead: DeadRow[] }> {
  if (holders.length === 0) return { reclaimed: 0, dead: [] };
  const list = sql.join(
    holders.map((h) => sql`${h}`),
    sql`, `,
  );
  return reclaim(
    db,
    table,
    sql`locked_by in (${list})`,
    'its worker process is gone (killed or crashed)',
    opts,
  );
}

async function reclaim(
  db: Db,
  table: QueueTable,
  where: SQL,
  note: string,
  opts: { now: Date; maxAttempts: number },
): Promise<{ reclaimed: number; dead: DeadRow[] }> {
  const max: SQL = table === 'jobs' ? sql`max_attempts` : sql`${opts.maxAttempts}`;
  const rows = await queryRows<{ id: number; status: string; type: string; payload: unknown }>(
    db,
    sql`update ${t(table)} set
          status = case when attempts >= ${max} then 'dead' else 'pending' end,
          last_error = coalesce(last_error, '') || case when last_error is null then '' else '; ' end
            || ${note},
          locked_at = null, locked_by = null, ${due(table)} = ${opts.now}
        where status = 'processing' and ${where}
        returning id::int as id, status, ${typeCol(table)} as type, payload`,
  );
  return {
    reclaimed: rows.length,
    dead: rows
      .filter((r) => r.status === 'dead')
      .map((r) => ({
        id: Number(r.id),
        type: r.type,
        payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
      })),
  };
}

/** Gives back rows this worker claimed but did not finish (graceful shutdown). */
export async function release(db: Db, table: QueueTable, workerId: string, now: Date): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update ${t(table)} set status = 'pending', attempts = greatest(attempts - 1, 0), locked_at = null,
          locked_by = null, ${due(table)} = ${now}
        where status = 'processing' and locked_by = ${workerId}
        returning id::int as id`,
  );
  return rows.length;
}

export interface QueueStats {
  pending: number;
  processing: number;
  dead: number;
  /** Seconds the oldest due pending row has been waiting. */
  lagSeconds: number;
}

/**
 * Counts by status and the oldest due row, each from its partial index (pending, processing,
 * dead): done rows, the bulk of a long-lived table, are never read.
 */
export async function queueStats(db: Db, table: QueueTable, now: Date): Promise<QueueStats> {
  const [r] = await queryRows<{ pending: number; processing: number; dead: number; lag: number }>(
    db,
    sql`select (select count(*) from ${t(table)} where status = 'pending')::int as pending,
               (select count(*) from ${t(table)} where status = 'processing')::int as processing,
               (select count(*) from ${t(table)} where status = 'dead')::int as dead,
               coalesce(extract(epoch from (${now}::timestamptz - (select min(${due(table)}) from ${t(table)}
                 where status = 'pending' and ${due(table)} <= ${now}))), 0)::float8 as lag`,
  );
  return {
    pending: Number(r?.pending ?? 0),
    processing: Number(r?.processing ?? 0),
    dead: Number(r?.dead ?? 0),
    lagSeconds: Math.max(0, Number(r?.lag ?? 0)),
  };
}
