/**
 * npm run bench:schedules — on PostgreSQL with the province data set (bench/lib/province.ts: 15,000
 * villages, 750,000 tasks, ~1 M filing items, ~2.4 M materials): how long does it take to compute
 * all reminders due on a day, one county's digest, and every leader's digest?
 * Targets: reminders < 5 s, one county digest < 200 ms, all digests < 10 s, peak RSS < 500 MB.
 *
 * Env knobs:
 *   BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test)  admin URL used to create the database
 *   BENCH_DB (bench_province)   database name; kept between runs and reused when it matches
 *   BENCH_FRESH (unset)         1: drop and rebuild the province first
 *   BENCH_VILLAGES_PER_TOWNSHIP (150), BENCH_TASKS_PER_VILLAGE (50)
 *   BENCH_DAY (2026-06-15)      the day computed (a Monday: reminders and the weekly digest)
 *   BENCH_RUNS (3)              repetitions of each measurement
 * Exit code 0 even when a target is missed (printed as MISSED); non-zero only on errors.
 */
import { sql } from 'drizzle-orm';
import { openPostgres, queryRows, type Db } from '../src/db/client.js';
import { saveSnapshots } from '../src/db/repos/digest-snapshots.js';
import { digestRecipients } from '../src/db/repos/digest-recipients.js';
import { claimSends } from '../src/db/repos/schedule-sends.js';
import { createWorkingCalendar, isoWeek, zonedInstant } from '../src/domain/working-days.js';
import { loadScheduleSettings } from '../src/scheduler/schedule-settings.js';
import { buildDigests, digestSnapshotRows } from '../src/usecases/build-digest.js';
import { buildReminders } from '../src/usecases/build-reminders.js';
import { markdownTable } from './lib/markdown-table.js';
import { createDatabase, dropDatabase, reachable, withDatabase } from './lib/postgres-admin.js';
import { buildProvince, StaleProvinceError } from './lib/province.js';

const num = (name: string, def: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return v;
};

const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = process.env.BENCH_DB ?? 'bench_province';
const day = process.env.BENCH_DAY ?? '2026-06-15';
const runs = num('BENCH_RUNS', 3);
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/** Collects the previous run's garbage first (npm script runs with --expose-gc): peaks are per run. */
const collect = () => (globalThis as { gc?: () => void }).gc?.();

async function repeat<T>(fn: () => Promise<T>): Promise<{ ms: number[]; value: T }> {
  const ms: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    value = undefined as T;
    collect();
    const r = await timed(fn);
    ms.push(r.ms);
    value = r.value;
  }
  return { ms, value };
}

/** CHECKPOINT, then wait (≤ 60 s) until no autovacuum worker runs. */
async function settleDatabase(db: Db): Promise<void> {
  await db.execute(sql`checkpoint`);
  for (let i = 0; i < 120; i++) {
    const [row] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'`,
    );
    if (!row || Number(row.n) === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const u = new URL(adminUrl);
  if (!(await reachable(u.hostname, Number(u.port || 5432)))) {
    console.log(`PostgreSQL is not reachable at ${u.host}: nothing measured.`);
    return;
  }
  const url = withDatabase(adminUrl, dbName);
  const build = async (fresh: boolean) => {
    if (fresh) await dropDatabase(adminUrl, dbName);
    await createDatabase(adminUrl, dbName).catch((err) => {
      if (!/already exists/.test(String(err))) throw err;
    });
    return buildProvince(
      url,
      {
        villagesPerTownship: num('BENCH_VILLAGES_PER_TOWNSHIP', 150),
        tasksPerVillage: num('BENCH_TASKS_PER_VILLAGE', 50),
      },
      (l) => console.log(l),
    );
  };
  const info = await build(process.env.BENCH_FRESH === '1').catch((err) => {
    if (!(err instanceof StaleProvinceError)) throw err;
    console.log(`province: ${err.message}; rebuilding`);
    return build(true);
  });
  console.log(
    `province: ${info.counties} counties, ${info.townships} townships, ${info.villages} villages, ` +
      `${info.tasks} tasks, ${info.filingItems} filing items, ${info.materials} materials` +
      (info.reused ? ' (reused)' : ` (built in ${info.buildSeconds} s)`),
  );

  const database = openPostgres(url, 10);
  const db = database.db;
  try {
    const settings = loadScheduleSettings('config/schedules.yaml', 'Asia/Shanghai');
    const calendar = createWorkingCalendar();
    const remindAt = zonedInstant(day, settings.reminders.time, settings.timeZone);
    const digestAt = zonedInstant(day, settings.digest.time, settings.timeZone);
    const week = isoWeek(day);
    const digestOpts = { timeZone: settings.timeZone, ...settings.digest };
    await db.execute(
      sql`delete from jobs where kind = 'scheduled-send' and (key like ${`%:${day}`} or key like ${`%:${week}`})`,
    );
    await db.execute(sql`delete from scheduled_sends where period in (${day}, ${week})`);
    await db.execute(sql`delete from completeness_snapshots where week = ${week}`);

    const reminders = await repeat(() =>
      buildReminders(db, remindAt, { timeZone: settings.timeZone, ...settings.reminders }, calendar),
    );
    const rssAfterReminders = peakRss();
    const sends = reminders.value;
    const claim = await timed(() =>
      claimSends(db, sends, { now: remindAt, startAt: remindAt, perSecond: settings.sending.perSecond }),
    );
    const chats = sends.filter((s) => s.kind === 'reminder').length;
    const escalations = sends.length - chats;
    sends.length = 0; // let the rendered cards go before the digests
    const rssAfterClaim = peakRss();
    // The claim wrote 15,000 rows: let PostgreSQL's checkpoint and autovacuum of that finish first,
    // so the digests are timed on their own (in production they run at another time of day).
    await settleDatabase(db);
    const [county] = (await digestRecipients(db)).filter((r) => r.unit.kind === 'county');
    const [township] = (await digestRecipients(db)).filter((r) => r.unit.kind === 'township');
    // One leader's digest (figures and card), as `npm run digest` builds it for one person.
    const oneDigest = async (r: typeof county) =>
      (await buildDigests(db, digestAt, digestOpts, r!.to.id)).find((d) => d.unitId === r!.unit.id)!.figures;
    const countyDigest = await repeat(() => oneDigest(county));
    const townshipDigest = await repeat(() => oneDigest(township));
    const digests = await repeat(() => buildDigests(db, digestAt, digestOpts));
    const snapshot = await timed(() =>
      saveSnapshots(db, week, digestSnapshotRows(digests.value.map((d) => d.figures)), digestAt),
    );
    const claimDigests = await timed(() =>
      claimSends(db, digests.value, {
        now: digestAt,
        startAt: digestAt,
        perSecond: settings.sending.perSecond,
      }),
    );
    await db.execute(
      sql`delete from jobs where kind = 'scheduled-send' and (key like ${`%:${day}`} or key like ${`%:${week}`})`,
    );
    await db.execute(sql`delete from scheduled_sends where period in (${day}, ${week})`);

    const fmt = (ms: number[]) => ms.map((m) => `${Math.round(m)}`).join(' / ');
    const verdict = (ms: number[], target: number) => (Math.max(...ms) < target ? 'OK' : 'MISSED');
    const biggest = Math.max(...digests.value.map((d) => Buffer.byteLength(d.content)));
    const allDigests = digests.ms.map((m) => m + snapshot.ms);
    console.log(`\nday ${day} (${week}), ${runs} runs each (ms: run 1 / run 2 / …)\n`);
    console.log(
      markdownTable(
        ['measurement', 'ms', 'target', 'result', 'notes'],
        [
          [
            'all reminders of the day',
            fmt(reminders.ms),
            '< 5000',
            verdict(reminders.ms, 5000),
            `${chats} chat reminders, ${escalations} escalations`,
          ],
          [
            '  claim + enqueue them',
            fmt([claim.ms]),
            '',
            '',
            `${claim.value} sends claimed (not part of the target)`,
          ],
          [
            'one county digest',
            fmt(countyDigest.ms),
            '< 200',
            verdict(countyDigest.ms, 200),
            `${county!.unit.name}: ${countyDigest.value.children.length} townships, ${countyDigest.value.scope.total} tasks`,
          ],
          [
            'one township digest',
            fmt(townshipDigest.ms),
            '',
            '',
            `${townshipDigest.value.children.length} villages`,
          ],
          ['  snapshot what they show', fmt([snapshot.ms]), '', '', `${snapshot.value} units`],
          [
            "all leaders' digests (+ snapshot)",
            fmt(allDigests),
            '< 10000',
            verdict(allDigests, 10000),
            `${digests.value.length} digests, largest card ${biggest} B`,
          ],
          ['  claim + enqueue them', fmt([claimDigests.ms]), '', '', `${claimDigests.value} sends claimed`],
          [
            'peak RSS',
            mb(peakRss()),
            '< 500 MB',
            peakRss() < 500 * 1024 * 1024 ? 'OK' : 'MISSED',
            `after reminders ${mb(rssAfterReminders)}, after their claim ${mb(rssAfterClaim)}`,
          ],
        ],
      ),
    );
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
