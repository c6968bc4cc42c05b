import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { claimDue, fail, finish, renewLeases } from '../../src/db/repos/queue.js';
import { commandEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';

describe('event worker: retries, dead letters and the sweeper', () => {
  let h: Harness;
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({
      mode: 'webhook',
      clock,
      env: { WORKER_LEASE_SECONDS: '60', WORKER_MAX_ATTEMPTS: '3' },
    });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const row = async (eventId: string) =>
    (
      await queryRows<{ status: string; attempts: number; last_error: string | null }>(
        h.db.db,
        sql`select status, attempts, last_error from inbound_events where event_id = ${eventId}`,
      )
    )[0];

  it('recovers an event whose worker died mid-processing', async () => {
    const ev = commandEvent({ appId: h.fake.appId, botOpenId: h.fake.botOpenId, text: '帮助' });
    // Keep the live worker from taking it first: record while a "crashed" worker claims it.
    await h.bot.eventWorker.stop();
    expect((await h.post(ev)).status).toBe(200);
    const claimed = await claimDue(h.db.db, 'inbound_events', 'crashed-worker', 10, clock.now());
    expect(claimed.map((r) => (r.payload as { header: { event_id: string } }).header.event_id)).toContain(
      ev.header.event_id,
    );
    expect((await row(ev.header.event_id))?.status).toBe('processing');
    h.bot.eventWorker.start();
    await h.settle();
    expect((await row(ev.header.event_id))?.status).toBe('processing'); // still leased to the dead worker

    clock.advance(61_000);
    expect(await h.bot.eventWorker.sweep()).toBeGreaterThanOrEqual(1);
    await h.settle();
    const after = await row(ev.header.event_id);
    expect(after?.status).toBe('done');
    expect(after?.last_error).toBeNull();
    expect(h.fake.sentMessages().filter((m) => m.replyTo === ev.event.message.message_id)).toHaveLength(1);
  });

  it('a worker whose lease was taken over cannot overwrite the new holder; live work renews its lease', async () => {
    await h.bot.eventWorker.stop();
    const ev = messageEvent({ appId: h.fake.appId, msgType: 'text', content: { text: '普通消息' } });
    expect((await h.post(ev)).status).toBe(200);
    const [a] = await claimDue(h.db.db, 'inbound_events', 'slow-worker', 1, clock.now());
    // The slow worker renews while it works: the sweeper leaves the row alone.
    clock.advance(45_000);
    await renewLeases(h.db.db, 'inbound_events', 'slow-worker', clock.now());
    clock.advance(45_000);
    expect(await h.bot.eventWorker.sweep()).toBe(0);
    // It stops renewing (frozen): the lease expires and another worker takes the row.
    clock.advance(61_000);
    expect(await h.bot.eventWorker.sweep()).toBe(1);
    const [b] = await claimDue(h.db.db, 'inbound_events', 'new-holder', 1, clock.now());
    expect(b?.id).toBe(a!.id);
    // The frozen worker wakes up and reports: nothing of the new holder's claim is touched.
    const late = { id: a!.id, attempts: a!.attempts, workerId: 'slow-worker' };
    expect(
      await fail(h.db.db, 'inbound_events', late, { error: 'late', now: clock.now(), maxAttempts: 3 }),
    ).toBe('lost');
    expect(await finish(h.db.db, 'inbound_events', late, 'done', clock.now())).toBe(false);
    expect((await row(ev.header.event_id))?.status).toBe('processing');
    expect(
      await finish(h.db.db, 'inbound_events', { id: b!.id, workerId: 'new-holder' }, 'done', clock.now()),
    ).toBe(true);
    h.bot.eventWorker.start();
  });

  it('retries a failed reply with backoff, then succeeds once', async () => {
    const ev = commandEvent({ appId: h.fake.appId, botOpenId: h.fake.botOpenId, text: '帮助' });
    h.fake.inject({ method: 'POST', path: /\/reply$/, times: 1, fault: { status: 500 } });
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    const failed = await row(ev.header.event_id);
    expect(failed?.status).toBe('pending');
    expect(failed?.last_error).toMatch(/500/);
    clock.advance(3_600_000);
    await h.settle();
    expect((await row(ev.header.event_id))?.status).toBe('done');
    expect(h.fake.sentMessages().filter((m) => m.replyTo === ev.event.message.message_id)).toHaveLength(1);
  });

  it('puts a malformed event in the dead-letter state at once, visible on /metrics', async () => {
    const ev = messageEvent({ appId: h.fake.appId });
    delete (ev.event.message as any).chat_id;
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    const dead = await row(ev.header.event_id);
    expect(dead?.status).toBe('dead');
    expect(dead?.last_error).toMatch(/chat_id/);
    const metrics = await (await fetch(`${h.bot.url}/metrics`)).text();
    expect(metrics).toMatch(/queue_inbound_events_rows\{status="dead"\} [1-9]/);
  });
});
