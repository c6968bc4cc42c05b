import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows, type Db } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { claimDue } from '../../src/db/repos/queue.js';
import { defineJob } from '../../src/domain/job-type.js';
import { Metrics } from '../../src/metrics.js';
import { QueueWorker, type QueueWorkerOptions } from '../../src/worker/queue-worker.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * A worker's sweep and its own rows (architecture §4.2): it never reclaims them as a dead worker's (a
 * stranded row goes back with its attempt, a running one stays), other workers still do once the lease
 * expired.
 */
describe('queue worker: its own rows', () => {
  let tdb: TestDb;
  const clock = new ManualClock(new Date('2026-12-04T10:00:00Z'));
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(() => tdb.close());
  beforeEach(async () => {
    await tdb.db.execute(sql`delete from jobs`);
  });

  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    return { open, opened };
  };
  const enqueue = async (kind: string, keys: string[], maxAttempts?: number) => {
    const type = defineJob({ name: kind, payload: z.object({ n: z.string() }) });
    for (const key of keys)
      await enqueueJob(
        tdb.db,
        { type, key, payload: { n: key }, runAt: clock.now(), ...(maxAttempts ? { maxAttempts } : {}) },
        clock.now(),
      );
  };
  const row = async (key: string) => {
    const [r] = await queryRows<{
      status: string;
      attempts: number;
      locked_by: string | null;
      last_error: string | null;
    }>(tdb.db, sql`select status, attempts, locked_by, last_error from jobs where key = ${key}`);
    return r;
  };
  /** The SQL text a statement sends (to recognise it in a proxied database). */
  const textOf = (target: Db, q: Parameters<Db['execute']>[0]) =>
    (target as unknown as { dialect: { sqlToQuery(q: unknown): { sql: string } } }).dialect.sqlToQuery(q).sql;
  const worker = (o: Partial<QueueWorkerOptions> & Pick<QueueWorkerOptions, 'workerId' | 'handle'>) =>
    new QueueWorker({
      db: tdb.db,
      table: 'jobs',
      clock,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics(),
      concurrency: 2,
      maxAttempts: 3,
      leaseSeconds: 60,
      pollMs: 3_600_000,
      ...o,
    });

  it("a stranded row on its last attempt swept while one of the worker's own claims is on its way is not declared dead; the next sweep gives it back with its attempt", async () => {
    await enqueue('own-run', ['run']);
    const started = gate();
    const finishRun = gate();
    const claimSent = gate();
    const reply = gate();
    let hold = false;
    const db = new Proxy(tdb.db, {
      get(target, prop) {
        if (prop !== 'execute') return Reflect.get(target, prop, target);
        return (q: Parameters<Db['execute']>[0]) => {
          const result = target.execute(q);
          if (hold && textOf(target, q).includes('with finished as')) {
            hold = false;
            claimSent.open();
            return result.then(async (r) => {
              await reply.opened;
              return r;
            });
          }
          return result;
        };
      },
    }) as Db;
    const dead: number[] = [];
    const ran: string[] = [];
    const w = worker({
      db,
      workerId: 'w-own',
      handle: async (r) => {
        const n = (r.payload as { n: string }).n;
        ran.push(n);
        if (n === 'run') {
          started.open();
          await finishRun.opened;
        }
      },
      onDead: async (r) => void dead.push(r.id),
    });
    w.start();
    w.wake();
    await started.opened;
    await w.claimsDone();
    // A claim whose reply was lost left 'lost' (on its last attempt) claimed under this worker's id.
    await enqueue('own-lost', ['lost'], 1);
    const [lost] = await claimDue(tdb.db, 'jobs', 'w-own', 1, clock.now(), {});
    expect(lost?.payload).toEqual({ n: 'lost' });
    await clock.advance(61_000);
    await w.renew();
    // The running row finishes; its finish-and-claim is on its way when the sweep runs.
    hold = true;
    finishRun.open();
    await claimSent.opened;
    expect(await w.sweep()).toBe(0);
    expect(await row('lost')).toMatchObject({ status: 'processing', locked_by: 'w-own', last_error: null });
    expect(dead).toEqual([]);
    reply.open();
    await w.idle();
    // No claim on its way now: the sweep gives it back, its attempt returned (it never ran).
    w.pause();
    expect(await w.sweep()).toBe(1);
    expect(await row('lost')).toMatchObject({ status: 'pending', attempts: 0, last_error: null });
    expect(dead).toEqual([]);
    expect(ran).toEqual(['run']);
    await w.stop();
  });

  it("a running row whose lease expired (its renewal did not get through) is not reclaimed by the worker's own sweep", async () => {
    await enqueue('own-slow', ['slow']);
    const started = gate();
    const finishRun = gate();
    let runs = 0;
    const w = worker({
      workerId: 'w-slow',
      handle: async () => {
        runs++;
        started.open();
        await finishRun.opened;
      },
    });
    w.start();
    await started.opened;
    await clock.advance(61_000);
    expect(await w.sweep()).toBe(0);
    expect(await row('slow')).toMatchObject({ status: 'processing', locked_by: 'w-slow', attempts: 1 });
    finishRun.open();
    await w.idle();
    expect(await row('slow')).toMatchObject({ status: 'done', attempts: 1, last_error: null });
    expect(runs).toBe(1);
    await w.stop();
  });

  it("another worker (another instance, or this process restarted) reclaims a hung worker's expired rows, and declares the last attempt dead", async () => {
    await enqueue('own-hung', ['a']);
    await enqueue('own-hung-last', ['b'], 1);
    const claimed = await claimDue(tdb.db, 'jobs', 'w-hung', 2, clock.now(), {});
    expect(claimed).toHaveLength(2);
    const dead: number[] = [];
    const other = worker({
      workerId: 'w-other',
      handle: async () => {},
      onDead: async (r) => void dead.push(r.id),
    });
    // Not before the lease expired: the hung worker may yet renew.
    expect(await other.sweep()).toBe(0);
    await clock.advance(61_000);
    expect(await other.sweep()).toBe(2);
    expect(await row('a')).toMatchObject({
      status: 'pending',
      attempts: 1,
      locked_by: null,
      last_error: 'worker lease expired (worker died or hung)',
    });
    expect(await row('b')).toMatchObject({ status: 'dead', attempts: 1 });
    expect(dead).toEqual([claimed.find((r) => (r.payload as { n: string }).n === 'b')!.id]);
  });
});
