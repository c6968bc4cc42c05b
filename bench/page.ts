/**
 * npm run bench:page — issue 15's benchmark: server time of the web pages on PostgreSQL with the
 * province dataset of bench:filing (bench/lib/filing-dataset.ts: 15,000 villages × 50 tasks =
 * 750,000 tasks, 3,000,000 materials by default):
 * - the province and one county progress page (`/units/:id`: unitProgress, missingForUnit,
 *   quality problems, trend), a village page (its tasks too);
 * - search: a common word, a rare word, a 文号, a date range — over the whole province; and a common
 *   and a rare word within one county (what a county leader searches).
 * Each case is an HTTP request to the real pages middleware (signed session cookie of a leader of the
 * province root), timed from request to last byte on 127.0.0.1, after warm-up; median and p95
 * (nearest rank), next to a plain SELECT of the same rows as the floor. Target: p95 < 300 ms.
 *
 * Env knobs: BENCH_VILLAGES (15000), BENCH_RUNS (10), BENCH_PG_URL
 * (postgres://postgres@127.0.0.1:5432/test: a throw-away database is created and dropped),
 * BENCH_KEEP (keep it and print its name), BENCH_DB (time on that kept database instead of
 * building one — the build takes minutes; it is migrated first and kept), BENCH_CASES (only the
 * cases whose name contains this text). Skips (exit 0) when PostgreSQL is unreachable; exit 0 when
 * a target is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql, type SQL } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { openPostgres, queryRows } from '../src/db/client.js';
import { migratePostgresUrl } from '../src/db/migrate.js';
import { personNames } from '../src/db/repos/reminder-audience.js';
import { startWebSession } from '../src/db/repos/web-sessions.js';
import { BROWSING_ROUTES, SIGN_IN_ROUTES } from '../src/http/page-routes.js';
import { pagesMiddleware } from '../src/http/web-app.js';
import { sessionCookieValue, SESSION_COOKIE } from '../src/http/web-session.js';
import { createLogger } from '../src/logger.js';
import { Metrics } from '../src/metrics.js';
import { LocalBlobStore } from '../src/storage/local-blob-store.js';
import { buildFilingDataset, describeFilingDataset } from './lib/filing-dataset.js';
import { markdownTable } from './lib/markdown-table.js';
import { createDatabase, dropDatabase, reachable, withDatabase } from './lib/postgres-admin.js';

const num = (name: string, def: number) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return Math.round(v);
};
const S = {
  villages: num('BENCH_VILLAGES', 15_000),
  runs: num('BENCH_RUNS', 10),
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  keep: !!process.env.BENCH_KEEP,
  reuse: process.env.BENCH_DB,
  only: process.env.BENCH_CASES,
};
const TARGET_MS = 300;
const log = (s: string) => process.stderr.write(`${s}\n`);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(p * xs.length) - 1)]!;

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 2; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

async function main(): Promise<void> {
  const admin = new URL(S.pgUrl);
  if (!(await reachable(admin.hostname, Number(admin.port || 5432)))) {
    console.log(`bench:page — PostgreSQL not reachable at ${admin.host}: skipped (nothing measured).`);
    return;
  }
  const dbName = S.reuse ?? `bench_page_${process.pid}`;
  const url = withDatabase(S.pgUrl, dbName);
  if (!S.reuse) await createDatabase(S.pgUrl, dbName);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-page-'));
  let server: Server | undefined;
  let database: ReturnType<typeof openPostgres> | undefined;
  try {
    await migratePostgresUrl(url);
    const ds = S.reuse
      ? await describeFilingDataset(url)
      : await buildFilingDataset(url, { villages: S.villages, log });
    if (!S.reuse) log(`dataset built in ${(ds.buildMs / 1000).toFixed(1)} s`);
    database = openPostgres(url, 4);
    const { db } = database;
    const leader = 'ou_bench_leader';
    await db.execute(sql`insert into people (open_id, name, updated_at) values (${leader}, '省领导', now())
      on conflict do nothing`);
    await db.execute(sql`insert into unit_roles (unit_id, open_id, role, created_at)
      values (${ds.provinceId}, ${leader}, 'leader', now()) on conflict do nothing`);
    const [village] = await queryRows<{ id: number; name: string; path: string }>(
      db,
      sql`select id::int as id, name, path from units where id = ${ds.suggestUnitId}`,
    );
    const [county] = await queryRows<{ path: string }>(
      db,
      sql`select path from units where id = ${ds.countyId}`,
    );
    const secret = 'bench-secret-bench-secret-bench-secret';
    const clock = { now: () => ds.now };
    const app = buildApp({
      logger: createLogger('error'),
      metrics: new Metrics(),
      ready: async () => ({ ok: true, checks: {} }),
      pages: pagesMiddleware(
        {
          db,
          clock: clock as never,
          logger: createLogger('error'),
          blobs: new LocalBlobStore(join(dataDir, 'files'), { minFreeBytes: 0 }),
          timeZone: 'Asia/Shanghai',
          oauth: {
            appId: 'cli_0000000000000000',
            appSecret: 'x',
            domain: 'http://127.0.0.1:9',
            httpTimeoutMs: 1000,
          },
          secret,
          sessionHours: 12,
          reportsDir: join(dataDir, 'reports'),
          urge: async () => ({ status: 'nothing_due', chats: 0 }),
          urgeReaders: async () => ({ openIds: [], complete: false }),
          urgeReadersOfRows: async (urges) =>
            new Map([...urges.keys()].map((k) => [k, { openIds: [], complete: false }])),
          // No Lark here: names from the people table alone.
          chatMemberNames: (people) =>
            personNames(
              db,
              people.map((p) => p.openId),
            ),
        },
        [...SIGN_IN_ROUTES, ...BROWSING_ROUTES],
      ),
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A signed-in leader: the session recorded as a sign-in records it, and its signed cookie.
    const session = { o: leader, n: '省领导', s: `bench-${Date.now()}` };
    const expiresAt = new Date(ds.now.getTime() + 86_400_000);
    await startWebSession(db, { id: session.s, openId: leader, createdAt: ds.now, expiresAt });
    const cookie = `${SESSION_COOKIE}=${sessionCookieValue(secret, session, expiresAt)}`;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { cookie } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      return body;
    };
    const floor = (q: SQL) => () => queryRows(db, q);
    const subtree = (path: string) => sql`select id from units where path like ${`${path}%`}`;
    const [rare] = await queryRows<{ name: string }>(
      db,
      sql`select name from units where kind = 'village' order by id desc limit 1`,
    );
    const q = (s: string) => `/search?${s}`;
    const cases: { name: string; path: string; floor: SQL; rows: string }[] = [
      {
        name: 'province progress page',
        path: `/units/${ds.provinceId}`,
        floor: sql`select id, unit_id, state, due_at, min_count from tasks where unit_id = any(array(${subtree('/')}))`,
        rows: `${ds.counts.tasks} tasks`,
      },
      {
        name: 'county progress page',
        path: `/units/${ds.countyId}`,
        floor: sql`select id, unit_id, state, due_at, min_count from tasks where unit_id = any(array(${subtree(county!.path)}))`,
        rows: `${ds.countyVillages} villages`,
      },
      {
        name: 'village page',
        path: `/units/${village!.id}`,
        floor: sql`select * from tasks where unit_id = ${village!.id}`,
        rows: 'its tasks',
      },
      {
        name: 'search: common word (会议)',
        path: q(`q=${encodeURIComponent('会议')}`),
        floor: sql`select id, title from filing_items where undone_at is null order by filed_at desc limit 51`,
        rows: 'first 51',
      },
      {
        name: `search: rare word (${rare!.name})`,
        path: q(`q=${encodeURIComponent(rare!.name)}`),
        floor: sql`select id, title from filing_items where undone_at is null order by filed_at desc limit 51`,
        rows: 'first 51',
      },
      {
        name: 'search: 文号 (村发〔2025〕3号)',
        path: q(`q=${encodeURIComponent('村发〔2025〕3号')}`),
        floor: sql`select item_id from item_descriptions where doc_number like '%3号%' limit 51`,
        rows: 'first 51',
      },
      {
        name: 'search in one county: common word (会议)',
        path: q(`unit=${ds.countyId}&q=${encodeURIComponent('会议')}`),
        floor: sql`select id, title from filing_items where undone_at is null and unit_id = any(array(${subtree(county!.path)})) order by filed_at desc limit 51`,
        rows: 'first 51',
      },
      {
        name: 'search in one county: rare word',
        path: q(`unit=${ds.countyId}&q=${encodeURIComponent(rare!.name)}`),
        floor: sql`select id, title from filing_items where undone_at is null and unit_id = any(array(${subtree(county!.path)})) order by filed_at desc limit 51`,
        rows: 'first 51',
      },
      {
        name: 'search: date range (2025-03)',
        path: q('from=2025-03-01&to=2025-03-31'),
        floor: sql`select id from filing_items where filed_at >= '2025-03-01' and filed_at < '2025-04-01' limit 51`,
        rows: 'first 51',
      },
    ];
    const rows: string[][] = [];
    for (const c of cases.filter((x) => !S.only || x.name.includes(S.only))) {
      log(`timing ${c.name} …`);
      const page = await timed(S.runs, () => get(c.path));
      const base = await timed(S.runs, floor(c.floor));
      const p95 = pct(page, 0.95);
      rows.push([
        c.name,
        c.rows,
        pct(page, 0.5).toFixed(1),
        p95.toFixed(1),
        pct(base, 0.5).toFixed(1),
        p95 <= TARGET_MS ? 'ok' : 'MISSED',
      ]);
    }
    console.log(
      `\nbench:page — ${ds.counts.villages} villages, ${ds.counts.tasks} tasks, ${ds.counts.materials} materials, ` +
        `${ds.counts.filingItems} filing items (PostgreSQL; ${S.runs} warm runs each; target p95 < ${TARGET_MS} ms)\n`,
    );
    console.log(
      markdownTable(['case', 'rows', 'page p50 ms', 'page p95 ms', 'plain SELECT p50 ms', 'target'], rows, [
        false,
        false,
        true,
        true,
        true,
        false,
      ]),
    );
  } finally {
    if (server) await new Promise((r) => server!.close(() => r(undefined)));
    // Closed on failure too: an open pool would keep the process alive after the error is printed.
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (S.keep || S.reuse) log(`kept database ${dbName}`);
    else await dropDatabase(S.pgUrl, dbName);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
