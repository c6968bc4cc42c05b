import type { Db } from '../db/client.js';
import {
  claimDue,
  fail,
  finish,
  finishAndClaim,
  processingHolders,
  reclaimHeldBy,
  reclaimStale,
  release,
  releaseRow,
  releaseStranded,
  renewLeases,
  type ClaimOptions,
  type ClaimedRow,
  type DeadRow,
  type HeldClaim,
  type QueueTable,
} from '../db/repos/queue.js';
import {
  AppError,
  isDatabaseReason,
  LarkApiError,
  PermanentError,
  resourceProblem,
  type ResourceReason,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { errorText } from '../log-redaction.js';
import type { Clock } from '../ports/clock.js';
import type { Readiness } from '../readiness.js';
import { isGone, parseIdentity } from '../process-identity.js';

export type RowOutcome = 'done' | 'ignored' | void;

/**
 * Lets a handler mark its row `done` inside its own last transaction, so the row changes together
 * with the result (one statement and one commit fewer); the worker then does not finish it again. Only
 * in a transaction whose failure the handler throws on: a rolled-back `finishIn` must not pass for done.
 */
export interface RowDone {
  finishIn(tx: Db): Promise<void>;
}

export interface QueueWorkerOptions {
  db: Db;
  table: QueueTable;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  workerId: string;
  concurrency: number;
  /** Attempts before `dead` (jobs carry their own max_attempts). */
  maxAttempts: number;
  leaseSeconds: number;
  pollMs?: number;
  handle: (row: ClaimedRow, log: Logger, done: RowDone) => Promise<RowOutcome>;
  /**
   * A row the sweeper declared dead (its worker died on the last attempt): the handler never saw
   * that it failed, so its owner is told here (e.g. a download marks its material failed).
   */
  onDead?: (row: DeadRow, log: Logger) => Promise<void>;
  /** Where paused work is reported (`/readyz` answers 503 with the reason while any waits). */
  readiness?: Readiness;
  /** Re-checks a missing resource (true: it is back). Without one, the work itself is tried again. */
  probe?: (reason: ResourceReason) => Promise<boolean>;
  /** Longest wait between two re-checks of a missing resource (the first comes after 1 s). */
  recheckMaxMs?: number;
  /**
   * Longest a due job of priority `last` waits while this worker runs work somebody waits for
   * (default 5 min): a thumbnail would take the CPU a flood of downloads needs.
   */
  backgroundHoldMs?: number;
}

/** Work paused for a resource: one job kind (disk, store) or the whole table (`*`, the database). */
interface Wait {
  reason: ResourceReason;
  delayMs: number;
  timer?: NodeJS.Timeout;
}
/** One run of a claimed row: its claim's stamp (`claimed_at`), which the run's statements match. */
interface Run {
  claimedAt: Date;
}

const ALL = '*';

/**
 * Processes a durable queue table with bounded concurrency. The second catch site of the process
 * (the other is the HTTP error middleware): every failure is logged once, written to the row and
 * retried with backoff, or ends in `dead` where `/metrics` and the CLI show it.
 */
export class QueueWorker {
  private readonly inflight = new Set<Promise<void>>();
  /**
   * The rows whose work runs now (only their leases are renewed), each with its claim's stamp. One
   * entry object per run: a run that ends removes its own entry, never that of a newer claim of the row.
   */
  private readonly running = new Map<number, Run>();
  /** The newest stamp this worker gave a claim or a renewal (`stamp`). */
  private lastStamp = 0;
  /** A claim held background jobs back while foreground work ran: wake once that work is over. */
  private backgroundHeld = false;
  /** The sweep and first wake-up `start` runs. */
  private starting?: Promise<void>;
  /** The claim round in flight (`wake`): `stop` waits for it, so what it claims is given back in time. */
  private round?: Promise<void>;
  /**
   * The sweeps in flight (the sweep timer's, the start's, a caller's): `stop` waits for them, so none
   * gives back or reclaims rows, or tells an `onDead` hook, after the worker stopped (and its database
   * may be closed).
   */
  private readonly sweeps = new Set<Promise<number>>();
  /**
   * The lease renewals in flight: `stop` waits for them, so none is still running when the rows are
   * released and the database is closed (it failed then with an error in the log, or renewed a row
   * the release had just given back).
   */
  private readonly renewals = new Set<Promise<void>>();
  /** `stop` began (until the next `start`): a sweep does nothing from here on. */
  private stopping = false;
  /** The stamps of the claim statements (a round's, a finish's) whose reply has not been handled yet. */
  private readonly claimsOnTheirWay = new Set<number>();
  /** Rows in flight that are not background work (priority `last`). */
  private foreground = 0;
  private claiming = false;
  private again = false;
  private stopped = true;
  private pollTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private leaseTimer?: NodeJS.Timeout;
  private readonly waits = new Map<string, Wait>();
  /**
   * The last re-check delay of each scope whose wait ended, until work of it gets through: a resource
   * that is back by the probe's measure but fails the work again at once (a file larger than the room
   * above MIN_FREE_DISK_MB) resumes its re-checks from there instead of from 1 s.
   */
  private readonly lastWaitMs = new Map<string, number>();
  /**
   * Rows whose release failed (database gone): released again when it is back (only that claim of
   * each: `claimedAt`), and forgotten when the sweep gives them back or a claim brings them in again.
   */
  private unreleased: HeldClaim[] = [];

  constructor(private readonly o: QueueWorkerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.pollTimer = setInterval(() => this.wake(), this.o.pollMs ?? 1000);
    this.sweepTimer = setInterval(
      () => void this.sweep().catch(() => {}),
      Math.max(1000, (this.o.leaseSeconds * 1000) / 2),
    );
    // Work in flight renews its claims, so only a dead (or frozen) worker's rows ever expire.
    clearInterval(this.leaseTimer);
    this.leaseTimer = setInterval(
      () => void this.renew().catch(() => {}),
      Math.max(1000, (this.o.leaseSeconds * 1000) / 3),
    );
    this.pollTimer.unref();
    this.sweepTimer.unref();
    this.leaseTimer.unref();
    this.starting = this.sweep()
      .catch(() => {})
      .then(() => this.wake());
  }

  /** Claims and runs due rows now (coalesced: calls during a claim trigger one more round). */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    const round = this.claimRound().finally(() => {
      this.claiming = false;
      if (this.round === round) this.round = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
    this.round = round;
  }

  /**
   * Renews the leases of the rows whose work runs now (the lease timer). Only theirs: a row claimed under
   * this worker id that runs nowhere (the reply to its claim was lost) expires, and `sweep` gives it back.
   */
  renew(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    const runs = [...this.running].map(([id, run]) => ({ id, claimedAt: run.claimedAt }));
    const p: Promise<void> = renewLeases(
      this.o.db,
      this.o.table,
      this.o.workerId,
      runs,
      this.stamp(),
    ).finally(() => this.renewals.delete(p));
    this.renewals.add(p);
    return p;
  }

  /**
   * A stamp later than every one this worker gave before, even when the clock stands still or steps
   * back: each claim's stamp (`claimed_at`) is its own, and every statement of that claim (finish, fail,
   * release, renewal) matches it, so a late one never touches a newer claim of the row by this worker.
   */
  private stamp(): Date {
    this.lastStamp = Math.max(this.o.clock.now().getTime(), this.lastStamp + 1);
    return new Date(this.lastStamp);
  }

  /**
   * Reclaims rows whose worker died: at once when its process is known to be gone (worker ids carry
   * host, pid and process start time), otherwise when the lease expired. Rows claimed under this
   * worker's own id whose lease expired while no work of it ran them (a claim whose reply was lost)
   * are given back with their attempt: they never ran. Never reclaims this worker's own rows as a dead
   * worker's: those that run are renewed, the others are given back here (not those of a claim still on
   * its way, even one slower than the lease). Does nothing once `stop` began (it waits for a sweep in
   * flight then, which sends no further statement: what is left waits for the next start's sweep).
   */
  sweep(): Promise<number> {
    if (this.stopping) return Promise.resolve(0);
    const p: Promise<number> = this.sweepOnce().finally(() => this.sweeps.delete(p));
    this.sweeps.add(p);
    return p;
  }

  private async sweepOnce(): Promise<number> {
    const { db, table, clock, maxAttempts } = this.o;
    // The rows a claim on its way brings in run, but are not in `running` yet: they carry that claim's
    // stamp, and are left alone. A claim sent after this point stamps its rows later than `now`.
    const strandedIds = await releaseStranded(db, table, this.o.workerId, [...this.running.keys()], {
      now: clock.now(),
      leaseSeconds: this.o.leaseSeconds,
      claimsOnTheirWay: [...this.claimsOnTheirWay].map((ms) => new Date(ms)),
    });
    this.forgetUnreleased(strandedIds);
    const stranded = strandedIds.length;
    if (stranded > 0) {
      this.o.logger.warn({ table, rows: stranded }, 'gave back rows claimed by this worker that never ran');
      this.o.metrics.inc('queue_reclaimed_total', { table }, stranded);
    }
    if (this.stopping) return stranded;
    const gone = (await processingHolders(db, table)).filter((holder) => {
      const id = parseIdentity(holder);
      return holder !== this.o.workerId && id !== undefined && isGone(id);
    });
    if (this.stopping) return stranded;
    const byGone = await reclaimHeldBy(db, table, gone, { now: clock.now(), maxAttempts });
    // Rows already declared dead are still told to their owners below (`stop` waits for that).
    const byLease = this.stopping
      ? { reclaimed: 0, dead: [] }
      : await reclaimStale(db, table, {
          now: clock.now(),
          leaseSeconds: this.o.leaseSeconds,
          maxAttempts,
          exceptHolder: this.o.workerId,
        });
    if (byGone.reclaimed > 0) {
      this.o.logger.warn(
        { table, rows: byGone.reclaimed },
        'reclaimed rows of a worker process that is gone',
      );
      this.o.metrics.inc('queue_reclaimed_total', { table }, byGone.reclaimed);
    }
    if (byLease.reclaimed > 0) {
      this.o.logger.warn({ table, rows: byLease.reclaimed }, 'sweeper reclaimed rows of a dead worker');
      this.o.metrics.inc('queue_reclaimed_total', { table }, byLease.reclaimed);
    }
    for (const row of [...byGone.dead, ...byLease.dead]) {
      const log = this.o.logger.child({ table, rowId: row.id, type: row.type });
      this.o.metrics.inc('queue_dead_total', { table });
      log.error('row is dead: its worker died on the last attempt');
      await this.o
        .onDead?.(row, log)
        .catch((err) => log.error({ err }, 'could not record what the dead row was for'));
    }
    return stranded + byGone.reclaimed + byLease.reclaimed;
  }

  /**
   * Stops claiming new rows at once (shutdown: before in-flight work is interrupted), and the sweep
   * timer (a sweep already running goes on: `stop` waits for it).
   */
  pause(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.sweepTimer);
  }

  /**
   * Stops claiming and sweeping, waits until nothing is in flight (up to timeoutMs): the rows that ran
   * when it was called, the claims then on their way (the rows they bring in are given back, not run:
   * `startRows`) and the sweep then running (a sweep started from here on does nothing); then, after the
   * lease renewal in flight if any, releases what is left.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.pause();
    this.stopping = true;
    const drained = (async () => {
      while (this.inflight.size > 0 || this.round || this.sweeps.size > 0)
        await Promise.allSettled([...this.inflight, ...(this.round ? [this.round] : []), ...this.sweeps]);
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    clearInterval(this.leaseTimer);
    for (const w of this.waits.values()) clearTimeout(w.timer);
    await Promise.allSettled([...this.renewals]);
    const released = await release(this.o.db, this.o.table, this.o.workerId, this.o.clock.now()).catch(
      () => 0,
    );
    if (released > 0) this.o.logger.warn({ table: this.o.table, rows: released }, 'released unfinished rows');
    this.o.logger.debug({ table: this.o.table }, 'queue worker stopped');
  }

  /** Resolves when nothing is in flight (tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0 || this.claiming) {
      await Promise.allSettled([...this.inflight]);
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Resolves when the start's sweep and wake-up have run and no claim round is running (tests: what a
   * wake-up claimed is in flight).
   */
  async claimsDone(): Promise<void> {
    await this.starting;
    while (this.claiming) await new Promise((r) => setImmediate(r));
  }

  /** Job kinds (or `*`: everything) waiting for a resource, with the reason. */
  waiting(): { kind: string; reason: ResourceReason }[] {
    return [...this.waits].map(([kind, w]) => ({ kind, reason: w.reason }));
  }

  /** How long the wait of `kind` (a job kind, or `*`) sleeps before its next re-check; undefined: not waiting. */
  recheckDelayMs(kind: string): number | undefined {
    return this.waits.get(kind)?.delayMs;
  }

  /**
   * Pauses `scope` (a job kind, or `*`) until the resource is back: re-checked after 1 s, then with
   * doubling delays up to `recheckMaxMs`. Reported to readiness and metrics while it lasts.
   */
  private waitFor(scope: string, reason: ResourceReason, log: Logger, advice?: string): void {
    if (this.waits.has(scope)) return;
    const { table, metrics } = this.o;
    // advice: what is missing, in Chinese, for the person reading the log (e.g. the free disk left). Not
    // `detail`: the log redacts that key (PostgresError's detail may echo a row's values).
    log.warn({ reason, kind: scope, advice }, 'work paused: waiting for a resource (no attempt spent)');
    metrics.inc('queue_waits_total', { table, reason });
    metrics.set('queue_waiting', 1, { table, kind: scope === ALL ? 'all' : scope, reason });
    this.o.readiness?.wait(`${table}:${scope}`, reason);
    // Back and gone again before any of this work got through: not retried every second (each retry of
    // a download asks Lark for the file again).
    const last = this.lastWaitMs.get(scope);
    const w: Wait = { reason, delayMs: last === undefined ? 1000 : Math.min(last * 2, this.maxRecheckMs()) };
    this.waits.set(scope, w);
    this.scheduleRecheck(scope, w);
  }

  private scheduleRecheck(scope: string, w: Wait): void {
    w.timer = setTimeout(() => void this.recheck(scope, w), w.delayMs);
    w.timer.unref();
  }

  private async recheck(scope: string, w: Wait): Promise<void> {
    if (this.waits.get(scope) !== w) return;
    const back = this.o.probe ? await this.o.probe(w.reason).catch(() => false) : true;
    if (this.waits.get(scope) !== w) return;
    if (!back) {
      w.delayMs = Math.min(w.delayMs * 2, this.maxRecheckMs());
      if (!this.stopped) this.scheduleRecheck(scope, w);
      return;
    }
    const { table, metrics } = this.o;
    this.waits.delete(scope);
    this.lastWaitMs.set(scope, w.delayMs);
    this.o.readiness?.resume(`${table}:${scope}`);
    metrics.set('queue_waiting', 0, { table, kind: scope === ALL ? 'all' : scope, reason: w.reason });
    this.o.logger.info({ table, kind: scope, reason: w.reason }, 'resource is back; work resumes');
    const pending = this.unreleased;
    this.unreleased = [];
    for (const held of pending)
      await releaseRow(this.o.db, table, held, this.o.clock.now()).catch(() => this.unreleased.push(held));
    this.wake();
  }

  private maxRecheckMs(): number {
    return Math.max(1000, this.o.recheckMaxMs ?? 30_000);
  }

  private async claimRound(): Promise<void> {
    const free = this.o.concurrency - this.inflight.size;
    if (free <= 0 || this.waits.has(ALL)) return;
    let rows: ClaimedRow[];
    const now = this.o.clock.now();
    const stamp = this.stamp();
    this.claimsOnTheirWay.add(stamp.getTime());
    try {
      rows = await claimDue(this.o.db, this.o.table, this.o.workerId, free, now, {
        ...this.claimOptions(now, 0),
        leaseStamp: stamp,
      });
    } catch (err) {
      this.claimsOnTheirWay.delete(stamp.getTime());
      const problem = resourceProblem(err);
      if (problem)
        return this.waitFor(
          ALL,
          problem.reason,
          this.o.logger.child({ table: this.o.table }),
          problem.message,
        );
      this.o.logger.error({ table: this.o.table, err }, 'claiming rows failed');
      return;
    }
    this.claimsOnTheirWay.delete(stamp.getTime());
    this.startRows(rows, stamp);
    if (rows.length === free) this.again = true;
  }

  /** `leaving`: foreground rows in flight that are about to finish (not counted as busy). */
  private claimOptions(now: Date, leaving: number): ClaimOptions {
    // Busy with work somebody waits for: background jobs wait (at most backgroundHoldMs).
    if (this.foreground - leaving <= 0) return { skipTypes: [...this.waits.keys()] };
    this.backgroundHeld = true;
    return {
      skipTypes: [...this.waits.keys()],
      lastDueBy: new Date(now.getTime() - (this.o.backgroundHoldMs ?? 300_000)),
    };
  }

  /**
   * Runs claimed rows, or gives them back (attempt returned) when the worker is stopping: a claim that
   * was in flight when `stop` began must not start work that `stop` would release under it.
   */
  private startRows(rows: ClaimedRow[], claimedAt: Date): void {
    this.forgetUnreleased(rows.map((r) => r.id));
    for (const row of rows) {
      const held = { id: row.id, workerId: this.o.workerId, attempts: row.attempts, claimedAt };
      if (this.stopped) {
        const p = releaseRow(this.o.db, this.o.table, held, this.o.clock.now())
          .then(
            () => undefined,
            () => this.keepUnreleased(held),
          )
          .finally(() => this.inflight.delete(p));
        this.inflight.add(p);
        continue;
      }
      if (!row.background) this.foreground++;
      const run: Run = { claimedAt };
      this.running.set(row.id, run);
      let refilled = false;
      const p = this.run(row, held, run)
        .then((r) => void (refilled = r))
        .finally(() => {
          if (!row.background) this.foreground--;
          this.endRun(row.id, run);
          this.inflight.delete(p);
          // A claim that found nothing more due may have held background jobs back while this
          // foreground work ran: once none runs, they are due now.
          const heldBack = this.backgroundHeld && this.foreground === 0;
          if (heldBack) this.backgroundHeld = false;
          if (!refilled || heldBack) this.wake();
        });
      this.inflight.add(p);
    }
  }

  /** A run is over: its entry goes (not that of a newer claim of the same row, which has its own). */
  private endRun(id: number, run: Run): void {
    if (this.running.get(id) === run) this.running.delete(id);
  }

  /**
   * Remembers a claim whose release failed, to be released when the database is back. It runs nowhere
   * (it is out of `running`), so its lease is not renewed from now on. The release may have committed
   * with only its reply lost, and this worker may have claimed the row again before hearing so: the
   * retried release names its own claim (`claimedAt`), and leaves that newer one alone.
   */
  private keepUnreleased(held: HeldClaim): void {
    this.unreleased.push(held);
  }

  /** Rows given back or claimed again: an old claim's release must not be sent for them. */
  private forgetUnreleased(ids: readonly number[]): void {
    if (ids.length === 0 || this.unreleased.length === 0) return;
    const gone = new Set(ids);
    this.unreleased = this.unreleased.filter((held) => !gone.has(held.id));
  }

  /**
   * Finishes a row and, in the same statement, claims due rows into the slot it leaves (one round trip
   * instead of a finish and a claim), and into the other free slots unless a claim round is running
   * (that round fills them). Returns whether the row was still ours, and whether the claim took every
   * due row there was (then no claim round is needed after this row). A plain `finish` when claiming
   * is off (stopping, or the database is away).
   */
  private async finishRow(
    row: ClaimedRow,
    held: HeldClaim,
    status: 'done' | 'ignored',
  ): Promise<{ ours: boolean; refilled: boolean }> {
    const { db, table, clock } = this.o;
    if (this.stopped || this.waits.has(ALL))
      return { ours: await finish(db, table, held, status, clock.now()), refilled: false };
    const round = !this.claiming;
    const limit = round ? this.o.concurrency - this.inflight.size + 1 : 1;
    const now = clock.now();
    const stamp = this.stamp();
    if (round) this.claiming = true;
    this.claimsOnTheirWay.add(stamp.getTime());
    try {
      const { finished, claimed } = await finishAndClaim(db, table, held, status, now, limit, {
        ...this.claimOptions(now, row.background ? 0 : 1),
        leaseStamp: stamp,
      });
      this.claimsOnTheirWay.delete(stamp.getTime());
      this.startRows(claimed, stamp);
      return { ours: finished, refilled: claimed.length < limit };
    } catch (err) {
      // What the statement claimed, if it committed, runs nowhere: left to expire (`sweep`).
      this.claimsOnTheirWay.delete(stamp.getTime());
      throw err;
    } finally {
      if (round) {
        this.claiming = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      }
    }
  }

  /** Runs a claimed row to its outcome; true when its finish also refilled the free slots (`finishRow`). */
  private async run(row: ClaimedRow, held: HeldClaim, run: Run): Promise<boolean> {
    const { db, table, clock, metrics } = this.o;
    const log = this.o.logger.child({ table, rowId: row.id, type: row.type, attempt: row.attempts });
    metrics.set(
      'queue_last_claim_lag_seconds',
      Math.max(0, (clock.now().getTime() - row.dueAt.getTime()) / 1000),
      {
        table,
      },
    );
    /** Set by `finishIn`: the row was marked done in the handler's transaction (false: not ours). */
    let finishedInTx: boolean | undefined;
    const done: RowDone = {
      finishIn: async (tx) => {
        finishedInTx = await finish(tx, table, held, 'done', clock.now());
      },
    };
    try {
      const outcome = await this.o.handle(row, log, done);
      const status = finishedInTx !== undefined ? 'done' : outcome === 'ignored' ? 'ignored' : 'done';
      const { ours, refilled } =
        finishedInTx !== undefined
          ? { ours: finishedInTx, refilled: false }
          : await this.finishRow(row, held, status);
      if (!ours) log.warn('finished a row another worker had taken over (lease expired); its result stands');
      // Work of this kind (and on the database) got through: a later wait starts from 1 s again.
      this.lastWaitMs.delete(row.type);
      this.lastWaitMs.delete(ALL);
      metrics.inc('queue_processed_total', { table, outcome: status });
      return refilled;
    } catch (err) {
      const now = clock.now();
      if (this.stopped) {
        // Shutting down: the work was interrupted, not wrong. Give the attempt back.
        await releaseRow(db, table, held, now).catch(() => false);
        log.info({ err }, 'interrupted by shutdown; released for the next start');
        return false;
      }
      const problem = resourceProblem(err);
      if (problem) {
        // Waiting is not failing: the attempt is given back and this kind of work pauses. No longer
        // renewed once its release is sent (if the release fails, the lease runs out and the sweep or
        // the retried release gives the row back).
        this.endRun(row.id, run);
        await releaseRow(db, table, held, now).catch(() => this.keepUnreleased(held));
        this.waitFor(isDatabaseReason(problem.reason) ? ALL : row.type, problem.reason, log, problem.message);
        return false;
      }
      const lark = err instanceof LarkApiError ? err : undefined;
      const retryAt =
        lark?.retryAfterSeconds !== undefined
          ? new Date(now.getTime() + lark.retryAfterSeconds * 1000)
          : undefined;
      const status = await fail(db, table, held, {
        // Unexpected errors keep their stack; our own (DomainError, Lark refusals …) their plain message.
        error: errorText(err, { stack: !(err instanceof AppError) }),
        now,
        maxAttempts: row.maxAttempts ?? this.o.maxAttempts,
        permanent: err instanceof PermanentError,
        retryAt,
      }).catch((e) => {
        log.error({ err: e }, 'recording a failure failed');
        return 'pending' as const;
      });
      metrics.inc('queue_failures_total', { table, code: lark ? lark.larkCode : 'other' });
      if (status === 'dead') {
        metrics.inc('queue_dead_total', { table });
        log.error({ err }, 'row is dead after its last attempt');
      } else if (status === 'lost') {
        log.warn({ err }, 'attempt failed on a row another worker had taken over');
      } else {
        log.warn({ err }, 'attempt failed; will retry');
      }
      return false;
    }
  }
}
