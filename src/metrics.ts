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

/**
 * The gauge saying, for each series computed at scrape time, whether its figures could be read at this
 * scrape (0) or not (1: the database away). Such a series' rows were just missing, and a gap in a
 * graph is not an alert.
 */
export const COLLECT_FAILED = 'metrics_collect_failed';

/** Where a series whose figures stop (and start again) being readable is said. */
export interface MetricsLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export class Metrics {
  private readonly series = new Map<string, Series>();
  private log?: MetricsLog;
  /** The computed series whose last collection failed (logged once when they start failing). */
  private readonly failing = new Set<string>();

  /** Log a collection that starts failing (warn) and its recovery (info): once each, not per scrape. */
  logTo(log: MetricsLog): void {
    this.log = log;
  }

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
    const collected = new Map<string, boolean>();
    let firstErr: unknown;
    for (const [name, s] of this.series) {
      lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
      let rows = [...s.values.values()];
      if (s.collect) {
        try {
          rows = await s.collect();
          collected.set(name, false);
        } catch (err) {
          // Its rows are left out (no figure is better than a wrong one); COLLECT_FAILED says so.
          rows = [];
          collected.set(name, true);
          firstErr ??= err;
        }
      }
      for (const { labels, value } of rows) {
        const l = Object.entries(labels)
          .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '_')}"`)
          .join(',');
        lines.push(`${name}${l ? `{${l}}` : ''} ${value}`);
      }
    }
    if (collected.size > 0) {
      lines.push(
        `# HELP ${COLLECT_FAILED} 1 when the figures of the series could not be read at this scrape (database unreachable), else 0`,
        `# TYPE ${COLLECT_FAILED} gauge`,
      );
      for (const [name, failed] of collected)
        lines.push(`${COLLECT_FAILED}{series="${name}"} ${failed ? 1 : 0}`);
    }
    this.noteCollections(collected, firstErr);
    return `${lines.join('\n')}\n`;
  }

  /** One warn line when series start failing, one info line when they are read again (not per scrape). */
  private noteCollections(collected: Map<string, boolean>, err: unknown): void {
    const started = [...collected].filter(([n, failed]) => failed && !this.failing.has(n)).map(([n]) => n);
    const ended = [...collected].filter(([n, failed]) => !failed && this.failing.has(n)).map(([n]) => n);
    for (const n of started) this.failing.add(n);
    for (const n of ended) this.failing.delete(n);
    if (started.length > 0)
      this.log?.warn({ err, series: started }, 'metrics: figures could not be read, left out of /metrics');
    if (ended.length > 0) this.log?.info({ series: ended }, 'metrics: figures read again');
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
