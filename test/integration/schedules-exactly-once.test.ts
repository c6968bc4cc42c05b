import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, queryRows } from '../../src/db/client.js';
import { listScheduleRuns } from '../../src/db/repos/schedule-runs.js';
import { claimSends } from '../../src/db/repos/schedule-sends.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { startHarness, type Harness } from '../support/harness.js';
import type { TestDb } from '../support/test-db.js';
import { waitFor } from '../support/wait-for.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

const SEND_PATH = '/open-apis/im/v1/messages';
const at = (iso: string) => new Date(iso).getTime();

describe('two schedulers on one database', () => {
  let w: SchedulesWorld;
  let h2: Harness;
  let db2: TestDb | undefined;
  beforeAll(async () => {
    w = await schedulesWorld('X2', '2026-11-26T08:00:00+08:00');
    // On PostgreSQL the second instance has its own connection pool; PGlite is one process.
    const second = w.h.db.url ? openPostgres(w.h.db.url, 4) : undefined;
    db2 = second && { ...second, shutDown: second.close };
    h2 = await startHarness({
      mode: 'webhook',
      clock: w.clock,
      db: db2 ?? w.h.db,
      fake: w.h.fake,
      env: { SCHEDULER_ENABLED: 'true' },
    });
  });
  afterAll(async () => {
    await h2?.close();
    await db2?.close();
    await w?.close();
  });

  it('send each reminder and escalation once, whichever instance claims the slot', async () => {
    await w.setDue(w.org.village, 'C04', '2026-11-25');
    await w.setDue('X212', 'C05', '2026-11-02'); // far past both thresholds
    const second = schedulerFor(h2.bot.deps, w.settings, {
      wakeJobs: () => h2.bot.jobWorker.wake(),
      instance: 'second-instance',
    });
    w.clock.set('2026-11-26T09:00:00+08:00');
    const now = w.clock.now();
    const results = await Promise.all([
      w.scheduler.runDue(now),
      second.runDue(now),
      w.scheduler.runDue(now),
      second.runDue(now),
    ]);
    const ran = results.flat().filter((r) => r.job === 'daily-reminders' && r.result === 'ran');
    expect(ran.length).toBeLessThanOrEqual(1); // (a real node-cron tick may have won it)
    await Promise.all([w.h.bot.servicesIdle(), h2.bot.servicesIdle()]);
    await Promise.all([w.h.settle(), h2.settle()]);
    await Promise.all([w.h.settle(), h2.settle()]);
    expect(w.sentTo(w.chats.village1)).toHaveLength(1);
    expect(w.sentTo(w.chats.village2)).toHaveLength(1);
    expect(w.sentTo(w.chats.township)).toHaveLength(0);
    expect(w.sentTo(w.townshipLeader)).toHaveLength(1);
    expect(w.sentTo(w.org.leader)).toHaveLength(1);
    const runs = (await listScheduleRuns(w.h.db.db, 'daily-reminders')).filter(
      (r) => r.slot.getTime() === at('2026-11-26T09:00:00+08:00'),
    );
    expect(runs).toEqual([expect.objectContaining({ status: 'done', attempts: 1 })]);
    // Every claimed send was sent exactly once, by one of the two job workers.
    const sends = await queryRows<{ status: string; n: number }>(
      w.h.db.db,
      sql`select status, count(*)::int as n from scheduled_sends where period = '2026-11-26' group by status`,
    );
    expect(sends).toEqual([{ status: 'sent', n: 4 }]);
  });

  it('a retried delivery of a message Lark already accepted posts nothing new (same uuid)', async () => {
    const [row] = await queryRows<{ id: number; message_id: string }>(
      w.h.db.db,
      sql`select id::int as id, message_id from scheduled_sends where period = '2026-11-26' and kind = 'reminder'
          order by id limit 1`,
    );
    // As if the process died after Lark answered but before the row was marked sent.
    await w.h.db.db.execute(sql`update scheduled_sends set status = 'pending' where id = ${row!.id}`);
    await w.h.db.db.execute(sql`insert into jobs (kind, key, payload, run_at, created_at)
      values ('scheduled-send', ${`retry-${row!.id}`}, ${JSON.stringify({ sendId: row!.id })}::jsonb, ${w.clock.now()}, ${w.clock.now()})`);
    const before = w.h.fake.sentMessages().length;
    await h2.settle();
    await w.h.settle();
    expect(w.h.fake.sentMessages()).toHaveLength(before);
    const [after] = await queryRows<{ status: string; message_id: string }>(
      w.h.db.db,
      sql`select status, message_id from scheduled_sends where id = ${row!.id}`,
    );
    expect(after).toEqual({ status: 'sent', message_id: row!.message_id });
  });
});

describe('restarts', () => {
  let w: SchedulesWorld;
  beforeAll(async () => {
    w = await schedulesWorld('XR', '2026-11-26T08:00:00+08:00');
    await w.setDue(w.org.village, 'C04', '2026-11-25');
  });
  afterAll(() => w?.close());

  it('a restart at 10:00 catches up the 09:00 run once', async () => {
    w.clock.set('2026-11-26T10:00:00+08:00');
    await w.h.restart();
    await waitFor('the caught-up reminder', () => w.sentTo(w.chats.village1).length === 1);
    await w.h.settle();
    await w.h.restart(); // stopping waits for the start-up tick of the instance stopped
    await w.h.restart();
    await w.h.bot.servicesIdle();
    await w.h.settle();
    expect(w.sentTo(w.chats.village1)).toHaveLength(1);
    const runs = (await listScheduleRuns(w.h.db.db, 'daily-reminders')).filter(
      (r) => r.slot.getTime() === at('2026-11-26T09:00:00+08:00'),
    );
    expect(runs).toEqual([expect.objectContaining({ status: 'done', attempts: 1 })]);
  });

  it('skips, with a record, runs missed on earlier days, and runs normally afterwards', async () => {
    // Down from Thursday evening to Monday 07:00: Friday's and the weekend's runs are not caught up.
    w.clock.set('2026-11-30T07:00:00+08:00');
    await w.h.restart();
    await w.h.restart();
    await w.h.bot.servicesIdle();
    await w.h.settle();
    expect(w.sentTo(w.chats.village1)).toHaveLength(1);
    const runs = await listScheduleRuns(w.h.db.db, 'daily-reminders');
    expect(runs.find((r) => r.slot.getTime() === at('2026-11-29T09:00:00+08:00'))?.status).toBe('missed');
    expect(runs.find((r) => r.slot.getTime() === at('2026-11-27T09:00:00+08:00'))).toBeUndefined();
    await w.runAt('2026-11-30T09:00:00+08:00');
    expect(w.sentTo(w.chats.village1)).toHaveLength(2);
  });

  it('a catch-up late in the evening sends nothing into quiet hours (the reminder expires)', async () => {
    w.clock.set('2026-12-01T20:30:00+08:00');
    await w.h.restart();
    await waitFor('the evening reminder to expire', async () => {
      const [r] = await queryRows<{ status: string }>(
        w.h.db.db,
        sql`select status from scheduled_sends where period = '2026-12-01' and kind = 'reminder'`,
      );
      return r?.status === 'expired';
    });
    expect(w.sentTo(w.chats.village1)).toHaveLength(2);
  });
});

describe('Lark rate limiting', () => {
  let w: SchedulesWorld;
  beforeAll(async () => {
    w = await schedulesWorld('XL', '2026-11-26T08:00:00+08:00');
    await w.setDue(w.org.village, 'C04', '2026-11-25');
  });
  afterAll(() => w?.close());

  it('a 429 delays the send until Lark says, and does not duplicate it', async () => {
    w.h.fake.inject({ method: 'POST', path: SEND_PATH, times: 1, fault: { status: 429, resetSeconds: 30 } });
    await w.runAt('2026-11-26T09:00:00+08:00');
    expect(w.sentTo(w.chats.village1)).toHaveLength(0);
    const [job] = await queryRows<{ status: string; run_at: Date; attempts: number }>(
      w.h.db.db,
      sql`select status, run_at, attempts from jobs where kind = 'scheduled-send' and key like ${`reminder:${w.chats.village1}:%`}`,
    );
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect(new Date(job!.run_at).getTime()).toBe(at('2026-11-26T09:00:30+08:00'));

    w.clock.set('2026-11-26T09:00:20+08:00');
    await w.h.settle();
    expect(w.sentTo(w.chats.village1)).toHaveLength(0);
    w.clock.set('2026-11-26T09:00:31+08:00');
    await w.h.settle();
    expect(w.sentTo(w.chats.village1)).toHaveLength(1);
    const posts = w.h.fake
      .callsTo('POST', SEND_PATH)
      .filter((c) => (c.json as any)?.receive_id === w.chats.village1);
    expect(posts).toHaveLength(2);
    expect(new Set(posts.map((c) => (c.json as any).uuid)).size).toBe(1);
  });

  it('a send that fails on every attempt ends as failed (logged, counted), not pending forever', async () => {
    const before = w.sentTo(w.chats.village1).length;
    w.h.fake.inject({ method: 'POST', path: SEND_PATH, fault: { status: 503 } });
    try {
      await w.runAt('2026-11-27T09:00:00+08:00');
      const key = `reminder:${w.chats.village1}:2026-11-27%`;
      const [job] = await queryRows<{ attempts: number; max_attempts: number; status: string }>(
        w.h.db.db,
        sql`select attempts, max_attempts, status from jobs where kind = 'scheduled-send' and key like ${key}`,
      );
      expect(job).toMatchObject({ attempts: 1, status: 'pending' });
      // Skip ahead to the queue's last attempt.
      await w.h.db.db.execute(
        sql`update jobs set attempts = max_attempts - 1, run_at = ${w.clock.now()}
            where kind = 'scheduled-send' and key like ${key}`,
      );
      w.h.bot.jobWorker.wake();
      await w.h.settle();
      const [send] = await queryRows<{ status: string; last_error: string }>(
        w.h.db.db,
        sql`select status, last_error from scheduled_sends where kind = 'reminder' and target = ${w.chats.village1} and period = '2026-11-27'`,
      );
      expect(send?.status).toBe('failed');
      expect(send?.last_error).toContain('gave up');
      expect(w.sentTo(w.chats.village1)).toHaveLength(before);
      const metrics = await (await fetch(`${w.h.bot.url}/metrics`)).text();
      expect(metrics).toMatch(/scheduled_messages_total\{outcome="failed"\} 1/);
    } finally {
      w.h.fake.clearFaults();
    }
  });

  it('spreads many sends over time at the configured rate instead of sending them at once', async () => {
    const startAt = new Date('2026-11-26T09:10:00+08:00');
    const sends = Array.from({ length: 1000 }, (_, i) => ({
      kind: 'reminder' as const,
      target: `oc_spread_${i}`,
      period: '2099-01-01',
      receiveIdType: 'chat_id' as const,
      receiveId: `oc_spread_${i}`,
      msgType: 'interactive' as const,
      content: '{}',
      taskIds: [],
      notAfter: new Date('2099-01-02T00:00:00Z'),
    }));
    expect(await claimSends(w.h.db.db, sends, { now: startAt, startAt, perSecond: 40 })).toBe(1000);
    expect(await claimSends(w.h.db.db, sends, { now: startAt, startAt, perSecond: 40 })).toBe(0);
    const perSecond = await queryRows<{ s: number; n: number }>(
      w.h.db.db,
      sql`select extract(epoch from run_at - ${startAt}::timestamptz)::int as s, count(*)::int as n from jobs
          where kind = 'scheduled-send' and key like 'reminder:oc_spread_%' group by 1 order by 1`,
    );
    expect(perSecond).toHaveLength(25);
    expect(Math.max(...perSecond.map((r) => r.n))).toBe(40);
    expect(perSecond.at(-1)).toEqual({ s: 24, n: 40 });
    await w.h.db.db.execute(sql`delete from jobs where key like 'reminder:oc_spread_%'`);
  });
});
