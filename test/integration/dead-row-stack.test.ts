import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { z } from 'zod';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { defineJob } from '../../src/domain/job-type.js';
import { DomainError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { QueueWorker } from '../../src/worker/queue-worker.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** What a dead row tells the operator: the stack of an unexpected error, the plain message of ours. */
describe('last_error of a dead row', () => {
  let db: TestDb;
  const clock = new ManualClock(new Date('2026-03-02T01:00:00Z'));
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  const runOnce = async (kind: string, thrown: () => Error) => {
    const type = defineJob({ name: kind, payload: z.object({}) });
    await enqueueJob(db.db, { type, key: 'k', payload: {}, runAt: clock.now(), maxAttempts: 1 }, clock.now());
    const worker = new QueueWorker({
      db: db.db,
      table: 'jobs',
      clock,
      logger: silentLogger(),
      metrics: new Metrics(),
      workerId: `test-${kind}`,
      concurrency: 1,
      maxAttempts: 1,
      leaseSeconds: 60,
      handle: async () => {
        throw thrown();
      },
    });
    worker.start();
    worker.wake();
    await worker.idle();
    await worker.stop();
    const [row] = await queryRows<{ status: string; last_error: string }>(
      db.db,
      sql`select status, last_error from jobs where kind = ${kind}`,
    );
    return row!;
  };

  it('an unexpected error keeps its (scrubbed, storable) stack', async () => {
    const row = await runOnce('test-unexpected', () => {
      const err = new TypeError('cannot read properties of undefined (reading "x\u0000")');
      err.stack = `${err.name}: ${err.message}\n    at handleThing (/app/src/usecases/thing.ts:12:5)\n    at run (/app/src/worker/queue-worker.ts:270:7)`;
      return err;
    });
    expect(row.status).toBe('dead');
    expect(row.last_error).toBe(
      'TypeError: cannot read properties of undefined (reading "x\ufffd")\n' +
        '  at handleThing (/app/src/usecases/thing.ts:12:5)\n' +
        '  at run (/app/src/worker/queue-worker.ts:270:7)',
    );
  });

  it('our own errors (a DomainError, a Lark refusal) keep their plain message', async () => {
    const row = await runOnce('test-domain', () => new DomainError('no_such_unit', '找不到单位 V9'));
    expect(row).toEqual({ status: 'dead', last_error: 'DomainError: 找不到单位 V9' });
  });
});
