import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows, type Db } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { claimDue, finishAndClaim } from '../../src/db/repos/queue.js';
import { defineJob } from '../../src/domain/job-type.js';
import { Metrics } from '../../src/metrics.js';
import { QueueWorker, type QueueWorkerOptions } from '../../src/worker/queue-worker.js';
import { ManualClock } from '../support/manual-clock.js';
import { interceptStatements } from '../support/intercept-statements.js';
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
  /** A worker on `db` (default: the test's) with no polling: only wake-ups and refills claim. */
  const workerFor = (workerId: string, concurrency: number, handle: QueueWorkerOptions['handle'], db?: Db) =>
    new QueueWorker({
      db: db ?? tdb.db,
      table: 'jobs',
      clock,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics(),
      workerId,
      concurrency,
      maxAttempts: 3,
      leaseSeconds: 60,
      pollMs: 3_600_000,
      handle,
    });
  /** Rows left by earlier tests are not this test's: out of the way. */
  const only = (kinds: string[]) =>
    tdb.db.execute(
      sql`update jobs set status = 'done', locked_by = null
          where status <> 'done' and kind not in (${sql.join(
            kinds.map((k) => sql`${k}`),
            sql`, `,
          )})`,
    );
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    return { open, opened, done: false };
  };

  it('rows claimed by a finish that was under way when stop() began are given back, not run', async () => {
    await only(['fac-stop']);
    await enqueue('fac-stop', ['a', 'b']);
    const ran: string[] = [];
    const bGate = gate();
    let stopping: Promise<void> | undefined;
    const stopBegan = gate();
    // stop() begins while the statement that finishes 'a' and claims 'b' is on its way to the database.
    const racing = interceptStatements(tdb.db, (text, run) => {
      if (!stopping && text.includes('with finished as')) {
        stopping = worker.stop();
        stopBegan.open();
      }
      return run();
    });
    const worker = workerFor(
      'w-stop',
      1,
      async (row) => {
        ran.push((row.payload as { n: string }).n);
        if ((row.payload as { n: string }).n === 'b') await bGate.opened;
      },
      racing,
    );
    worker.start();
    worker.wake();
    await stopBegan.opened;
    await stopping;
    // Nothing runs after stop(): 'b' went back with its attempt, for the next start.
    expect(ran).toEqual(['a']);
    expect((await rowsOf('fac-stop')).map((r) => [r.key, r.status, r.attempts, r.locked_by])).toEqual([
      ['a', 'done', 1, null],
      ['b', 'pending', 0, null],
    ]);
    bGate.open();
    await worker.idle();
  });

  it('stop() waits for a claim round on its way; the rows it brings in are given back, not run', async () => {
    await only(['fac-round']);
    await enqueue('fac-round', ['a']);
    const ran: string[] = [];
    const claimSent = gate();
    const reply = gate();
    /** Statements sent after stop() was called, while the round's reply was held back. */
    const sentWhileHeld: string[] = [];
    let held = false;
    // The reply to the round's claim is held back until stop() has had its chance to release too early.
    const slowClaim = interceptStatements(tdb.db, (text, run) => {
      if (held) sentWhileHeld.push(text);
      const result = run();
      if (!claimSent.done && text.includes("set status = 'processing'")) {
        claimSent.done = true;
        held = true;
        claimSent.open();
        return result.then(async (r) => {
          await reply.opened;
          held = false;
          return r;
        });
      }
      return result;
    });
    const worker = workerFor(
      'w-round',
      1,
      async (row) => void ran.push((row.payload as { n: string }).n),
      slowClaim,
    );
    worker.start();
    await claimSent.opened;
    const stopping = worker.stop();
    await new Promise((r) => setImmediate(r));
    // stop() has not released anything under the round: it waits for the round's reply.
    expect(sentWhileHeld).toEqual([]);
    reply.open();
    await stopping;
    expect(ran).toEqual([]);
    expect((await rowsOf('fac-round')).map((r) => [r.key, r.status, r.attempts, r.locked_by])).toEqual([
      ['a', 'pending', 0, null],
    ]);
  });

  it('a row claimed under the worker id that runs nowhere (a lost reply) is not renewed: it expires and runs once', async () => {
    await only(['fac-strand']);
    const ran: string[] = [];
    const started = gate();
    const finishRun = gate();
    const worker = workerFor('w-strand', 2, async (row) => {
      const n = (row.payload as { n: string }).n;
      ran.push(n);
      if (n === 'run') {
        started.open();
        await finishRun.opened;
      }
    });
    // A finish-and-claim whose reply was lost left 'lost' claimed under this worker, in no work in flight.
    await enqueue('fac-strand', ['lost']);
    const [lost] = await claimDue(tdb.db, 'jobs', 'w-strand', 1, clock.now(), {});
    expect(lost?.payload).toEqual({ n: 'lost' });
    await enqueue('fac-strand', ['run']);
    worker.start();
    worker.wake();
    await started.opened;
    await worker.claimsDone();
    await clock.advance(61_000);
    await worker.renew();
    // The work in flight kept its lease; the stranded row expired and went back with its attempt.
    expect(await worker.sweep()).toBe(1);
    expect((await rowsOf('fac-strand')).map((r) => [r.key, r.status, r.attempts, r.locked_by])).toEqual([
      ['lost', 'pending', 0, null],
      ['run', 'processing', 1, 'w-strand'],
    ]);
    finishRun.open();
    await worker.idle();
    await worker.stop();
    expect(ran).toEqual(['run', 'lost']);
    expect((await rowsOf('fac-strand')).map((r) => [r.key, r.status, r.attempts, r.locked_by])).toEqual([
      ['lost', 'done', 1, null],
      ['run', 'done', 1, null],
    ]);
  });

  it('background jobs held back while foreground rows ran are claimed when the last of them finishes', async () => {
    await only(['fac-fg', 'fac-bg']);
    await enqueue('fac-fg', ['1', '2']);
    await enqueue('fac-bg', ['g'], 'last');
    const ran: string[] = [];
    const fg = gate();
    const worker = workerFor('w-bg', 2, async (row) => {
      if (row.type === 'fac-fg') await fg.opened;
      ran.push((row.payload as { n: string }).n);
    });
    worker.start();
    worker.wake();
    await worker.claimsDone();
    // Both foreground rows finish together; each finish's claim holds the thumbnail back (the other runs).
    fg.open();
    await worker.idle();
    await worker.stop();
    expect(ran.sort()).toEqual(['1', '2', 'g']);
    expect((await rowsOf('fac-bg')).map((r) => [r.status, r.attempts])).toEqual([['done', 1]]);
  });
});
