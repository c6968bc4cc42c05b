/**
 * A small in-memory cache with a time-to-live (undefined = forever) that also shares one in-flight
 * load between concurrent callers. Failed loads are not cached. Oldest entries go first when full.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number; triedAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();
  /** Changes told while a load was under way: that load may have read the value before them. */
  private readonly pendingChanges = new Map<string, ((value: V) => V)[]>();

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

  /**
   * Changes the cached value in place (same expiry, same floor), and the value of a load under way
   * once it lands (it may have been read before the change). Nothing cached, nothing loading: nothing
   * to change (the next load reads the value as it is then).
   */
  change(key: string, fn: (value: V) => V): void {
    if (this.loading.has(key)) this.pendingChanges.set(key, [...(this.pendingChanges.get(key) ?? []), fn]);
    const hit = this.entries.get(key);
    if (hit) hit.value = fn(hit.value);
  }

  private start(key: string, load: () => Promise<V>): Promise<V> {
    this.pendingChanges.delete(key);
    const p = load()
      .then((loaded) => {
        const value = (this.pendingChanges.get(key) ?? []).reduce((v, fn) => fn(v), loaded);
        this.entries.delete(key);
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        const now = this.now();
        const expiresAt = this.ttlMs === undefined ? Number.POSITIVE_INFINITY : now + this.ttlMs;
        this.entries.set(key, { value, expiresAt, triedAt: now });
        return value;
      })
      .finally(() => {
        this.loading.delete(key);
        this.pendingChanges.delete(key);
      });
    this.loading.set(key, p);
    return p;
  }
}
