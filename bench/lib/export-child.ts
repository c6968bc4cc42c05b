/**
 * Runs one export in its own process (so its peak RSS is the export's own) and prints one JSON line.
 * Env: BENCH_DATA_DIR (PGlite folder and files/), BENCH_DB_URL (PostgreSQL instead of PGlite),
 * BENCH_OUT (bag folder), BENCH_CONCURRENCY, BENCH_UNIT, BENCH_YEAR.
 */
import { join } from 'node:path';
import { openDb } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { systemClock } from '../../src/ports/clock.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { BENCH_ARCHIVE_CONFIG } from './export-data.js';

const env = process.env;
const dataDir = env.BENCH_DATA_DIR!;
const database = await openDb({ databaseUrl: env.BENCH_DB_URL || undefined, dataDir, maxConnections: 4 });
let peak = process.memoryUsage.rss();
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
try {
  const unit = await getUnitByCode(database.db, env.BENCH_UNIT ?? 'BV');
  if (!unit) throw new Error('bench unit missing');
  (globalThis as any).gc?.();
  const memBefore = process.memoryUsage();
  const rssBefore = process.memoryUsage.rss();
  const started = process.hrtime.bigint();
  const res = await exportTransferPackage(
    {
      db: database.db,
      blobs: new LocalBlobStore(join(dataDir, 'files'), { minFreeBytes: 0 }),
      clock: systemClock,
      config: BENCH_ARCHIVE_CONFIG,
      timeZone: 'Asia/Shanghai',
      concurrency: Number(env.BENCH_CONCURRENCY ?? 8),
    },
    { unitId: unit.id, year: Number(env.BENCH_YEAR ?? 2025), outDir: env.BENCH_OUT! },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  console.log(
    JSON.stringify({
      ms,
      records: res.records,
      files: res.files,
      bytes: res.bytes,
      passed: res.report.passed,
      failures: res.report.failures.length,
      firstFailure: res.report.failures[0]?.message,
      rssBeforeMb: rssBefore / 1024 / 1024,
      peakRssMb: Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      heapBeforeMb: Math.round(memBefore.heapUsed / 1048576),
      heapAfterMb: ((globalThis as any).gc?.(), Math.round(process.memoryUsage().heapUsed / 1048576)),
    }),
  );
} finally {
  clearInterval(sampler);
  await database.close();
}
