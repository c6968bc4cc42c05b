/**
 * npm run bench:filing — issue 4's benchmark. On PostgreSQL with a province-sized dataset (15,000
 * villages × 50 tasks = 750,000 tasks, 3,000,000 materials, filing items for ~82 % of the tasks; see
 * bench/lib/filing-dataset.ts), how long does it take to
 * - rank suggestions for one burst in a village with 500 open tasks: `fileableTasksOfUnit` +
 *   `suggestTasks`, what src/usecases/present-burst.ts does before it draws the card (< 20 ms);
 * - compute completeness for one county of 150 villages: `unitProgress` (< 100 ms), and what is
 *   missing there: `missingForUnit` (reported against the same 100 ms);
 * - compute completeness for the whole province: `unitProgress` (< 2 s)?
 * Each case runs warm (after warm-up runs) on one connection pool; median and p95 (nearest rank).
 *
 * Then (issue 14; bench/lib/filing-taps.ts) the bot itself on that database against the fake Lark:
 * BENCH_TAPS officers post a photo each into the suggestion village's chat at once, then tap their
 * filing cards all at once — a household's tasks (read only), then filing — next to a callback the
 * router refuses at once (the floor every tap pays), measured in the same run: callback answer
 * p50/p99 (target p99 < 1 s; Lark gives up at 3 s), and material stored → reaction at Lark (< 3 s),
 * next to push → stored.
 *
 * Env knobs:
 *   BENCH_VILLAGES (15000)     villages in the province (50 tasks, 200 materials each)
 *   BENCH_RUNS (20)            timed runs for suggestions and the county
 *   BENCH_PROVINCE_RUNS (5)    timed runs for the province
 *   BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test) admin URL; a throw-away database is
 *                              created and dropped
 *   BENCH_EXPLAIN (missed)     missed | always | never: print EXPLAIN (ANALYZE, BUFFERS) of the SQL
 *                              the timed code sent
 *   BENCH_KEEP (unset)         keep the database (prints its name)
 *   BENCH_TAPS (50)            concurrent officers tapping their cards (0: no taps phase)
 *   BENCH_TAP_ROUNDS (5)       rounds of concurrent read-only taps (and of the baseline)
 *   BENCH_TAP_SAME_TASK (unset) every officer files to the same task (the worst case) instead of each
 *                              to a different one
 * Skips (exit 0) when PostgreSQL is unreachable. Exit code 0 even when a target is missed (printed
 * as MISSED); non-zero only on errors.
 */
import { availableParallelism, loadavg } from 'node:os';
import postgres from 'postgres';
import { openPostgres } from '../src/db/client.js';
import { migratePostgresUrl } from '../src/db/migrate.js';
import { fileableTasksOfUnit } from '../src/db/repos/completeness.js';
import { DEFAULT_TIME_ZONE } from '../src/config.js';
import { missingForUnit } from '../src/db/repos/completeness-missing.js';
import { unitProgress, type ProgressCounts } from '../src/db/repos/completeness-progress.js';
import { suggestTasks, type BurstFacts } from '../src/domain/suggest-tasks.js';
import { toCandidate } from '../src/usecases/present-burst.js';
import { cpuBetween, sampleCpu } from './lib/cpu-usage.js';
import { buildFilingDataset } from './lib/filing-dataset.js';
import { explainAnalyze, recordingDb } from './lib/filing-explain.js';
import { measureTaps, type TapTimes } from './lib/filing-taps.js';
import { markdownTable } from './lib/markdown-table.js';
import { backendPids, createDatabase, dropDatabase, reachable, withDatabase } from './lib/postgres-admin.js';

const num = (name: string, def: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return v;
};

/** The zone the missing lists count overdue days in: the bot's default. */
const TZ = DEFAULT_TIME_ZONE;

const S = {
  villages: Math.round(num('BENCH_VILLAGES', 15_000)),
  runs: Math.round(num('BENCH_RUNS', 20)),
  provinceRuns: Math.round(num('BENCH_PROVINCE_RUNS', 5)),
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  explain: (process.env.BENCH_EXPLAIN ?? 'missed') as 'missed' | 'always' | 'never',
  keep: !!process.env.BENCH_KEEP,
  taps: process.env.BENCH_TAPS === '0' ? 0 : Math.round(num('BENCH_TAPS', 50)),
  tapRounds: Math.round(num('BENCH_TAP_ROUNDS', 5)),
  tapSameTask: !!process.env.BENCH_TAP_SAME_TASK,
};
const TAP_TARGET_MS = { callbackP99: 1000, reactionP99: 3000 };
const TARGET_MS = { suggestions: 20, county: 100, province: 2000 };
const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/** The burst: nine photos forwarded with a caption naming a household and a kind of work. */
const BURST: BurstFacts = {
  caption: '今天入户走访张伟家，危房改造现场照片',
  fileNames: [],
  counts: { photo: 9 },
};

interface Case {
  name: string;
  rows: string;
  target?: number;
  runs: number[];
  cpu: CpuUse;
  /** Extra sub-timings per run (ms), shown as their own rows. */
  parts?: Record<string, number[]>;
  /** Runs the case once more with a recording db, for EXPLAIN. */
  explain?: () => Promise<{ sql: string; params: unknown[] }[]>;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const quantile = (q: number) => (xs: number[]) => {
  const s = sorted(xs);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
};
const p95 = quantile(0.95);
const p99 = quantile(0.99);

interface CpuUse {
  /** CPU time per run of this process and the database's backends (ms; /proc tick resolution). */
  oursMs: number;
  /** Cores busy with other processes meanwhile (a shared machine makes wall times noisy). */
  others: number;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux
const CORES = availableParallelism();

/** Runs `fn` `warmup` times, then `runs` timed times; also CPU use over the timed runs. */
async function time(
  runs: number,
  warmup: number,
  pids: () => Promise<number[]>,
  fn: () => Promise<void>,
): Promise<{ runs: number[]; cpu: CpuUse }> {
  for (let i = 0; i < warmup; i++) await fn();
  const backends = await pids();
  const a = sampleCpu(backends);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  const b = sampleCpu(backends);
  return {
    runs: out,
    cpu: { oursMs: ((b.ours - a.ours) * TICK_MS) / runs, others: cpuBetween(a, b, CORES).others },
  };
}

const countsText = (c: ProgressCounts) =>
  `${c.total} tasks: ${c.complete} complete, ${c.partly} partly, ${c.open} open, ${c.waived} waived, ` +
  `${c.overdue} overdue — ${c.percent ?? '–'} % done`;

async function main(): Promise<void> {
  const admin = new URL(S.pgUrl);
  if (!(await reachable(admin.hostname, Number(admin.port || 5432)))) {
    console.log(`bench:filing — PostgreSQL not reachable at ${admin.host}: skipped (nothing measured).`);
    return;
  }
  const dbName = `bench_filing_${process.pid}`;
  const url = withDatabase(S.pgUrl, dbName);
  await createDatabase(S.pgUrl, dbName);
  try {
    await migratePostgresUrl(url);
    const server = postgres(url, { max: 1, onnotice: () => {} });
    const [info] =
      await server`select current_setting('server_version') as v, current_setting('shared_buffers') as sb,
      current_setting('work_mem') as wm, current_setting('max_parallel_workers_per_gather') as par,
      current_setting('jit') as jit`;
    await server.end({ timeout: 5 });

    const ds = await buildFilingDataset(url, { villages: S.villages, log });
    log(`dataset built in ${(ds.buildMs / 1000).toFixed(1)} s`);

    const database = openPostgres(url, 4);
    const { db } = database;
    const now = ds.now;
    const cases: Case[] = [];
    try {
      // Suggestions: load the unit's open tasks with their progress, then rank them for the burst.
      let candidates = 0;
      let top: string[] = [];
      const dbPart: number[] = [];
      const rankPart: number[] = [];
      const suggest = async () => {
        const t0 = performance.now();
        const open = await fileableTasksOfUnit(db, ds.suggestUnitId);
        const t1 = performance.now();
        const s = suggestTasks(BURST, open.map(toCandidate), now);
        const t2 = performance.now();
        dbPart.push(t1 - t0);
        rankPart.push(t2 - t1);
        candidates = open.length;
        top = s.map((x) => `#${x.task.code} ${x.score}`);
      };
      log(`timing suggestions (${S.runs} runs) …`);
      const pids = () => backendPids(S.pgUrl, dbName);
      const sRuns = await time(S.runs, 3, pids, suggest);
      const drop = dbPart.length - S.runs; // warm-up parts
      cases.push({
        name: 'suggestions: fileableTasksOfUnit + suggestTasks',
        rows: `${candidates} open tasks`,
        target: TARGET_MS.suggestions,
        ...sRuns,
        parts: {
          '… of which fileableTasksOfUnit (SQL)': dbPart.slice(drop),
          '… of which suggestTasks (ranking)': rankPart.slice(drop),
        },
        explain: async () => {
          const r = recordingDb(db);
          await fileableTasksOfUnit(r.db, ds.suggestUnitId);
          return r.queries;
        },
      });

      log(`timing county completeness (${S.runs} runs) …`);
      let county: ProgressCounts | undefined;
      const cRuns = await time(S.runs, 2, pids, async () => {
        county = (await unitProgress(db, ds.countyId, now))!.counts;
      });
      cases.push({
        name: 'county completeness: unitProgress',
        rows: `${ds.countyVillages} villages, ${county!.total} tasks`,
        target: TARGET_MS.county,
        ...cRuns,
        explain: async () => {
          const r = recordingDb(db);
          await unitProgress(r.db, ds.countyId, now);
          return r.queries;
        },
      });

      log(`timing county missing list (${S.runs} runs) …`);
      let missing = 0;
      const mRuns = await time(S.runs, 2, pids, async () => {
        missing = (await missingForUnit(db, ds.countyId, now, { timeZone: TZ })).total;
      });
      cases.push({
        name: 'county missing list: missingForUnit (top 100)',
        rows: `${missing} missing tasks`,
        target: TARGET_MS.county,
        ...mRuns,
        explain: async () => {
          const r = recordingDb(db);
          await missingForUnit(r.db, ds.countyId, now, { timeZone: TZ });
          return r.queries;
        },
      });

      log(`timing province completeness (${S.provinceRuns} runs) …`);
      let province: ProgressCounts | undefined;
      const pRuns = await time(S.provinceRuns, 1, pids, async () => {
        province = (await unitProgress(db, ds.provinceId, now))!.counts;
      });
      cases.push({
        name: 'province completeness: unitProgress',
        rows: `${ds.counts.villages} villages, ${province!.total} tasks`,
        target: TARGET_MS.province,
        ...pRuns,
        explain: async () => {
          const r = recordingDb(db);
          await unitProgress(r.db, ds.provinceId, now);
          return r.queries;
        },
      });

      log(`timing province missing list (${S.provinceRuns} runs, no target) …`);
      let provinceMissing = 0;
      const pmRuns = await time(S.provinceRuns, 1, pids, async () => {
        provinceMissing = (await missingForUnit(db, ds.provinceId, now, { timeZone: TZ })).total;
      });
      cases.push({
        name: 'province missing list: missingForUnit (top 100)',
        rows: `${provinceMissing} missing tasks`,
        ...pmRuns,
      });

      let taps: TapTimes | undefined;
      if (S.taps > 0) {
        log(`timing card taps (${S.taps} at once, ${S.tapRounds} rounds) and reactions …`);
        taps = await measureTaps(url, {
          unitId: ds.suggestUnitId,
          taps: S.taps,
          rounds: S.tapRounds,
          sameTask: S.tapSameTask,
          log,
        });
      }

      if (province!.total !== ds.counts.tasks)
        throw new Error(
          `province progress counts ${province!.total} tasks, the database has ${ds.counts.tasks}`,
        );

      // Report.
      const c = ds.counts;
      console.log(
        `\nbench:filing — PostgreSQL ${info!.v} (shared_buffers ${info!.sb}, work_mem ${info!.wm}, ` +
          `max_parallel_workers_per_gather ${info!.par}, jit ${info!.jit}); node ${process.version}`,
      );
      console.log(
        `Dataset: ${c.units} units (1 province, ${c.villages} villages), ${c.tasks} tasks (2 campaigns × 25 items ` +
          `per village + ${c.households} households × 15 items in the suggestion village), ${c.materials} materials, ` +
          `${c.filingItems} filing items with ${c.filingItemMaterials} materials; built in ` +
          `${fmt(ds.buildMs / 1000)} s.`,
      );
      console.log(
        `Sizes (MB, with indexes): ${Object.entries(ds.sizesMb)
          .map(([t, mb]) => `${t} ${mb}`)
          .join(', ')}`,
      );
      console.log(`Build steps: ${ds.steps.map((s) => `${s.step} ${fmt(s.ms / 1000)} s`).join('; ')}`);
      console.log(`County:   ${countsText(county!)}`);
      console.log(`Province: ${countsText(province!)}`);
      console.log(`Burst: 9 photos, caption “${BURST.caption}” → ${top.join(', ')}\n`);

      const rows: string[][] = [];
      for (const k of cases) {
        const med = median(k.runs);
        const pass =
          k.target === undefined
            ? '—'
            : med >= k.target
              ? 'MISSED'
              : p95(k.runs) < k.target
                ? 'PASS'
                : 'PASS (p95 over)';
        rows.push([
          k.name,
          k.rows,
          String(k.runs.length),
          fmt(med),
          fmt(p95(k.runs)),
          k.target === undefined ? '—' : `< ${k.target} ms`,
          pass,
          fmt(k.cpu.oursMs),
          fmt(k.cpu.others),
        ]);
        for (const [name, xs] of Object.entries(k.parts ?? {}))
          rows.push([name, '', String(xs.length), fmt(median(xs)), fmt(p95(xs)), '', '', '', '']);
      }
      console.log(
        markdownTable(
          ['case', 'size', 'runs', 'median ms', 'p95 ms', 'target', 'result', 'CPU ms/run', 'other load'],
          rows,
          [false, false, true, true, true, false, false, true, true],
        ),
      );
      console.log(
        '\nresult: PASS when the median is under the target (and says so when the p95 is not). CPU ms/run: this ' +
          'process + the database backends (parallel workers not included), per timed run. Other load: cores ' +
          `busy with other processes meanwhile (of ${CORES}); load average now ${loadavg()
            .map((x) => x.toFixed(1))
            .join(' ')}.`,
      );

      if (taps) printTaps(taps);

      if (S.explain !== 'never') {
        for (const k of cases) {
          if (!k.explain || k.target === undefined) continue;
          if (S.explain === 'missed' && median(k.runs) < k.target) continue;
          const queries = await k.explain();
          const plans = await explainAnalyze(url, queries);
          console.log(`\nEXPLAIN (ANALYZE, BUFFERS) — ${k.name}`);
          queries.forEach((q, i) =>
            console.log(`\n${q.sql}\n-- params: ${JSON.stringify(q.params)}\n${plans[i]}`),
          );
        }
      }
    } finally {
      await database.close();
    }
  } finally {
    if (S.keep) log(`kept database ${dbName} (${url})`);
    else await dropDatabase(S.pgUrl, dbName);
  }
}

/** The taps table: p50/p99 of each kind of callback and of the reaction, with ratios from this run. */
function printTaps(t: TapTimes): void {
  const base = median(t.baseline);
  const stored = median(t.stored);
  const row = (name: string, xs: number[], ratio: string, target?: number): string[] => [
    name,
    String(xs.length),
    fmt(median(xs)),
    fmt(p99(xs)),
    fmt(Math.max(...xs)),
    ratio,
    target === undefined ? '—' : `p99 < ${target} ms`,
    target === undefined ? '—' : p99(xs) < target ? 'PASS' : 'MISSED',
  ];
  console.log(`\nCard taps (${S.taps} officers at once) and reactions, on the same database:`);
  console.log(
    markdownTable(
      ['case', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'p50 ratio', 'target', 'result'],
      [
        row(
          'callback refused at once (baseline: verify, decrypt, record, answer)',
          t.baseline,
          '1.00× baseline',
        ),
        row(
          "tap: a household's tasks (file-household, reads)",
          t.browse,
          `${fmt(median(t.browse) / base, 2)}× baseline`,
          TAP_TARGET_MS.callbackP99,
        ),
        row(
          S.tapSameTask
            ? 'tap: file the burst, all to one task (file, one transaction)'
            : 'tap: file the burst, each to its own task (file, one transaction)',
          t.file,
          `${fmt(median(t.file) / base, 2)}× baseline`,
          TAP_TARGET_MS.callbackP99,
        ),
        row('push → material stored (download, hash, write)', t.stored, '1.00× stored'),
        row(
          'material stored → reaction at Lark',
          t.reaction,
          `${fmt(median(t.reaction) / stored, 2)}× stored`,
          TAP_TARGET_MS.reactionP99,
        ),
      ],
      [false, true, true, true, true, true, false, false],
    ),
  );
  if (t.deferred > 0)
    console.log(
      `\n${t.deferred} of ${t.file.length} filing taps were answered 「处理中」 (the answer deadline passed; the card is updated when the filing is done).`,
    );
  if (t.failures.length > 0)
    console.log(
      `\n${t.failures.length} taps were not answered as expected, e.g. ${t.failures.slice(0, 3).join(' | ')}`,
    );
}

await main();
