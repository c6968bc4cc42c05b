/**
 * npm run bench:intake — how fast does the webhook intake acknowledge signed + encrypted Lark events,
 * compared with (1) a bare Koa 200 and (2) one plain INSERT per request into the same database?
 *
 * Per database, three servers run side by side, each in its own child process (bench/intake-server.ts), each
 * with its own store; autocannon runs here. The variants take turns in short slices (round-robin), so a
 * neighbour's burst of CPU on a shared machine hits all three alike instead of skewing one.
 *
 * Env knobs:
 *   BENCH_SECONDS (10)        throughput time per variant (after BENCH_WARMUP_SECONDS, 2, of warm-up)
 *   BENCH_RATE (200)          fixed-rate run (autocannon overallRate), BENCH_RATE_SECONDS (10) per variant
 *   BENCH_SLICE_SECONDS (2)   length of one turn
 *   BENCH_CONNECTIONS (50)    autocannon connections
 *   BENCH_DBS (pglite,postgres)
 *   BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test) used to create/drop throw-away databases
 *   BENCH_BODY_BYTES (1300)   raw (encrypted) body size
 *   BENCH_WORKAROUNDS         experiments applied inside the servers (see bench/intake-server.ts)
 *   BENCH_CPU_PROF (unset)    a folder: servers run with --cpu-prof and write their profiles there
 * Exit code 0 even when a target is missed (printed as MISSED); non-zero only on errors.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migratePostgresUrl } from '../src/db/migrate.js';
import { cpuBetween, sampleCpu } from './lib/cpu-usage.js';
import { checkExactlyOnce } from './lib/exactly-once.js';
import { makeLarkRequests, type BenchRequest } from './lib/lark-bodies.js';
import { aggregate, OK, RequestFeed, runLoad, type LoadSlice } from './lib/load.js';
import {
  backendPids,
  createDatabase,
  describeServer,
  dropDatabase,
  reachable,
  withDatabase,
} from './lib/postgres-admin.js';
import { printReport, type VariantResult } from './lib/report.js';
import { initPgliteFolder, killAllServers, startServer, type ServerProcess } from './lib/server-process.js';
import { BENCH_ENV, type DbKind, type Variant } from './lib/variants.js';

const num = (name: string, def: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return v;
};

const S = {
  seconds: num('BENCH_SECONDS', 10),
  warmup: num('BENCH_WARMUP_SECONDS', 2),
  rate: num('BENCH_RATE', 200),
  rateSeconds: num('BENCH_RATE_SECONDS', 10),
  slice: num('BENCH_SLICE_SECONDS', 2),
  connections: num('BENCH_CONNECTIONS', 50),
  bodyBytes: num('BENCH_BODY_BYTES', 1300),
  dbs: (process.env.BENCH_DBS ?? 'pglite,postgres').split(',').map((s) => s.trim()),
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  workarounds: process.env.BENCH_WORKAROUNDS ?? '',
  cpuProf: process.env.BENCH_CPU_PROF,
};
const BASELINE_POOL = 10_000;
const CORES = cpus().length;

const bodyOptions = {
  appId: BENCH_ENV.LARK_APP_ID,
  encryptKey: BENCH_ENV.LARK_ENCRYPT_KEY,
  verificationToken: BENCH_ENV.LARK_VERIFICATION_TOKEN,
  targetBytes: S.bodyBytes,
};

const cleanups: (() => Promise<void> | void)[] = [];
const fmt = (n: number | undefined, digits = 0) =>
  n !== undefined && Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const t0 = performance.now();
const log = (line: string) =>
  process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s ${line}\n`);

function timed<T>(what: string, fn: () => T): T {
  const t = performance.now();
  const out = fn();
  log(`  ${what} (${fmt((performance.now() - t) / 1000, 1)} s)`);
  return out;
}

/** One server under test within a database section. */
interface Contender {
  variant: Variant;
  workarounds: string;
  name: string;
  server: ServerProcess;
  url: string;
  /** PostgreSQL: the database its pool connects to. */
  pgDatabase?: string;
  pids: number[];
  feed: RequestFeed;
  rateFeed: RequestFeed;
  probed: number;
  slices: LoadSlice[];
  rateSlices: LoadSlice[];
  cpu: { ours: number; others: number; n: number };
  /** Intake: every request must be a new event, so the pools are topped up between turns. */
  unique: boolean;
  /** Highest req/s seen so far (sizes the top-ups). */
  peakRps: number;
}

/** Where each server keeps its data: its own PGlite folder or its own PostgreSQL database. */
interface Stores {
  env(variant: Variant): Record<string, string>;
  pgDatabase(variant: Variant): string | undefined;
}

async function startContender(
  db: DbKind,
  variant: Variant,
  stores: Stores,
  workarounds: string,
  pools: { main: BenchRequest[]; rate: BenchRequest[] },
  peakRps = 0,
): Promise<Contender> {
  const name = `${db}/${variant}${workarounds ? ` [+${workarounds}]` : ''}`;
  // One folder per server: Node writes a profile per thread (main + tsx's loader worker).
  const execArgv = S.cpuProf
    ? ['--cpu-prof', `--cpu-prof-dir=${join(S.cpuProf, name.replace(/[^\w-]+/g, '-'))}`]
    : [];
  const env = { ...stores.env(variant), BENCH_WORKAROUNDS: workarounds };
  const server = await startServer(variant, variant === 'bare' ? 'none' : db, env, execArgv);
  cleanups.push(() => server.stop().catch(() => {}));
  return {
    variant,
    workarounds,
    name,
    server,
    url: `http://127.0.0.1:${server.port}/lark/events`,
    pgDatabase: variant === 'bare' ? undefined : stores.pgDatabase(variant),
    pids: [server.pid],
    feed: new RequestFeed(pools.main),
    rateFeed: new RequestFeed(pools.rate),
    probed: 0,
    slices: [],
    rateSlices: [],
    cpu: { ours: 0, others: 0, n: 0 },
    unique: variant === 'intake',
    peakRps,
  };
}

/** Unique events for the next turn of an intake (generated between turns, never during one). */
function topUp(c: Contender, seconds: number, rate: boolean): void {
  if (!c.unique) return;
  const feed = rate ? c.rateFeed : c.feed;
  const need = Math.ceil((rate ? S.rate * 1.5 : Math.max(c.peakRps, 300) * 2) * seconds) + 500;
  if (feed.unused >= need) return;
  feed.extend(makeLarkRequests(need - feed.unused, bodyOptions));
}

/** One genuine event: if the intake cannot store it, there is nothing to measure. */
async function preflight(c: Contender): Promise<string | undefined> {
  const i = c.feed.take();
  const probe = c.feed.pool[i]!;
  const res = await fetch(c.url, { method: 'POST', headers: probe.headers, body: probe.body });
  const text = await res.text();
  if (res.status === 200) {
    c.feed.state[i] = OK;
    c.probed = 1;
    return undefined;
  }
  const failed = `HTTP ${res.status} ${text.slice(0, 80)}`;
  log(`  ${c.name}: a genuine signed event was answered ${failed}: not measured`);
  return failed;
}

async function slice(c: Contender, rate: boolean): Promise<void> {
  topUp(c, S.slice, rate);
  const before = sampleCpu(c.pids);
  const result = await runLoad({
    url: c.url,
    feed: rate ? c.rateFeed : c.feed,
    connections: S.connections,
    seconds: S.slice,
    overallRate: rate ? S.rate : undefined,
  });
  (rate ? c.rateSlices : c.slices).push(result);
  if (!rate) {
    c.peakRps = Math.max(c.peakRps, result.latencies.length / result.seconds);
    const used = cpuBetween(before, sampleCpu(c.pids), CORES);
    c.cpu.ours += used.ours;
    c.cpu.others += used.others;
    c.cpu.n++;
  }
}

/** Round-robin turns (the order rotates every round), `seconds` per contender in total. */
async function rounds(contenders: Contender[], seconds: number, rate: boolean): Promise<void> {
  const n = Math.max(1, Math.round(seconds / S.slice));
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < contenders.length; k++) await slice(contenders[(r + k) % contenders.length]!, rate);
  }
}

async function runSection(
  db: DbKind,
  stores: Stores,
  baselinePool: BenchRequest[],
): Promise<VariantResult[]> {
  const results: VariantResult[] = [];
  const baseline = { main: baselinePool, rate: baselinePool };
  // The intake's unique events: topped up between turns (never during one).
  const intakePools = { main: [] as BenchRequest[], rate: [] as BenchRequest[] };
  const t = performance.now();
  const [bare, insert, first] = await Promise.all([
    startContender(db, 'bare', stores, S.workarounds, baseline),
    startContender(db, 'insert', stores, S.workarounds, baseline),
    startContender(db, 'intake', stores, S.workarounds, intakePools),
  ]);
  log(`  ${db}: servers listening (${fmt((performance.now() - t) / 1000, 1)} s)`);
  const intake = first!;
  const contenders: Contender[] = [bare!, insert!];
  let insertWarmRps = 0;
  for (const c of contenders) {
    const warm = await runLoad({ url: c.url, feed: c.feed, connections: S.connections, seconds: S.warmup });
    if (c === insert) insertWarmRps = warm.latencies.length / warm.seconds;
  }
  intake.peakRps = insertWarmRps;
  timed(`generating unique events for ${db}/intake`, () => topUp(intake, 1 + S.warmup, false));
  const failed = await preflight(intake);
  if (failed) {
    results.push({ db, section: db, variant: 'intake', workarounds: intake.workarounds, failed, reused: 0 });
    await intake.server.stop();
  }
  if (!failed) {
    await runLoad({ url: intake.url, feed: intake.feed, connections: S.connections, seconds: S.warmup });
    contenders.push(intake);
  }
  for (const c of contenders) {
    if (c.pgDatabase) c.pids.push(...(await backendPids(S.pgUrl, c.pgDatabase)));
  }

  log(`  ${db}: throughput, ${contenders.length} variants taking ${S.slice} s turns`);
  await rounds(contenders, S.seconds, false);
  log(`  ${db}: fixed rate ${S.rate}/s`);
  await rounds(contenders, S.rateSeconds, true);

  for (const c of contenders) {
    const load = aggregate(c.slices);
    const rate = aggregate(c.rateSlices);
    const cpu = { ours: c.cpu.ours / c.cpu.n, others: c.cpu.others / c.cpu.n };
    log(
      `  ${c.name}: ${fmt(load.rps)} req/s, p50 ${fmt(load.p50, 2)} ms, p99 ${fmt(load.p99, 2)} ms, ` +
        `max ${fmt(load.max)} ms, non-2xx ${load.non2xx}, errors ${load.errors}; @${S.rate}/s: p50 ` +
        `${fmt(rate.p50, 2)} ms, p99 ${fmt(rate.p99, 2)} ms, max ${fmt(rate.max, 1)} ms; CPU: bench ` +
        `${fmt(cpu.ours, 2)} cores, other processes ${fmt(cpu.others, 2)} cores`,
    );
    let check;
    if (c.variant === 'intake') {
      const ok2xx = c.probed + load.ok2xx + rate.ok2xx;
      check = await checkExactlyOnce(c.server, c.url, [c.feed, c.rateFeed], ok2xx);
      log(
        `  ${c.name} exactly-once: ${check.rows} rows; ${check.ok2xx} answered 2xx during the runs, ` +
          `${check.retriedOk}/${check.retried} unanswered re-posted → ${check.acked} acknowledged; missing ` +
          `${check.missing}, extra ${check.extra}; ${check.redeliveries} re-deliveries: ` +
          `${check.redeliveriesOk} × 200, rows ${check.rows} → ${check.rowsAfterRedeliveries}`,
      );
    }
    results.push({
      db: c.variant === 'bare' ? 'none' : db,
      section: db,
      variant: c.variant,
      workarounds: c.workarounds,
      load,
      rate,
      cpu,
      reused: c.variant === 'intake' ? c.feed.reused + c.rateFeed.reused : 0,
      check,
    });
  }
  await Promise.all(contenders.map((c) => c.server.stop()));
  log(`  ${db}: servers stopped`);
  return results;
}

async function withStores(db: DbKind, tmp: string, fn: (stores: Stores) => Promise<void>): Promise<void> {
  if (db === 'pglite') {
    process.stdout.write(
      `PGlite: on disk under ${tmp}, one folder per server (NodeFS; PGlite never fsyncs)\n`,
    );
    const template = join(tmp, 'pglite-template');
    const t = performance.now();
    await initPgliteFolder(template);
    for (const v of ['insert', 'intake']) cpSync(template, join(tmp, `pglite-${v}`), { recursive: true });
    log(
      `  pglite: created + migrated one data folder, copied it per server (${fmt((performance.now() - t) / 1000, 1)} s)`,
    );
    return fn({
      env: (v) => ({ BENCH_DATA_DIR: join(tmp, `pglite-${v}`) }),
      pgDatabase: () => undefined,
    });
  }
  const u = new URL(S.pgUrl);
  if (!(await reachable(u.hostname, Number(u.port || 5432)))) {
    process.stdout.write(`NOTE: PostgreSQL at ${u.host} is unreachable: the postgres runs are skipped.\n`);
    return;
  }
  const base = `bench_intake_${process.pid}_${Date.now()}`;
  const names = { insert: `${base}_insert`, intake: `${base}_intake` };
  for (const name of Object.values(names)) {
    let dropped = false;
    cleanups.push(async () => {
      if (dropped) return;
      dropped = true;
      await dropDatabase(S.pgUrl, name);
    });
    await createDatabase(S.pgUrl, name);
    await migratePostgresUrl(withDatabase(S.pgUrl, name));
  }
  process.stdout.write(
    `${await describeServer(S.pgUrl)}: throw-away databases ${base}_{insert,intake}, pool of 10 per server\n`,
  );
  try {
    await fn({
      env: (v) => ({
        BENCH_DATABASE_URL: withDatabase(S.pgUrl, v === 'insert' ? names.insert : names.intake),
      }),
      pgDatabase: (v) => (v === 'insert' ? names.insert : names.intake),
    });
  } finally {
    for (const name of Object.values(names)) await dropDatabase(S.pgUrl, name);
  }
}

async function main(): Promise<void> {
  const cpu = cpus();
  process.stdout.write(
    `# bench:intake — Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? '?'}\n` +
      `Intake only: the event and job workers are NOT started (nothing is processed after the 200).\n` +
      `autocannon runs in this process; each server in its own child process.\n`,
  );
  if (S.workarounds)
    process.stdout.write(`BENCH_WORKAROUNDS=${S.workarounds} (experiment, not src/ as is)\n`);
  const tmp = mkdtempSync(join(tmpdir(), 'bench-intake-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));

  const baselinePool = timed(
    `generated ${fmt(BASELINE_POOL)} signed + encrypted events for the baselines`,
    () => makeLarkRequests(BASELINE_POOL, bodyOptions),
  );
  process.stdout.write(
    `Request: POST /lark/events, raw body ${baselinePool[0]!.body.length} bytes (base64 of an AES-256-CBC ` +
      `encrypted im.message.receive_v1 envelope), signed. The intake gets a unique event per request; ` +
      `the baselines cycle ${fmt(BASELINE_POOL)} of them (they do not look inside).\n`,
  );

  const results: VariantResult[] = [];
  for (const db of S.dbs) {
    if (db !== 'pglite' && db !== 'postgres') throw new Error(`BENCH_DBS: unknown database ${db}`);
    await withStores(db, tmp, async (stores) => {
      log(`${db}: bare, insert and intake servers`);
      results.push(...(await runSection(db, stores, baselinePool)));
    });
  }
  printReport(results, S);
}

async function cleanup(): Promise<void> {
  killAllServers();
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (err) {
      log(`cleanup: ${String(err)}`);
    }
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

const started = performance.now();
main()
  .then(async () => {
    await cleanup();
    log(`done in ${fmt((performance.now() - started) / 1000)} s`);
    process.exit(0);
  })
  .catch(async (err) => {
    console.error('bench:intake failed:', err);
    await cleanup();
    process.exit(1);
  });
