/**
 * `npm run bench:startup` — how fast the bot starts and how much memory it holds at idle, compiled
 * (`node dist/main.js`, what npm start and the systemd unit run) against the sources through tsx
 * (`node --import tsx src/main.ts`, what npm start ran before), on PGlite and PostgreSQL; and the wall
 * time of a CLI command (`units list`) on a fresh and on an existing data folder. One run, one table.
 *
 * Each bot start is a real process against the fake Lark (webhook mode), on a data folder / database
 * that a first start has already created (a restart, the usual case); times from spawn to the first 200
 * of /healthz and of /readyz; RSS (VmRSS) 3 s after /readyz. Medians of BENCH_RUNS runs.
 *
 *   BENCH_RUNS (3)            runs per variant
 *   BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test) creates/drops throw-away databases;
 *                             PostgreSQL rows are skipped with a note when no server is reachable
 * Targets (printed as met / MISSED, exit code 0 either way): compiled start to /healthz < 3 s on PGlite,
 * idle RSS at least 80 MB below tsx, a CLI command < 2 s on an existing data folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeLark, type FakeLark } from '../test/support/fake-lark/server.js';
import { TEST_ENCRYPT_KEY, TEST_VERIFICATION_TOKEN } from '../test/support/events.js';
import { markdownTable } from './lib/markdown-table.js';
import { createDatabase, dropDatabase, reachable, withDatabase } from './lib/postgres-admin.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Build = 'compiled' | 'tsx';
const entry = (build: Build, file: 'main' | 'cli/main') =>
  build === 'compiled' ? [join(ROOT, `dist/${file}.js`)] : ['--import', 'tsx', join(ROOT, `src/${file}.ts`)];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function until200(url: string, deadline: number): Promise<number> {
  for (;;) {
    const ok = await fetch(url)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return performance.now();
    if (Date.now() > deadline) throw new Error(`no 200 from ${url}`);
    await sleep(10);
  }
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

interface StartSample {
  healthMs: number;
  readyMs: number;
  rssMb: number;
}

async function startOnce(build: Build, env: Record<string, string>): Promise<StartSample> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, entry(build, 'main'), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const deadline = Date.now() + 180_000;
    const health = await until200(`http://127.0.0.1:${port}/healthz`, deadline);
    const ready = await until200(`http://127.0.0.1:${port}/readyz`, deadline);
    await sleep(3000);
    return { healthMs: health - t0, readyMs: ready - t0, rssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function cliOnce(build: Build, env: Record<string, string>): number {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, [...entry(build, 'cli/main'), 'units', 'list'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`units list failed: ${res.stderr}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], {
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('build failed');
  const fake: FakeLark = await startFakeLark();
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bench-startup-'));
  const pgHost = new URL(PG_URL);
  const hasPg = await reachable(pgHost.hostname, Number(pgHost.port || 5432));
  const created: string[] = [];
  const lark = {
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.baseUrl,
    LARK_EVENT_MODE: 'webhook',
    LARK_ENCRYPT_KEY: TEST_ENCRYPT_KEY,
    LARK_VERIFICATION_TOKEN: TEST_VERIFICATION_TOKEN,
    RECONCILE_INTERVAL_MINUTES: '0',
    SCHEDULER_ENABLED: 'false',
  };
  const rows: string[][] = [];
  const results = new Map<string, StartSample>();
  try {
    for (const db of ['pglite', 'postgres'] as const) {
      if (db === 'postgres' && !hasPg) {
        console.log(`PostgreSQL not reachable at ${PG_URL}: skipping its rows`);
        continue;
      }
      for (const b of ['compiled', 'tsx'] as const) {
        let env: Record<string, string> = { ...lark, DATA_DIR: join(tmp, `${db}-${b}`) };
        if (db === 'postgres') {
          const name = `archive_bench_startup_${process.pid}_${b}`;
          await createDatabase(PG_URL, name);
          created.push(name);
          env = { ...env, DATABASE_URL: withDatabase(PG_URL, name) };
        }
        await startOnce(b, env); // first start: creates and migrates the database
        const samples: StartSample[] = [];
        for (let i = 0; i < RUNS; i++) samples.push(await startOnce(b, env));
        const s = {
          healthMs: median(samples.map((x) => x.healthMs)),
          readyMs: median(samples.map((x) => x.readyMs)),
          rssMb: median(samples.map((x) => x.rssMb)),
        };
        results.set(`${db}-${b}`, s);
      }
      const c = results.get(`${db}-compiled`)!;
      const t = results.get(`${db}-tsx`)!;
      for (const [label, key, unit] of [
        ['start → /healthz 200', 'healthMs', 's'],
        ['start → /readyz 200', 'readyMs', 's'],
        ['idle RSS', 'rssMb', 'MB'],
      ] as const) {
        const f = (v: number) => (unit === 's' ? (v / 1000).toFixed(2) : v.toFixed(0));
        rows.push([
          db,
          label,
          `${f(c[key])} ${unit}`,
          `${f(t[key])} ${unit}`,
          `${(t[key] / c[key]).toFixed(2)}×`,
        ]);
      }
    }
    const cli: Record<Build, { fresh: number; existing: number }> = {} as never;
    for (const b of ['compiled', 'tsx'] as const) {
      const fresh: number[] = [];
      const existing: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const dataDir = join(tmp, `cli-${b}-${i}`);
        fresh.push(cliOnce(b, { DATA_DIR: dataDir }));
        existing.push(cliOnce(b, { DATA_DIR: dataDir }));
      }
      cli[b] = { fresh: median(fresh), existing: median(existing) };
    }
    for (const k of ['fresh', 'existing'] as const)
      rows.push([
        'pglite',
        `CLI units list, ${k} folder`,
        `${(cli.compiled[k] / 1000).toFixed(2)} s`,
        `${(cli.tsx[k] / 1000).toFixed(2)} s`,
        `${(cli.tsx[k] / cli.compiled[k]).toFixed(2)}×`,
      ]);

    console.log(
      `\nStart-up (median of ${RUNS}; node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})\n`,
    );
    console.log(
      markdownTable(['database', 'measure', 'compiled', 'tsx', 'tsx / compiled'], rows, [
        false,
        false,
        true,
        true,
        true,
      ]),
    );
    const pc = results.get('pglite-compiled')!;
    const pt = results.get('pglite-tsx')!;
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log(`\nTargets:
  compiled start to /healthz on PGlite < 3 s: ${(pc.healthMs / 1000).toFixed(2)} s — ${verdict(pc.healthMs < 3000)}
  idle RSS ≥ 80 MB below tsx (PGlite): ${(pt.rssMb - pc.rssMb).toFixed(0)} MB less — ${verdict(pt.rssMb - pc.rssMb >= 80)}
  CLI on an existing folder < 2 s: ${(cli.compiled.existing / 1000).toFixed(2)} s — ${verdict(cli.compiled.existing < 2000)}`);
  } finally {
    await fake.close();
    for (const name of created) await dropDatabase(PG_URL, name).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
