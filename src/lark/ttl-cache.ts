/**
 * A small in-memory cache with a time-to-live (undefined = forever) that also shares one in-flight
 * load between concurrent callers. Failed loads are not cached. Oldest entries go first when full.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number; triedAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number | undefined,
    private readonly now: () => number,
    private readonly maxEntries = 5000,
  ) {}

  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    return this.loading.get(key) ?? this.start(key, load);
  }

  /**
   * The value loaded again, unless a load is under way (that load) or the value was loaded, or a
   * reload tried, less than `floorMs` ago (the cached value): however often it is asked, one load per
   * key per `floorMs`. A failed reload rejects and leaves the cached value as it was.
   */
  async reload(key: string, load: () => Promise<V>, floorMs: number): Promise<V> {
    const pending = this.loading.get(key);
    if (pending) return pending;
    const hit = this.entries.get(key);
    if (!hit || hit.expiresAt <= this.now()) return this.start(key, load);
    if (this.now() - hit.triedAt < floorMs) return hit.value;
    hit.triedAt = this.now();
    return this.start(key, load);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private start(key: string, load: () => Promise<V>): Promise<V> {
    const p = load()
      .then((value) => {
        this.entries.delete(key);
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        const now = this.now();
        const expiresAt = this.ttlMs === undefined ? Number.POSITIVE_INFINITY : now + this.ttlMs;
        this.entries.set(key, { value, expiresAt, triedAt: now });
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }
}
