import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { defineJob } from '../../src/domain/job-type.js';
import { Metrics } from '../../src/metrics.js';
import { QueueWorker, type QueueWorkerOptions } from '../../src/worker/queue-worker.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** What the handler writes as its result: a job row of this kind (never due), keyed by the handled job's kind. */
const RESULT = defineJob({ name: 'finish-probe', payload: z.object({}) });
const writeResult = (tx: Parameters<Parameters<TestDb['db']['transaction']>[0]>[0], kind: string) =>
  enqueueJob(tx, { type: RESULT, key: kind, payload: {}, runAt: new Date('2100-01-01') }, new Date(0));

/** A handler may mark its row done in its own last transaction: the row changes with the result, or not at all. */
describe('a job finished inside its handler transaction', () => {
  let tdb: TestDb;
  const clock = new ManualClock(new Date('2026-12-04T10:00:00Z'));
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(() => tdb.close());

  const runOnce = async (kind: string, handle: QueueWorkerOptions['handle']) => {
    const type = defineJob({ name: kind, payload: z.object({}) });
    await enqueueJob(
      tdb.db,
      { type, key: 'k', payload: {}, runAt: clock.now(), maxAttempts: 3 },
      clock.now(),
    );
    const metrics = new Metrics();
    const warnings: string[] = [];
    const worker = new QueueWorker({
      db: tdb.db,
      table: 'jobs',
      clock,
      logger: pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) }),
      metrics,
      workerId: `w-${kind}`,
      concurrency: 1,
      maxAttempts: 3,
      leaseSeconds: 60,
      handle,
    });
    worker.start();
    worker.wake();
    await worker.claimsDone();
    await worker.idle();
    await worker.stop();
    const [row] = await queryRows<{ status: string; attempts: number; locked_by: string | null }>(
      tdb.db,
      sql`select status, attempts, locked_by from jobs where kind = ${kind}`,
    );
    const probes = await queryRows<{ job: string }>(
      tdb.db,
      sql`select key as job from jobs where kind = ${RESULT.name} and key = ${kind}`,
    );
    return { row: row!, probes: probes.length, metrics, warnings };
  };

  it('commits the result and the done row together, and the worker does not finish it again', async () => {
    const { row, probes, metrics, warnings } = await runOnce('in-tx-ok', async (_row, _log, done) => {
      await tdb.db.transaction(async (tx) => {
        await writeResult(tx, 'in-tx-ok');
        await done.finishIn(tx);
      });
    });
    expect(row).toEqual({ status: 'done', attempts: 1, locked_by: null });
    expect(probes).toBe(1);
    expect(metrics.value('queue_processed_total', { table: 'jobs', outcome: 'done' })).toBe(1);
    // A second finish by the worker would find the row no longer its own, and say so.
    expect(warnings).toEqual([]);
  });

  it('a transaction that rolls back after finishIn leaves the job to be retried, its result unwritten', async () => {
    const { row, probes } = await runOnce('in-tx-rollback', async (_row, _log, done) => {
      await tdb.db.transaction(async (tx) => {
        await writeResult(tx, 'in-tx-rollback');
        await done.finishIn(tx);
        throw new Error('the last write failed');
      });
    });
    expect(row).toEqual({ status: 'pending', attempts: 1, locked_by: null });
    expect(probes).toBe(0);
  });
});
