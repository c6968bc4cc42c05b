import type { Db } from '../db/client.js';
import {
  claimDue,
  fail,
  finish,
  reclaimStale,
  release,
  type ClaimedRow,
  type QueueTable,
} from '../db/repos/queue.js';
import { errorMessage, LarkApiError, PermanentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';

export type RowOutcome = 'done' | 'ignored' | void;

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
  handle: (row: ClaimedRow, log: Logger) => Promise<RowOutcome>;
}

/**
 * Processes a durable queue table with bounded concurrency. The second catch site of the process
 * (the other is the HTTP error middleware): every failure is logged once, written to the row and
 * retried with backoff, or ends in `dead` where `/metrics` and the CLI show it.
 */
export class QueueWorker {
  private readonly inflight = new Set<Promise<void>>();
  private claiming = false;
  private again = false;
  private stopped = true;
  private pollTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;

  constructor(private readonly o: QueueWorkerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.pollTimer = setInterval(() => this.wake(), this.o.pollMs ?? 1000);
    this.sweepTimer = setInterval(
      () => void this.sweep().catch(() => {}),
      Math.max(1000, (this.o.leaseSeconds * 1000) / 2),
    );
    this.pollTimer.unref();
    this.sweepTimer.unref();
    void this.sweep()
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
    void this.claimRound().finally(() => {
      this.claiming = false;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Reclaims rows whose worker died (lease expired). */
  async sweep(): Promise<number> {
    const n = await reclaimStale(this.o.db, this.o.table, {
      now: this.o.clock.now(),
      leaseSeconds: this.o.leaseSeconds,
      maxAttempts: this.o.maxAttempts,
    });
    if (n > 0) {
      this.o.logger.warn({ table: this.o.table, rows: n }, 'sweeper reclaimed rows of a dead worker');
      this.o.metrics.inc('queue_reclaimed_total', { table: this.o.table }, n);
    }
    return n;
  }

  /** Stops claiming, waits for in-flight rows (up to timeoutMs), then releases what is left. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.sweepTimer);
    const all = Promise.allSettled([...this.inflight]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    const released = await release(this.o.db, this.o.table, this.o.workerId, this.o.clock.now()).catch(
      () => 0,
    );
    if (released > 0) this.o.logger.warn({ table: this.o.table, rows: released }, 'released unfinished rows');
  }

  /** Resolves when nothing is in flight (tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0 || this.claiming) {
      await Promise.allSettled([...this.inflight]);
      await new Promise((r) => setImmediate(r));
    }
  }

  private async claimRound(): Promise<void> {
    const free = this.o.concurrency - this.inflight.size;
    if (free <= 0) return;
    let rows: ClaimedRow[];
    try {
      rows = await claimDue(this.o.db, this.o.table, this.o.workerId, free, this.o.clock.now());
    } catch (err) {
      this.o.logger.error({ table: this.o.table, err: errorMessage(err) }, 'claiming rows failed');
      return;
    }
    for (const row of rows) {
      const p = this.run(row).finally(() => {
        this.inflight.delete(p);
        this.wake();
      });
      this.inflight.add(p);
    }
    if (rows.length === free) this.again = true;
  }

  private async run(row: ClaimedRow): Promise<void> {
    const { db, table, clock, metrics } = this.o;
    const log = this.o.logger.child({ table, rowId: row.id, type: row.type, attempt: row.attempts });
    metrics.set(
      'queue_last_claim_lag_seconds',
      Math.max(0, (clock.now().getTime() - row.dueAt.getTime()) / 1000),
      {
        table,
      },
    );
    try {
      const outcome = await this.o.handle(row, log);
      await finish(db, table, row.id, outcome === 'ignored' ? 'ignored' : 'done', clock.now());
      metrics.inc('queue_processed_total', { table, outcome: outcome === 'ignored' ? 'ignored' : 'done' });
    } catch (err) {
      const now = clock.now();
      const lark = err instanceof LarkApiError ? err : undefined;
      const retryAt =
        lark?.retryAfterSeconds !== undefined
          ? new Date(now.getTime() + lark.retryAfterSeconds * 1000)
          : undefined;
      const status = await fail(db, table, row, {
        error: `${err instanceof Error ? err.name : 'Error'}: ${errorMessage(err)}`,
        now,
        maxAttempts: row.maxAttempts ?? this.o.maxAttempts,
        permanent: err instanceof PermanentError,
        retryAt,
      }).catch((e) => {
        log.error({ err: errorMessage(e) }, 'recording a failure failed');
        return 'pending' as const;
      });
      metrics.inc('queue_failures_total', { table, code: lark ? lark.larkCode : 'other' });
      if (status === 'dead') {
        metrics.inc('queue_dead_total', { table });
        log.error({ err: errorMessage(err) }, 'row is dead after its last attempt');
      } else {
        log.warn({ err: errorMessage(err) }, 'attempt failed; will retry');
      }
    }
  }
}
