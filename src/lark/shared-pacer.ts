import { setTimeout as sleepMs } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { BucketSpec, RateLimiter } from './rate-limiter.js';

/** One limiter key's pace: one call per `intervalMs`, `burst` at once after a pause. */
export interface PacingSpec {
  key: string;
  intervalMs: number;
  burst: number;
}

/** Where every instance reserves its next slots (the database: db/repos/lark-pacing.ts). */
export interface PacingSlots {
  /** Reserves the next slot of every key at once; returns how long to wait before going (ms). */
  reserve(specs: readonly PacingSpec[]): Promise<number>;
  /** Forgets slots long past. */
  prune(olderThanMs: number): Promise<number>;
}

/** Takes limiter keys in order (narrowest first); `RateLimiter` is the one-process version. */
export interface Pacer {
  takeAll(keys: readonly string[]): Promise<void>;
}

const PRUNE_EVERY_CALLS = 5_000;
/**
 * A caller that wakes this long after its slot (a stalled event loop, a busy machine) takes a new
 * one rather than going: several late callers going at once would bunch into the next second's
 * share of Lark's limit. About a third of the room `LARK_API_PER_SECOND=46` leaves below 50/s.
 */
const LATE_MS = 30;
/** After this many late wake-ups in a row the call goes anyway (Lark's 429 is then retried). */
const MAX_LATE_RETRIES = 2;

/**
 * Lark's per-API and per-chat ceilings kept across every instance on one PostgreSQL database: each
 * key's slot is reserved in the shared table, then waited for here. If the database cannot be asked
 * (an outage), the call is paced by this process alone rather than failing: pacing must never be
 * the reason a reply or an alert is lost.
 */
export class SharedPacer implements Pacer {
  private calls = 0;
  private degraded = false;

  constructor(
    private readonly slots: PacingSlots,
    private readonly specFor: (key: string) => BucketSpec | undefined,
    private readonly local: RateLimiter,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => sleepMs(ms),
    private readonly now: () => number = () => performance.now(),
  ) {}

  async takeAll(keys: readonly string[]): Promise<void> {
    const specs: PacingSpec[] = [];
    for (const key of keys) {
      const spec = this.specFor(key);
      if (spec) specs.push({ key, intervalMs: 1000 / spec.perSecond, burst: spec.burst ?? 1 });
    }
    for (let late = 0; ; late++) {
      let waitMs: number;
      try {
        waitMs = await this.slots.reserve(specs);
        if (this.degraded) {
          this.degraded = false;
          this.logger.info('lark rate limits shared through the database again');
        }
      } catch (err) {
        if (!this.degraded) {
          this.degraded = true;
          this.logger.warn(
            { err },
            'lark rate limits cannot be shared (database unavailable); pacing this process alone',
          );
        }
        this.metrics.inc(
          'lark_pacing_local_total',
          {},
          1,
          'Lark calls paced in-process for want of the database',
        );
        await this.local.takeAll(keys);
        return;
      }
      const slotAt = this.now() + waitMs;
      if (waitMs > 0) {
        this.metrics.inc('lark_pacing_waits_total', {}, 1, 'Lark calls that waited for a shared slot');
        await this.sleep(waitMs);
      }
      if (this.now() - slotAt <= LATE_MS || late >= MAX_LATE_RETRIES) break;
      this.metrics.inc(
        'lark_pacing_late_total',
        {},
        1,
        'Lark calls that woke too late for their shared slot and took another',
      );
    }
    if (++this.calls % PRUNE_EVERY_CALLS === 0) void this.slots.prune(60_000).catch(() => 0);
  }
}
