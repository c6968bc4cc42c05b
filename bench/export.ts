/**
 * npm run bench:export — how fast does the transfer-package export stream a year's files, compared
 * with a raw `cp -r` of the same files on the same disk in the same run, and how much memory does it
 * take? Targets: ≥ 80% of cp's speed, peak RSS < 300 MB.
 *
 * Env knobs:
 *   BENCH_ITEMS (10000)        items (件), one PDF each
 *   BENCH_ITEM_KB (200)        size of each PDF
 *   BENCH_DB (auto)            pglite | postgres (auto: PostgreSQL when BENCH_PG_URL is reachable)
 *   BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test) admin URL for a throw-away database
 *   BENCH_CONCURRENCY (unset)  --concurrency of the export (records in flight; its default when unset)
 *   BENCH_KEEP (unset)         keep the temp folder (prints its path)
 *   BENCH_EXPORT_NODE_ARGS     extra Node options for the export process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'
 *   BENCH_PDF_ITEMS, BENCH_PDF_PAGES, BENCH_WAV_ITEMS: the conversion costs (bench/lib/conversion-costs.ts)
 * The export runs as the operator runs it: `node dist/cli/export.js` (what `npm run export` starts;
 * dist/ is built first when stale) in a process of its own, timed from its start to its exit; its
 * peak RSS and CPU time are read from /proc. The same process started for a unit that does not exist
 * (settings, database, every module the export imports, then exit) gives the RSS before any export.
 * After them, the floor (bench/lib/copy-floor.ts): the export's copy threads alone over the same
 * files, copying and hashing, then hashing without writing: the most any export that hashes every
 * byte can reach on this machine.
 * The two copies and the export stay until the end (about four times the data on the temp disk), so
 * none of them is measured right after a mass deletion (see `cp` below).
 * Exit code 0 even when a target is missed (printed as MISSED); non-zero only on errors.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { openDb, openPostgres, type Database } from '../src/db/client.js';
import { migrate, migratePostgresUrl } from '../src/db/migrate.js';
import { conversionCostLines } from './lib/conversion-costs.js';
import { cpuBetween, sampleCpu } from './lib/cpu-usage.js';
import { BENCH_ARCHIVE_YAML, generateExportData } from './lib/export-data.js';
import { runExportCli } from './lib/export-process.js';
import { measureFloor } from './lib/copy-floor.js';
import { createDatabase, dropDatabase, reachable, withDatabase } from './lib/postgres-admin.js';

const run = promisify(execFile);
const num = (name: string, def: number): number => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const items = num('BENCH_ITEMS', 10_000);
const itemBytes = num('BENCH_ITEM_KB', 200) * 1024;
const concurrency = process.env.BENCH_CONCURRENCY ? num('BENCH_CONCURRENCY', 8) : undefined;
const pgAdmin = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgUrl = new URL(pgAdmin);
const dbKind =
  process.env.BENCH_DB === 'pglite' || process.env.BENCH_DB === 'postgres'
    ? process.env.BENCH_DB
    : (await reachable(pgUrl.hostname, Number(pgUrl.port || 5432)))
      ? 'postgres'
      : 'pglite';
const log = (s: string) => process.stderr.write(`${s}\n`);
const secs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const mb = (n: number) => n / 1024 / 1024;
const repo = join(import.meta.dirname, '..');

async function timed(cmd: string, args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(cmd, args, { maxBuffer: 1 << 20 });
  return secs(t0);
}

const root = mkdtempSync(join(tmpdir(), 'bench-export-'));
const dataDir = join(root, 'data');
let pgName: string | undefined;
try {
  let database: Database;
  let dbUrl: string | undefined;
  if (dbKind === 'postgres') {
    const u = new URL(pgAdmin);
    if (!(await reachable(u.hostname, Number(u.port || 5432))))
      throw new Error(`PostgreSQL not reachable at ${pgAdmin}`);
    pgName = `bench_export_${process.pid}`;
    await createDatabase(pgAdmin, pgName);
    dbUrl = withDatabase(pgAdmin, pgName);
    await migratePostgresUrl(dbUrl);
    database = openPostgres(dbUrl, 4);
  } else {
    database = await openDb({ dataDir });
    await migrate(database);
  }
  log(`generating ${items} items × ${itemBytes / 1024} KB in ${root} (${dbKind}) …`);
  const t0 = process.hrtime.bigint();
  const data = await generateExportData(database.db, join(dataDir, 'files'), {
    items,
    itemBytes,
    onProgress: (n) => n % 2000 === 0 && log(`  ${n}`),
  });
  await database.close();
  await run('sync', []);
  log(`generated ${mb(data.bytes).toFixed(0)} MB and confirmed in ${secs(t0).toFixed(1)} s`);

  // Each copy is timed twice: until the command returns (page cache) and until `sync` has put the
  // bytes on the disk (durable) — the disk's raw copy speed. No copy is removed before the others have
  // run (the temp folder goes at the end): on ext4 without a journal (this machine's disk) a file
  // created within a minute of many deletions costs the kernel a search past every recently freed
  // inode, which made a `cp -r` right after removing the last one take twice the system time.
  const syncSecs = async () => timed('sync', []);
  const cpTimes: { cache: number; durable: number }[] = [];
  const cp = async (i: number) => {
    const target = join(root, `cp-${i}`);
    const cache = await timed('cp', ['-r', join(dataDir, 'files', 'blobs'), target]);
    cpTimes.push({ cache, durable: cache + (await syncSecs()) });
  };
  // The export as the operator runs it, on the files and database just made.
  execFileSync(process.execPath, [join(repo, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  const yamlPath = join(root, 'archive.yaml');
  writeFileSync(yamlPath, stringify(BENCH_ARCHIVE_YAML));
  const env = {
    DATA_DIR: dataDir,
    ARCHIVE_CONFIG: yamlPath,
    TZ: 'Asia/Shanghai',
    LOG_LEVEL: 'warn',
    ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
  };
  const out = join(root, 'export');
  const exportArgs = (unit: string) => [
    '--unit',
    unit,
    '--year',
    String(data.year),
    '--out',
    out,
    ...(concurrency ? ['--concurrency', String(concurrency)] : []),
  ];
  // Start-up, settings, database and every module the export imports, then "no such unit".
  const idle = await runExportCli(repo, exportArgs('NO-SUCH-UNIT'), env);
  if (idle.code === 0 || !idle.stderr.includes('找不到单位')) throw new Error(`baseline run: ${idle.stderr}`);
  rmSync(out, { recursive: true, force: true });

  await cp(1);
  const cpuBefore = sampleCpu([]);
  const res = await runExportCli(repo, exportArgs(data.unitCode), env);
  // The export process is gone by now: what the machine did besides it and this bench is the others'.
  const cpuAfter = sampleCpu([]);
  const shareWithoutExport = cpuBetween(cpuBefore, cpuAfter, cpus().length);
  const wallTicks = (cpuAfter.total - cpuBefore.total) / cpus().length;
  const cpuShare = {
    ours: (res.cpuS * 100) / wallTicks,
    others: Math.max(0, shareWithoutExport.others - (res.cpuS * 100) / wallTicks),
  };
  if (res.code !== 0 && res.code !== 1) throw new Error(`export exit ${res.code}: ${res.stderr}`);
  const exportCache = res.wallS;
  const exportDurable = exportCache + (await syncSecs());
  await cp(2);
  // What no export can drop, on the same files in the same run: the ceiling of the ratio.
  const floor = await measureFloor(join(dataDir, 'files', 'blobs'), join(root, 'floor'));

  const cpCache = Math.min(...cpTimes.map((t) => t.cache));
  const cpDurable = Math.min(...cpTimes.map((t) => t.durable));
  const ratioCache = cpCache / exportCache;
  const ratioDurable = cpDurable / exportDurable;
  const ok = (b: boolean) => (b ? 'OK' : 'MISSED');
  const rate = (s: number) =>
    `${(data.items / s).toFixed(0)} items/s, ${(mb(data.bytes) / s).toFixed(0)} MB/s`;
  const fourProperties = /四性检测：(.*)/.exec(res.stdout)?.[1] ?? `exit ${res.code}`;
  const lines = [
    `| measure | value |`,
    `|---|---|`,
    `| database | ${dbKind} |`,
    `| items / data | ${data.items} / ${mb(data.bytes).toFixed(0)} MB |`,
    `| export process (\`node dist/cli/export.js\`), start to exit | ${exportCache.toFixed(2)} s — ${rate(exportCache)} |`,
    `| export, until on disk (+ sync) | ${exportDurable.toFixed(2)} s — ${rate(exportDurable)} |`,
    `| cp -r, page cache (best of ${cpTimes.length}) | ${cpCache.toFixed(2)} s — ${(mb(data.bytes) / cpCache).toFixed(0)} MB/s (${cpTimes.map((t) => t.cache.toFixed(2)).join(', ')}) |`,
    `| cp -r, on disk (+ sync, best of ${cpTimes.length}) | ${cpDurable.toFixed(2)} s — ${(mb(data.bytes) / cpDurable).toFixed(0)} MB/s (${cpTimes.map((t) => t.durable.toFixed(2)).join(', ')}) |`,
    `| export / cp speed, on disk | ${(ratioDurable * 100).toFixed(0)}% (target ≥ 80%: ${ok(ratioDurable >= 0.8)}) |`,
    `| export / cp speed, page cache only | ${(ratioCache * 100).toFixed(0)}% (${ok(ratioCache >= 0.8)}) |`,
    `| floor: the export's copy threads alone (read, SHA-256, write each file; no database, metadata or report) | ${floor.copyHash.cache.toFixed(2)} s, on disk ${floor.copyHash.durable.toFixed(2)} s: ${((cpDurable / floor.copyHash.durable) * 100).toFixed(0)}% of cp on disk, the most any export that hashes every byte could reach |`,
    `| the same threads reading and hashing every file, writing nothing | ${floor.hashOnly.toFixed(2)} s |`,
    `| export peak RSS | ${res.peakRssMb.toFixed(0)} MB (target < 300 MB: ${ok(res.peakRssMb < 300)}); the same process without an export (start, settings, database, modules): ${idle.peakRssMb.toFixed(0)} MB |`,
    `| export CPU (user + system, all threads) | ${res.cpuS.toFixed(1)} s = ${((res.cpuS / data.items) * 1000).toFixed(2)} ms per item |`,
    `| CPU during the export | ours ${cpuShare.ours.toFixed(1)} cores, other processes ${cpuShare.others.toFixed(1)} cores, of ${cpus().length} |`,
    `| 四性 check in export | ${fourProperties} |`,
    `| load average (1 min) at end | ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs |`,
  ];
  console.log(lines.join('\n'));
  console.log(await conversionCostLines(root));
} finally {
  if (pgName && !process.env.BENCH_KEEP) await dropDatabase(pgAdmin, pgName).catch(() => {});
  if (process.env.BENCH_KEEP) log(`kept ${root}${pgName ? ` and database ${pgName}` : ''}`);
  else rmSync(root, { recursive: true, force: true });
}
