import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { claimDue, finishAndClaim } from '../../src/db/repos/queue.js';
import { defineJob } from '../../src/domain/job-type.js';
import { Metrics } from '../../src/metrics.js';
import { QueueWorker } from '../../src/worker/queue-worker.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** A worker refills the slot a finishing row leaves in the statement that finishes it. */
describe('finishing a queue row and claiming the next in one statement', () => {
  let tdb: TestDb;
  const clock = new ManualClock(new Date('2026-12-04T10:00:00Z'));
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(() => tdb.close());

  const enqueue = async (kind: string, keys: string[], priority?: 'first' | 'last') => {
    const type = defineJob({
      name: kind,
      payload: z.object({ n: z.string() }),
      ...(priority ? { priority } : {}),
    });
    for (const key of keys)
      await enqueueJob(tdb.db, { type, key, payload: { n: key }, runAt: clock.now() }, clock.now());
  };
  const rowsOf = (kind: string) =>
    queryRows<{ key: string; status: string; attempts: number; locked_by: string | null }>(
      tdb.db,
      sql`select key, status, attempts, locked_by from jobs where kind = ${kind} order by id`,
    );

  it('finishes the row when it is still ours and claims due rows for the same worker, up to the limit', async () => {
    await enqueue('fac-a', ['1', '2', '3', '4']);
    const [first] = await claimDue(tdb.db, 'jobs', 'w1', 1, clock.now(), { skipTypes: ['fac-other'] });
    expect(first?.payload).toEqual({ n: '1' });
    const res = await finishAndClaim(
      tdb.db,
      'jobs',
      { id: first!.id, workerId: 'w1' },
      'done',
      clock.now(),
      2,
    );
    expect(res.finished).toBe(true);
    expect(res.claimed.map((r) => [r.payload, r.attempts, r.type])).toEqual([
      [{ n: '2' }, 1, 'fac-a'],
      [{ n: '3' }, 1, 'fac-a'],
    ]);
    expect(await rowsOf('fac-a')).toEqual([
      { key: '1', status: 'done', attempts: 1, locked_by: null },
      { key: '2', status: 'processing', attempts: 1, locked_by: 'w1' },
      { key: '3', status: 'processing', attempts: 1, locked_by: 'w1' },
      { key: '4', status: 'pending', attempts: 0, locked_by: null },
    ]);
    // Nothing left to claim but row 4: the claim part takes it, the finish part reports the row.
    const again = await finishAndClaim(
      tdb.db,
      'jobs',
      { id: res.claimed[0]!.id, workerId: 'w1' },
      'done',
      clock.now(),
      5,
    );
    expect(again.finished).toBe(true);
    expect(again.claimed.map((r) => r.payload)).toEqual([{ n: '4' }]);
  });

  it('a row another worker took over is not finished by its old holder; the claim still takes due rows', async () => {
    await enqueue('fac-b', ['1', '2']);
    const [row] = await claimDue(tdb.db, 'jobs', 'old', 1, clock.now(), { skipTypes: ['fac-a'] });
    // The lease expired and another worker took the row over.
    await tdb.db.execute(sql`update jobs set locked_by = 'new' where id = ${row!.id}`);
    const res = await finishAndClaim(
      tdb.db,
      'jobs',
      { id: row!.id, workerId: 'old' },
      'done',
      clock.now(),
      1,
      {
        skipTypes: ['fac-a'],
      },
    );
    expect(res.finished).toBe(false);
    expect(res.claimed.map((r) => r.payload)).toEqual([{ n: '2' }]);
    expect(await rowsOf('fac-b')).toEqual([
      { key: '1', status: 'processing', attempts: 1, locked_by: 'new' },
      { key: '2', status: 'processing', attempts: 1, locked_by: 'old' },
    ]);
  });

  it('with nothing due it finishes the row and claims nothing; background jobs wait while the worker stays busy', async () => {
    await enqueue('fac-c', ['busy', 'next']);
    await enqueue('fac-c-thumb', ['bg'], 'last');
    const [row] = await claimDue(tdb.db, 'jobs', 'w3', 1, clock.now(), { skipTypes: ['fac-a', 'fac-b'] });
    expect(row?.payload).toEqual({ n: 'busy' });
    // Still busy with foreground work: only due-long-ago background jobs may be claimed.
    /** Worker w3 finishes row `id` and claims up to 5 (never the other tests' types). */
    const finish = (id: number, lastDueBy?: Date) =>
      finishAndClaim(tdb.db, 'jobs', { id, workerId: 'w3' }, 'done', clock.now(), 5, {
        skipTypes: ['fac-a', 'fac-b'],
        ...(lastDueBy ? { lastDueBy } : {}),
      });
    const held = await finish(row!.id, new Date(clock.now().getTime() - 300_000));
    expect(held.claimed.map((r) => r.payload)).toEqual([{ n: 'next' }]);
    const free = await finish(held.claimed[0]!.id);
    expect(free.claimed.map((r) => [r.payload, r.background])).toEqual([[{ n: 'bg' }, true]]);
    const last = await finish(free.claimed[0]!.id);
    expect(last).toEqual({ finished: true, claimed: [] });
  });

  it('a worker with one slot runs a queue of jobs to its end from one wake-up, each once, in order', async () => {
    const keys = ['1', '2', '3', '4', '5', '6'];
    await enqueue('fac-run', keys);
    const ran: string[] = [];
    const worker = new QueueWorker({
      db: tdb.db,
      table: 'jobs',
      clock,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics(),
      workerId: 'w-run',
      concurrency: 1,
      maxAttempts: 3,
      leaseSeconds: 60,
      // No polling during the test: only the wake-up and the refills claim.
      pollMs: 3_600_000,
      handle: async (row) => {
        if (row.type === 'fac-run') ran.push((row.payload as { n: string }).n);
      },
    });
    // The rows left by the other tests are not this test's: take them out of the way first.
    await tdb.db.execute(sql`update jobs set status = 'done' where kind <> 'fac-run' and status <> 'done'`);
    worker.start();
    worker.wake();
    await worker.claimsDone();
    await worker.idle();
    await worker.stop();
    expect(ran).toEqual(keys);
    expect((await rowsOf('fac-run')).map((r) => [r.status, r.attempts, r.locked_by])).toEqual(
      keys.map(() => ['done', 1, null]),
    );
  });
});
