import type { ExactlyOnce } from './exactly-once.js';
import type { LoadResult } from './load.js';
import { markdownTable } from './markdown-table.js';
import type { DbKind, Variant } from './variants.js';

export const TARGET_RATIO = 0.7;
export const TARGET_P99_MS = 50;

export interface VariantResult {
  /** The database the server used ('none' for bare). */
  db: DbKind;
  /** The database section it was measured in (bare runs alongside each database's servers). */
  section: DbKind;
  variant: Variant;
  /** Workarounds the server ran with (empty: the real components as they are). */
  workarounds: string;
  /** Set when the intake did not answer a genuine event with 200: nothing was measured. */
  failed?: string;
  load?: LoadResult;
  rate?: LoadResult;
  /** Cores used during the throughput turns by the bench (load generator + server + its DB) and by others. */
  cpu?: { ours: number; others: number };
  /** Requests that reused a body because the unique pool ran out (intake only; should be 0). */
  reused: number;
  check?: ExactlyOnce;
}

export interface ReportSettings {
  seconds: number;
  warmup: number;
  slice: number;
  connections: number;
  rate: number;
  rateSeconds: number;
}

const fmt = (n: number | undefined, digits = 0) =>
  n !== undefined && Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';

const VARIANT_NAMES: Record<Variant, string> = {
  bare: 'bare Koa 200',
  insert: 'one INSERT',
  intake: 'full intake',
};

/** The markdown table, how to read it, and the targets (OK / MISSED). */
export function printReport(unsorted: VariantResult[], s: ReportSettings): void {
  const sections = [...new Set(unsorted.map((r) => r.section))];
  const order: Variant[] = ['bare', 'insert', 'intake'];
  const results = unsorted
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        sections.indexOf(a.r.section) - sections.indexOf(b.r.section) ||
        order.indexOf(a.r.variant) - order.indexOf(b.r.variant) ||
        a.i - b.i,
    )
    .map(({ r }) => r);
  const baselineOf = (r: VariantResult, variant: Variant) =>
    results.find((x) => x.section === r.section && x.variant === variant && x.load);
  const rows = results.map((r) => {
    const isIntake = r.variant === 'intake';
    const ratio = (base?: VariantResult) =>
      isIntake && r.load && base?.load
        ? `${fmt((100 * r.load.rps) / base.load.rps)} %`
        : r.failed
          ? 'MISSED'
          : '—';
    const c = r.check;
    const stored = c
      ? `${fmt(c.rows)} / ${fmt(c.acked)} ${c.pass ? 'OK' : 'MISSED'}`
      : r.failed
        ? `0 / 0 MISSED (${r.failed.split(' ').slice(0, 2).join(' ')})`
        : '—';
    const db = r.db === 'none' ? `— (with ${r.section})` : r.db;
    return [
      db + (r.workarounds ? ` +${r.workarounds}` : ''),
      VARIANT_NAMES[r.variant],
      r.failed ? 'FAILED' : fmt(r.load?.rps),
      fmt(r.load?.p50, 1),
      fmt(r.load?.p99, 1),
      r.load && r.rate ? `${r.load.non2xx + r.load.errors + r.rate.non2xx + r.rate.errors}` : '—',
      fmt(r.rate?.p99, 1),
      ratio(baselineOf(r, 'insert')),
      ratio(baselineOf(r, 'bare')),
      stored,
      r.cpu ? `${fmt(r.cpu.ours, 1)} / ${fmt(r.cpu.others, 1)}` : '—',
    ];
  });
  const out: string[] = [];
  out.push(
    markdownTable(
      [
        'database',
        'variant',
        'req/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        `p99 @${s.rate}/s ms`,
        'intake / one-insert',
        'intake / bare',
        'rows stored / 2xx',
        'CPU bench / others',
      ],
      rows,
      [false, false, true, true, true, true, true, true, true, false, true],
    ),
    '',
    `req/s, p50, p99: ${s.seconds} s per variant at ${s.connections} connections after ${s.warmup} s of ` +
      `warm-up, in ${s.slice} s turns taken round-robin by the three servers of a database. p99 @${s.rate}/s: ` +
      `${s.rateSeconds} s per variant at a fixed ${s.rate} req/s (autocannon overallRate; the connections' ` +
      `one-second windows spread over the second). rows stored / 2xx: rows in inbound_events vs distinct ` +
      `events acknowledged (2xx during the runs, plus the requests in flight when autocannon stopped, posted ` +
      `again like Lark would); then 100 re-deliveries must add no row. CPU: cores used during the throughput ` +
      `turns by the bench (autocannon + server + its PostgreSQL backends) / by other processes on this ` +
      `machine — when "others" is well above 0, every figure is depressed and noisier.`,
    '',
    'Targets:',
  );
  for (const r of results.filter((x) => x.variant === 'intake')) {
    const name = `${r.db}${r.workarounds ? ` (+${r.workarounds})` : ''}`;
    if (r.failed) {
      out.push(
        `- ${name}: MISSED all three — the intake answered a genuine signed event ${r.failed}; nothing is ` +
          `stored, and Lark would retry each event for ~7 h, then drop it`,
      );
      continue;
    }
    const insert = baselineOf(r, 'insert');
    const ratio = insert?.load && r.load ? r.load.rps / insert.load.rps : NaN;
    const p99 = r.rate?.p99 ?? Infinity;
    out.push(
      `- ${name}: intake ≥ ${TARGET_RATIO * 100} % of one-insert: ${ratio >= TARGET_RATIO ? 'OK' : 'MISSED'} ` +
        `(${fmt(100 * ratio)} %)`,
      `- ${name}: p99 < ${TARGET_P99_MS} ms at ${s.rate}/s: ${p99 < TARGET_P99_MS ? 'OK' : 'MISSED'} ` +
        `(${fmt(p99, 1)} ms)`,
      `- ${name}: every event stored exactly once, re-deliveries not stored again: ` +
        `${r.check?.pass ? 'OK' : 'MISSED'}`,
    );
    if (r.reused > 0) {
      out.push(
        `  (warning: ${r.reused} requests reused a body: the unique pool ran out; those were duplicates)`,
      );
    }
  }
  process.stdout.write(`\n${out.join('\n')}\n`);
}
