import { setTimeout as sleepMs } from 'node:timers/promises';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { clearTenantToken, type LarkClient } from './client.js';
import { toLarkError } from './lark-errors.js';
import { RateLimiter, type BucketSpec } from './rate-limiter.js';
import { SharedPacer, type Pacer, type PacingSlots } from './shared-pacer.js';

export interface LarkCallOptions {
  /** Lark allows 50/s per API; stay below. */
  perApiPerSecond: number;
  /** Lark also allows only 1000/min per API; stay below. */
  perApiPerMinute: number;
  /** Lark allows 5 QPS per chat (shared by all bots) and per user; stay below. */
  perChatPerSecond: number;
  /** Retries of a rate-limited call (429 / 99991400 / 230020) before the error reaches the caller. */
  rateLimitRetries: number;
  /** Total time one call may spend waiting for rate-limit retries. */
  maxRetryWaitMs: number;
  /** First backoff for 230020 (and 429 without a reset header); doubles per retry. */
  backoffBaseMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Told when Lark refuses our credentials or a scope (for the operations alert). */
  onRefused?: (api: string, code: number) => void;
  /**
   * Told when a call was answered, with when its answered attempt started (`performance.now()`): one
   * started after a refusal means Lark takes our credentials again (/readyz stops saying lark_refused);
   * one started before it may have carried a token issued before the App Secret was reset.
   */
  onAnswered?: (api: string, startedAt: number) => void;
  /**
   * Several instances on one PostgreSQL database: the limits are kept in the database for all of
   * them together (unset: this process keeps them alone, as on PGlite).
   */
  pacingSlots?: PacingSlots;
}

/**
 * Lark codes meaning "your app may not do this": credentials (10003 bad app id, 10014 bad secret,
 * 99991663/99991664 token refused even after a fresh one, 99991401 IP not allowed) and scopes
 * (99991672 app scope not granted, 99991679 user scope).
 */
export const REFUSAL_CODES = new Set([10003, 10014, 99991663, 99991664, 99991401, 99991672, 99991679]);

/** The refusals of the app's credentials themselves (no call at all can succeed until they are fixed). */
export const CREDENTIAL_REFUSAL_CODES = new Set([10003, 10014, 99991663, 99991664, 99991401]);

export const defaultCallOptions: LarkCallOptions = {
  perApiPerSecond: 45,
  perApiPerMinute: 900,
  perChatPerSecond: 4,
  rateLimitRetries: 3,
  maxRetryWaitMs: 10_000,
  backoffBaseMs: 500,
  sleep: (ms) => sleepMs(ms),
};

/**
 * Runs one Lark API call with everything around it: rate limiting (per API per second and per
 * minute, plus per target such as a chat), metrics, error conversion, one retry after a stale
 * token (clearing the SDK's cached token first) and bounded retries after rate limiting.
 */
export class LarkCaller {
  private readonly pacer: Pacer;

  constructor(
    private readonly client: LarkClient,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly opts: LarkCallOptions,
  ) {
    // Shared by several instances, per-second keys are spaced evenly (burst 1): a call that resumes
    // late must not join a burst another instance already took. The per-minute key keeps its burst.
    const specFor =
      (shared: boolean) =>
      (key: string): BucketSpec | undefined => {
        const [kind] = key.split(':', 1);
        // Burst + one second of refill stays within Lark's 50/s.
        const apiBurst = shared ? 1 : Math.max(1, Math.min(opts.perApiPerSecond, 50 - opts.perApiPerSecond));
        if (kind === 'api') return { perSecond: opts.perApiPerSecond, burst: apiBurst };
        if (kind === 'apimin')
          return { perSecond: opts.perApiPerMinute / 60, burst: Math.max(1, opts.perApiPerMinute / 10) };
        if (kind === 'target') return { perSecond: opts.perChatPerSecond, burst: 1 };
        return undefined;
      };
    const local = new RateLimiter(specFor(false));
    this.pacer = opts.pacingSlots
      ? new SharedPacer(opts.pacingSlots, specFor(true), local, logger, metrics)
      : local;
  }

  /** `targets`: per-target limiter keys (a chat id, a user id, a message being patched). */
  async call<T>(api: string, fn: () => Promise<T>, targets: readonly string[] = []): Promise<T> {
    const keys = [...targets.map((t) => `target:${t}`), `api:${api}`, `apimin:${api}`];
    let staleRetried = false;
    let rateRetries = 0;
    let waitedMs = 0;
    for (;;) {
      await this.pacer.takeAll(keys);
      this.metrics.inc('lark_api_calls_total', { api }, 1, 'Lark API calls (attempts), per API');
      const startedAt = performance.now();
      try {
        const answer = await fn();
        this.opts.onAnswered?.(api, startedAt);
        return answer;
      } catch (raw) {
        const err = await toLarkError(raw, api);
        if (!(err instanceof LarkApiError)) throw err;
        if (REFUSAL_CODES.has(err.larkCode) && (!err.isStaleToken || staleRetried))
          this.opts.onRefused?.(api, err.larkCode);
        if (err.isStaleToken && !staleRetried) {
          staleRetried = true;
          await clearTenantToken(this.client);
          this.countRetry(err);
          this.logger.debug({ api, code: err.larkCode }, 'lark token rejected; fetching a new one');
          continue;
        }
        if (!err.isRateLimit) throw err;
        this.metrics.inc('lark_rate_limited_total', { api }, 1, 'Lark rate-limit answers, per API');
        const waitMs = this.backoffMs(err, rateRetries);
        if (rateRetries >= this.opts.rateLimitRetries || waitedMs + waitMs > this.opts.maxRetryWaitMs)
          throw err;
        rateRetries++;
        waitedMs += waitMs;
        this.countRetry(err);
        this.logger.debug({ api, code: err.larkCode, waitMs }, 'lark rate limited; waiting');
        await this.opts.sleep(waitMs);
      }
    }
  }

  private backoffMs(err: LarkApiError, attempt: number): number {
    if (err.retryAfterSeconds !== undefined) return Math.max(100, err.retryAfterSeconds * 1000);
    const base = this.opts.backoffBaseMs * 2 ** attempt;
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  private countRetry(err: LarkApiError): void {
    this.metrics.inc(
      'lark_retries_total',
      { code: err.larkCode },
      1,
      'Lark calls retried inside the gateway',
    );
  }
}
