/** A token bucket: `perSecond` refill, at most `burst` tokens saved up (default 1: even spacing). */
export interface BucketSpec {
  perSecond: number;
  burst?: number;
}

class Bucket {
  private tokens: number;
  private last: number;
  private readonly queue: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spec: Required<BucketSpec>,
    private readonly now: () => number,
  ) {
    this.tokens = spec.burst;
    this.last = now();
  }

  get idle(): boolean {
    this.refill();
    return this.queue.length === 0 && this.tokens >= this.spec.burst;
  }

  take(): Promise<void> {
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.schedule();
    });
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.spec.burst, this.tokens + ((t - this.last) / 1000) * this.spec.perSecond);
    this.last = t;
  }

  /**
   * One timer per bucket, set for when the next token is due; never a busy loop. The timer exists
   * only while somebody waits, so it is deliberately not unref'd: an unref'd timer would let a
   * short-lived process (a CLI command) exit in the middle of an awaited send.
   */
  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.spec.perSecond) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.queue.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.queue.shift()!();
      }
      this.schedule();
    }, waitMs);
  }
}

/**
 * Per-key token buckets; `take(key)` resolves when the caller may go (FIFO per key).
 * `specFor` decides each key's rate, e.g. `api:im.message.create` or `chat:oc_…`;
 * a key without a spec is not limited.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly specFor: (key: string) => BucketSpec | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): Promise<void> {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const spec = this.specFor(key);
      if (!spec) return Promise.resolve();
      if (this.buckets.size >= 10_000) this.prune();
      bucket = new Bucket({ burst: 1, ...spec }, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  /** Takes every key in order (put the narrowest, e.g. the chat, first). */
  async takeAll(keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.take(key);
  }

  /** Forgets buckets that are full and have nobody waiting (they would behave like new ones). */
  private prune(): void {
    for (const [key, bucket] of this.buckets) if (bucket.idle) this.buckets.delete(key);
  }
}
