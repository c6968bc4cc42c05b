import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { claimDue, fail, finish, reclaimStale, releaseRow, renewLeases } from '../../src/db/repos/queue.js';
import { defineJob } from '../../src/domain/job-type.js';
import { ResourceUnavailableError } from '../../src/errors.js';
import { Metrics } from '../../src/metrics.js';
import { QueueWorker, type QueueWorkerOptions } from '../../src/worker/queue-worker.js';
import { ManualClock } from '../support/manual-clock.js';
import { interceptStatements } from '../support/intercept-statements.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A worker's sweep and its own rows (architecture §4.2): it never reclaims them as a dead worker's (a
 * stranded row goes back with its attempt, a running one stays), other workers still do once the lease
 * expired; and a release sent late (the database was away) never gives back a newer claim of its row.
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
      locked_at: Date | null;
    }>(tdb.db, sql`select status, attempts, locked_by, last_error, locked_at from jobs where key = ${key}`);
    return r;
  };
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

  it("a stranded row on its last attempt swept while one of the worker's own claims is on its way is given back at once with its attempt, not declared dead", async () => {
    await enqueue('own-run', ['run']);
    const started = gate();
    const finishRun = gate();
    const claimSent = gate();
    const reply = gate();
    let hold = false;
    const db = interceptStatements(tdb.db, (text, run) => {
      const result = run();
      if (hold && text.includes('with finished as')) {
        hold = false;
        // Committed (so the sweep below comes after it on any connection); its reply is held.
        return result.then(async (r) => {
          claimSent.open();
          await reply.opened;
          return r;
        });
      }
      return result;
    });
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
    // 'lost' was stamped before that claim was sent: it is not one of the rows the claim brings in.
    w.pause();
    expect(await w.sweep()).toBe(1);
    expect(await row('lost')).toMatchObject({ status: 'pending', attempts: 0, last_error: null });
    expect(dead).toEqual([]);
    reply.open();
    await w.idle();
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

  /**
   * x waits for a missing resource and its release failed (database away): it is left to release when
   * the resource is back. `late`: that release is held on its way until `releaseGo`.
   */
  const unreleasedRow = async (kind: string, workerId: string) => {
    const type = defineJob({ name: kind, payload: z.object({ n: z.string() }) });
    await enqueueJob(tdb.db, { type, key: 'x', payload: { n: 'x' }, runAt: clock.now() }, clock.now());
    const s = {
      failRelease: true,
      holdRelease: false,
      releases: 0,
      probeOk: false,
      attempts: [] as number[],
      running: 0,
      maxRunning: 0,
      releaseSent: gate(),
      releaseGo: gate(),
      releaseDone: gate(),
      second: gate(),
      finish: gate(),
    };
    const isRelease = (text: string) =>
      text.includes('attempts = greatest(attempts - 1, 0)') && text.includes('where id =');
    const db = interceptStatements(tdb.db, async (text, run) => {
      if (!isRelease(text)) return run();
      if (s.failRelease) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      s.releases++;
      if (!s.holdRelease) return run();
      s.holdRelease = false;
      s.releaseSent.open();
      await s.releaseGo.opened;
      const r = await run();
      s.releaseDone.open();
      return r;
    });
    const w = worker({
      db,
      workerId,
      concurrency: 3,
      maxAttempts: 5,
      recheckMaxMs: 1000,
      probe: async () => s.probeOk,
      handle: async (r) => {
        s.attempts.push(r.attempts);
        if (s.attempts.length === 1) throw new ResourceUnavailableError('disk_low', 'disk low');
        s.running++;
        s.maxRunning = Math.max(s.maxRunning, s.running);
        if (s.attempts.length === 2) s.second.open();
        await s.finish.opened;
        s.running--;
      },
    });
    w.start();
    await w.claimsDone();
    await w.idle();
    expect(w.waiting().map((x) => x.kind)).toEqual([kind]);
    expect(await row('x')).toMatchObject({ status: 'processing', locked_by: workerId, attempts: 1 });
    s.failRelease = false;
    return { w, s };
  };

  /**
   * x's work waits for a missing resource; its release commits but its reply is lost (`released`: it
   * committed; `replyLost`: the connection resets). `holdClaim`: the next claim commits and its reply
   * waits for `claimReply`. x's second run waits for `finishSecond`; `resent`: the release sent again.
   */
  const lostReleaseRow = async (kind: string, workerId: string) => {
    const type = defineJob({ name: kind, payload: z.object({ n: z.string() }) });
    await enqueueJob(tdb.db, { type, key: 'x', payload: { n: 'x' }, runAt: clock.now() }, clock.now());
    const s = {
      released: gate(),
      replyLost: gate(),
      resent: gate(),
      claimSent: gate(),
      claimReply: gate(),
      second: gate(),
      finishSecond: gate(),
      holdClaim: false,
      probeOk: false,
      attempts: [] as number[],
      running: 0,
      maxRunning: 0,
    };
    let loseReply = true;
    const db = interceptStatements(tdb.db, async (text, run) => {
      if (s.holdClaim && text.includes("set status = 'processing'")) {
        s.holdClaim = false;
        const r = await run();
        s.claimSent.open();
        await s.claimReply.opened;
        return r;
      }
      const isRelease = text.includes('attempts = greatest(attempts - 1, 0)') && text.includes('where id =');
      if (!isRelease) return run();
      const result = await run();
      if (loseReply) {
        // It committed; the connection drops before its reply arrives.
        loseReply = false;
        s.released.open();
        await s.replyLost.opened;
        throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      }
      s.resent.open();
      return result;
    });
    const w = worker({
      db,
      workerId,
      concurrency: 3,
      maxAttempts: 5,
      recheckMaxMs: 1000,
      probe: async () => s.probeOk,
      handle: async (r) => {
        s.attempts.push(r.attempts);
        if (s.attempts.length === 1) throw new ResourceUnavailableError('disk_low', 'disk low');
        s.running++;
        s.maxRunning = Math.max(s.maxRunning, s.running);
        s.second.open();
        await s.finishSecond.opened;
        s.running--;
      },
    });
    return { w, s };
  };

  it('a row whose release failed is given back with its attempt when the resource is back, and runs again', async () => {
    const { w, s } = await unreleasedRow('own-x0', 'w-x0');
    // The clock has not moved since x was claimed: the retried release still matches that claim.
    s.probeOk = true;
    await s.second.opened;
    expect(s.releases).toBe(1);
    expect(s.attempts).toEqual([1, 1]);
    s.finish.open();
    await w.idle();
    expect(await row('x')).toMatchObject({ status: 'done', attempts: 1 });
    await w.stop();
  });

  it('a row whose release failed and that the sweep gave back is not released again when the resource is back', async () => {
    const { w, s } = await unreleasedRow('own-x1', 'w-x1');
    // The wait lasts longer than the lease: the sweep gives x back (its claim ran nowhere any more).
    await clock.advance(61_000);
    expect(await w.sweep()).toBe(1);
    expect(await row('x')).toMatchObject({ status: 'pending', attempts: 0 });
    // The resource is back: the re-check sends no release for x, and its wake-up runs x again, once.
    s.probeOk = true;
    await s.second.opened;
    expect(s.releases).toBe(0);
    expect(s.attempts).toEqual([1, 1]);
    expect(await row('x')).toMatchObject({ status: 'processing', locked_by: 'w-x1', attempts: 1 });
    s.finish.open();
    await w.idle();
    expect(s.maxRunning).toBe(1);
    expect(await row('x')).toMatchObject({ status: 'done', attempts: 1 });
    await w.stop();
  });

  it('a release that failed, sent again late, does not give back a newer claim of the row by the same worker', async () => {
    const { w, s } = await unreleasedRow('own-x2', 'w-x2');
    await clock.advance(61_000);
    // The resource is back; the re-check's release of x is slow to reach the database …
    s.holdRelease = true;
    s.probeOk = true;
    await s.releaseSent.opened;
    // … and meanwhile the sweep gives x back (its lease expired) and a claim runs it again.
    expect(await w.sweep()).toBe(1);
    w.wake();
    await s.second.opened;
    expect(s.attempts).toEqual([1, 1]);
    s.releaseGo.open();
    await s.releaseDone.opened;
    // The late release belonged to the first claim: the one that runs x now keeps it.
    expect(await row('x')).toMatchObject({ status: 'processing', locked_by: 'w-x2', attempts: 1 });
    w.wake();
    await w.claimsDone();
    expect(s.attempts).toEqual([1, 1]);
    s.finish.open();
    await w.idle();
    expect(s.maxRunning).toBe(1);
    expect(await row('x')).toMatchObject({ status: 'done', attempts: 1 });
    await w.stop();
  });

  it("a claim's late release, finish or failure leaves a newer claim of the row by the same worker alone", async () => {
    await enqueue('own-again', ['again']);
    const [first] = await claimDue(tdb.db, 'jobs', 'w-again', 1, clock.now(), {});
    // Its renewals did not get through: another worker reclaimed the row, then this one claimed it again.
    await clock.advance(61_000);
    await reclaimStale(tdb.db, 'jobs', {
      now: clock.now(),
      leaseSeconds: 60,
      maxAttempts: 3,
      exceptHolder: 'w-b',
    });
    const [second] = await claimDue(tdb.db, 'jobs', 'w-again', 1, clock.now(), {});
    expect([first?.attempts, second?.attempts]).toEqual([1, 2]);
    const old = { id: first!.id, workerId: 'w-again', attempts: first!.attempts };
    expect(await releaseRow(tdb.db, 'jobs', old, clock.now())).toBe(false);
    expect(await finish(tdb.db, 'jobs', old, 'done', clock.now())).toBe(false);
    expect(await fail(tdb.db, 'jobs', old, { error: 'old', now: clock.now(), maxAttempts: 3 })).toBe('lost');
    expect(await row('again')).toMatchObject({ status: 'processing', locked_by: 'w-again', attempts: 2 });
    const current = { id: second!.id, workerId: 'w-again', attempts: second!.attempts };
    expect(await finish(tdb.db, 'jobs', current, 'done', clock.now())).toBe(true);
  });
  it("a release that committed but whose reply was lost, the row claimed again by the same worker before the loss was heard: the release sent again leaves the new claim alone, and the new claim's lease is renewed", async () => {
    const kind = 'own-lost-reply';
    const { w, s } = await lostReleaseRow(kind, 'w-lost-reply');
    w.start();
    await s.released.opened;
    // x is given back (attempt returned) and due: a claim of this worker runs it again at once.
    expect(await row('x')).toMatchObject({ status: 'pending', attempts: 0 });
    w.wake();
    await s.second.opened;
    expect(await row('x')).toMatchObject({ status: 'processing', locked_by: 'w-lost-reply', attempts: 1 });
    // Only now (a second later) does the first run hear that its release failed: x's kind waits.
    await clock.advance(1_000);
    s.replyLost.open();
    await waitFor('the kind waits', () => w.waiting().some((x) => x.kind === kind));
    // The run of the new claim goes on: its lease is renewed, and the sweep leaves it alone.
    await clock.advance(61_000);
    await w.renew();
    expect(await w.sweep()).toBe(0);
    expect(await row('x')).toMatchObject({ status: 'processing', locked_by: 'w-lost-reply', attempts: 1 });
    // The resource is back: the first claim's release is sent again and finds that claim gone.
    s.probeOk = true;
    await s.resent.opened;
    expect(await row('x')).toMatchObject({ status: 'processing', locked_by: 'w-lost-reply', attempts: 1 });
    s.finishSecond.open();
    await w.idle();
    expect(s.attempts).toEqual([1, 1]);
    expect(s.maxRunning).toBe(1);
    expect(await row('x')).toMatchObject({ status: 'done', attempts: 1 });
    await w.stop();
  });
  it("a claim's renewal, finish, failure or release that arrives late leaves a newer claim of the row by the same worker alone (with the same attempt count)", async () => {
    await enqueue('own-renew', ['r']);
    const at = (ms: number) => new Date(clock.now().getTime() + ms);
    const [first] = await claimDue(tdb.db, 'jobs', 'w-renew', 1, at(0), {});
    const old = { id: first!.id, workerId: 'w-renew', attempts: first!.attempts, claimedAt: at(0) };
    // Its work waits for a resource: the release commits (its reply is lost) and a claim takes r again …
    expect(await releaseRow(tdb.db, 'jobs', old, at(0))).toBe(true);
    const [second] = await claimDue(tdb.db, 'jobs', 'w-renew', 1, at(1), { leaseStamp: at(2) });
    expect(second?.attempts).toBe(first!.attempts);
    // … and the first claim's statements reach the database only now, stamped later than that claim.
    await renewLeases(tdb.db, 'jobs', 'w-renew', [{ id: old.id, claimedAt: old.claimedAt }], at(3));
    expect(await releaseRow(tdb.db, 'jobs', old, at(4))).toBe(false);
    expect(await finish(tdb.db, 'jobs', old, 'done', at(4))).toBe(false);
    expect(await fail(tdb.db, 'jobs', old, { error: 'old', now: at(4), maxAttempts: 3 })).toBe('lost');
    const [r] = await queryRows<{ status: string; attempts: number; locked_at: Date }>(
      tdb.db,
      sql`select status, attempts, locked_at from jobs where key = 'r'`,
    );
    expect(r).toMatchObject({ status: 'processing', attempts: 1 });
    expect(new Date(r!.locked_at).getTime()).toBe(at(2).getTime());
    // The new claim's own statements still match it.
    await renewLeases(tdb.db, 'jobs', 'w-renew', [{ id: old.id, claimedAt: at(2) }], at(5));
    const current = { ...old, claimedAt: at(2) };
    expect(await finish(tdb.db, 'jobs', current, 'done', at(6))).toBe(true);
  });

  it('stop() waits for the sweep in flight before it releases and resolves, and a sweep called after stop() began sends no statement', async () => {
    const isGiveBack = (text: string) => text.includes('attempts = greatest(attempts - 1, 0)');
    const isStranded = (text: string) => isGiveBack(text) && text.includes('locked_at <');
    const isRelease = (text: string) =>
      isGiveBack(text) && !text.includes('locked_at <') && !text.includes('where id =');
    const sent = gate();
    const go = gate();
    let hold = false;
    const texts: string[] = [];
    const db = interceptStatements(tdb.db, async (text, run) => {
      texts.push(text);
      if (hold && isStranded(text)) {
        hold = false;
        sent.open();
        await go.opened;
      }
      return run();
    });
    const w = worker({ db, workerId: 'w-stop-sweep', handle: async () => {} });
    w.start();
    await w.claimsDone();
    await w.idle();
    // A claim of this worker whose reply was lost: 's' runs nowhere, and its lease expires.
    await enqueue('own-stop-sweep', ['s']);
    await claimDue(tdb.db, 'jobs', 'w-stop-sweep', 1, clock.now(), {});
    await clock.advance(61_000);
    // The sweep timer's sweep: its statement giving 's' back is on its way when the bot shuts down.
    hold = true;
    const swept = w.sweep();
    await sent.opened;
    let stopped = false;
    const stopping = w.stop().then(() => void (stopped = true));
    // Everything stop() could do without the sweep's reply happens before the next turn of the loop.
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    expect(texts.filter(isRelease)).toEqual([]);
    go.open();
    await stopping;
    expect(await swept).toBe(1);
    expect(texts.filter(isRelease)).toHaveLength(1);
    expect(await row('s')).toMatchObject({ status: 'pending', attempts: 0, locked_by: null });
    // Stopped: a sweep (a timer's that fired late, or anybody's) sends nothing to the database.
    texts.length = 0;
    expect(await w.sweep()).toBe(0);
    expect(texts).toEqual([]);
  });

  it('a claim on its way for longer than the lease: the sweep leaves the rows it brings in alone, and they run once', async () => {
    await enqueue('own-slow-claim', ['late']);
    const sent = gate();
    const reply = gate();
    let hold = true;
    const db = interceptStatements(tdb.db, (text, run) => {
      const result = run();
      if (hold && text.includes("set status = 'processing'")) {
        // The claim commits; its reply is slow to come back (a stalled connection).
        hold = false;
        return result.then(async (r) => {
          sent.open();
          await reply.opened;
          return r;
        });
      }
      return result;
    });
    const ran: string[] = [];
    const w = worker({
      db,
      workerId: 'w-slow-claim',
      handle: async (r) => void ran.push((r.payload as { n: string }).n),
    });
    w.start();
    await sent.opened;
    await clock.advance(61_000);
    expect(await w.sweep()).toBe(0);
    expect(await row('late')).toMatchObject({ status: 'processing', locked_by: 'w-slow-claim', attempts: 1 });
    reply.open();
    await w.idle();
    expect(ran).toEqual(['late']);
    expect(await row('late')).toMatchObject({ status: 'done', attempts: 1 });
    await w.stop();
  });

  it("a renewal sent while a released row's new claim by the same worker is on its way does not let the old claim's retried release give back the new claim", async () => {
    const kind = 'own-renewal-window';
    const { w, s } = await lostReleaseRow(kind, 'w-window');
    w.start();
    // The first run's release committed; its reply is lost (heard later).
    await s.released.opened;
    // The worker claims x again (committed, reply on its way) ...
    s.holdClaim = true;
    w.wake();
    await s.claimSent.opened;
    // ... and its lease timer fires now, while the old run's release is still unheard: this renewal is
    // stamped after the new claim, and must not become what the old claim's retried release matches.
    await w.renew();
    s.claimReply.open();
    await s.second.opened;
    // Only now is the release's loss heard: x's kind waits, and the old claim's release is kept.
    s.replyLost.open();
    await waitFor('the kind waits', () => w.waiting().some((x) => x.kind === kind));
    // The resource is back before the next renewal: the old claim's release is sent again.
    s.probeOk = true;
    await s.resent.opened;
    await w.claimsDone();
    expect(await row('x')).toMatchObject({ status: 'processing', locked_by: 'w-window', attempts: 1 });
    s.finishSecond.open();
    await w.idle();
    expect(s.maxRunning).toBe(1);
    expect(s.attempts).toEqual([1, 1]);
    await w.stop();
  });

  it('a run waiting for a resource is given back even when a renewal committed after a claim still on its way', async () => {
    await enqueue('own-wait', ['r'], 1);
    const started = gate();
    const throwNow = gate();
    const claimSent = gate();
    const claimReply = gate();
    let holdClaim = false;
    const db = interceptStatements(tdb.db, async (text, run) => {
      if (holdClaim && text.includes("set status = 'processing'")) {
        holdClaim = false;
        const r = await run();
        claimSent.open();
        await claimReply.opened;
        return r;
      }
      return run();
    });
    const w = worker({
      db,
      workerId: 'w-a',
      concurrency: 3,
      maxAttempts: 1,
      probe: async () => false,
      handle: async () => {
        started.open();
        await throwNow.opened;
        throw new ResourceUnavailableError('disk_low', 'disk low');
      },
    });
    w.start();
    await started.opened;
    await w.claimsDone();
    // A claim round is on its way (slow reply) ...
    holdClaim = true;
    w.wake();
    await claimSent.opened;
    // ... when the lease timer renews r (stamped after that claim; committed).
    await clock.advance(20_000);
    await w.renew();
    // r's work now waits for the disk: its attempt should be given back at once.
    throwNow.open();
    await waitFor('the kind waits', () => w.waiting().some((x) => x.kind === 'own-wait'));
    const afterRelease = await row('r');
    claimReply.open();
    await w.claimsDone();
    // Another instance's sweep once the lease is over.
    await clock.advance(61_000);
    const dead: number[] = [];
    const other = worker({
      workerId: 'w-b',
      maxAttempts: 1,
      handle: async () => {},
      onDead: async (r) => void dead.push(r.id),
    });
    await other.sweep();
    expect({ afterRelease, dead, now: await row('r') }).toEqual({
      afterRelease: expect.objectContaining({ status: 'pending', attempts: 0 }),
      dead: [],
      now: expect.objectContaining({ status: 'pending', attempts: 0 }),
    });
    await w.stop();
  });

  it('a late renewal of a claim never moves its lease back behind a renewal sent after it', async () => {
    await enqueue('own-renew-order', ['r']);
    const t0 = clock.now().getTime();
    const at = (s: number) => new Date(t0 + s * 1000);
    const [c] = await claimDue(tdb.db, 'jobs', 'w', 1, at(0), { leaseStamp: at(0) });
    const run = [{ id: c!.id, claimedAt: at(0) }];
    await renewLeases(tdb.db, 'jobs', 'w', run, at(40));
    await renewLeases(tdb.db, 'jobs', 'w', run, at(20)); // sent at 20, arrives after the one sent at 40
    expect(new Date((await row('r'))!.locked_at!).getTime()).toBe(at(40).getTime());
  });

  it("a renewal delayed behind later ones does not let another worker's sweep reclaim a row whose work still runs", async () => {
    await enqueue('own-renew-run', ['r']);
    const started = gate();
    const finishRun = gate();
    const delayed = gate();
    const releaseDelayed = gate();
    let holdNext = false;
    const db = interceptStatements(tdb.db, async (text, run) => {
      if (holdNext && text.includes('set locked_at =')) {
        holdNext = false;
        delayed.open();
        await releaseDelayed.opened; // e.g. a stalled connection of the pool
      }
      return run();
    });
    const w = worker({
      db,
      workerId: 'w-a',
      handle: async () => {
        started.open();
        await finishRun.opened;
      },
    });
    w.start();
    await started.opened;
    await w.claimsDone();
    // t+20: the lease timer's renewal is sent, and stalls.
    await clock.advance(20_000);
    holdNext = true;
    const late = w.renew();
    await delayed.opened;
    // t+40, t+60, t+80: the next renewals go through.
    for (let i = 0; i < 3; i++) {
      await clock.advance(20_000);
      await w.renew();
    }
    // t+85: the stalled renewal (stamped t+20) lands.
    await clock.advance(5_000);
    releaseDelayed.open();
    await late;
    // Another instance sweeps: the row's work still runs and was renewed at t+80.
    const other = worker({ workerId: 'w-b', handle: async () => {} });
    await other.sweep();
    const now = await row('r');
    finishRun.open();
    await w.stop();
    expect(now).toMatchObject({ status: 'processing', locked_by: 'w-a' });
  });

  it('stop waits for a lease renewal in flight before it gives rows back (the bot closes the database next)', async () => {
    await enqueue('own-stop-renew', ['r']);
    const started = gate();
    const finishRun = gate();
    const stopCalled = gate();
    const order: string[] = [];
    let hold = false;
    let stopping = false;
    const db = interceptStatements(tdb.db, async (text, run) => {
      if (hold && text.includes('set locked_at =')) {
        hold = false;
        // Held until stop has begun and had every chance to go on without it (a turn of the event loop).
        await stopCalled.opened;
        await new Promise((r) => setImmediate(r));
        const r = await run();
        order.push('renewal answered');
        return r;
      }
      // The release of what is left (the start's sweep sends one like it).
      if (stopping && text.includes("set status = 'pending', attempts = greatest(attempts - 1, 0)"))
        order.push('release sent');
      return run();
    });
    const w = worker({
      db,
      workerId: 'w-stop-renew',
      handle: async () => {
        started.open();
        await finishRun.opened;
      },
    });
    w.start();
    w.wake();
    await started.opened;
    await w.claimsDone();
    // The lease timer's renewal is on its way when the run ends and shutdown begins.
    await clock.advance(20_000);
    hold = true;
    const renewal = w.renew();
    finishRun.open();
    await w.idle();
    stopping = true;
    const stopped = w.stop();
    stopCalled.open();
    await stopped;
    expect(order).toEqual(['renewal answered', 'release sent']);
    await renewal;
    expect(await row('r')).toMatchObject({ status: 'done', locked_by: null });
  });
});
