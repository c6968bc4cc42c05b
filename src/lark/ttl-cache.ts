/**
 * A small in-memory cache with a time-to-live (undefined = forever) that also shares one in-flight
 * load between concurrent callers. Failed loads are not cached. Oldest entries go first when full.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number | undefined,
    private readonly now: () => number,
    private readonly maxEntries = 5000,
  ) {}

  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const p = load()
      .then((value) => {
        this.entries.delete(key);
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        const expiresAt = this.ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + this.ttlMs;
        this.entries.set(key, { value, expiresAt });
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
