/**
 * Operator-readable counters and gauges, rendered as Prometheus text on GET /metrics.
 * Deliberately tiny: labels are a flat record, values live in memory per process.
 */
export type Labels = Record<string, string | number>;

interface Series {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
  /** Gauges computed at scrape time. */
  collect?: () => Promise<{ labels: Labels; value: number }[]> | { labels: Labels; value: number }[];
}

const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');

export class Metrics {
  private readonly series = new Map<string, Series>();

  inc(name: string, labels: Labels = {}, by = 1, help = name): void {
    const s = this.get(name, 'counter', help);
    const k = key(labels);
    const cur = s.values.get(k);
    if (cur) cur.value += by;
    else s.values.set(k, { labels, value: by });
  }

  set(name: string, value: number, labels: Labels = {}, help = name): void {
    this.get(name, 'gauge', help).values.set(key(labels), { labels, value });
  }

  /** A gauge whose values are computed when /metrics is scraped (e.g. queue lag from the DB). */
  collect(name: string, help: string, fn: NonNullable<Series['collect']>): void {
    this.get(name, 'gauge', help).collect = fn;
  }

  value(name: string, labels: Labels = {}): number {
    return this.series.get(name)?.values.get(key(labels))?.value ?? 0;
  }

  /** Sum over all label sets. */
  total(name: string): number {
    let sum = 0;
    for (const v of this.series.get(name)?.values.values() ?? []) sum += v.value;
    return sum;
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const [name, s] of this.series) {
      lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
      let rows = [...s.values.values()];
      if (s.collect) {
        try {
          rows = await s.collect();
        } catch {
          rows = [];
        }
      }
      for (const { labels, value } of rows) {
        const l = Object.entries(labels)
          .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '_')}"`)
          .join(',');
        lines.push(`${name}${l ? `{${l}}` : ''} ${value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  private get(name: string, type: Series['type'], help: string): Series {
    let s = this.series.get(name);
    if (!s) {
      s = { help, type, values: new Map() };
      this.series.set(name, s);
    }
    return s;
  }
}
