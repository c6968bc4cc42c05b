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
    // The live worker claims nothing (paused, not stopped: a stopped worker's sweep does nothing), and
    // its sweep stands for another worker's.
    h.bot.eventWorker.pause();
    const ev = messageEvent({ appId: h.fake.appId, msgType: 'text', content: { text: '普通消息' } });
    expect((await h.post(ev)).status).toBe(200);
    const claimedAt = clock.now();
    const [a] = await claimDue(h.db.db, 'inbound_events', 'slow-worker', 1, claimedAt);
    // The slow worker renews while it works: the sweeper leaves the row alone.
    clock.advance(45_000);
    await renewLeases(h.db.db, 'inbound_events', 'slow-worker', [{ id: a!.id, claimedAt }], clock.now());
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

  it('a photo whose recording fails is not done: its event is retried and records it once', async () => {
    // The database refuses the first material (a trigger, once): the message, its burst, the material,
    // its download job and the event's own "done" are one transaction, so none of them stays.
    await h.db.db.execute(sql`create sequence refuse_material_once`);
    await h.db.db.execute(
      sql.raw(`create function refuse_material_once() returns trigger language plpgsql as $$
        begin
          if nextval('refuse_material_once') = 1 then raise exception 'refused for the test'; end if;
          return new;
        end $$`),
    );
    await h.db.db.execute(
      sql`create trigger refuse_material_once before insert on materials
          for each row execute function refuse_material_once()`,
    );
    try {
      const key = 'img_refused_once';
      const ev = messageEvent({
        appId: h.fake.appId,
        createTimeMs: clock.now().getTime(),
        msgType: 'image',
        content: { image_key: key },
      });
      const messageId = ev.event.message.message_id;
      h.fake.addResource({
        messageId,
        fileKey: key,
        bytes: Buffer.from('photo bytes'),
        contentType: 'image/jpeg',
      });
      const recorded = () =>
        queryRows<{ messages: number; materials: number; jobs: number; stored: number }>(
          h.db.db,
          sql`select (select count(*) from messages where message_id = ${messageId})::int as messages,
                (select count(*) from materials where message_id = ${messageId})::int as materials,
                (select count(*) from jobs j join materials m on j.kind = 'download-material' and j.key = m.id::text
                  where m.message_id = ${messageId})::int as jobs,
                (select count(*) from materials where message_id = ${messageId} and status = 'stored')::int as stored`,
        ).then((r) => r[0]!);
      expect((await h.post(ev)).status).toBe(200);
      await h.settle();
      const failed = await row(ev.header.event_id);
      expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
      expect(failed?.last_error).toMatch(/refused for the test/);
      expect(await recorded()).toEqual({ messages: 0, materials: 0, jobs: 0, stored: 0 });

      clock.advance(3_600_000);
      await h.settle();
      expect(await row(ev.header.event_id)).toMatchObject({ status: 'done', attempts: 2, last_error: null });
      expect(await recorded()).toEqual({ messages: 1, materials: 1, jobs: 1, stored: 1 });
    } finally {
      await h.db.db.execute(sql`drop trigger refuse_material_once on materials`);
      await h.db.db.execute(sql`drop function refuse_material_once()`);
      await h.db.db.execute(sql`drop sequence refuse_material_once`);
    }
  });

  it("a chat's first message records the chat; its last message time is written at most once a minute", async () => {
    const chatId = 'oc_activity_chat';
    const say = async (text: string) => {
      const ev = messageEvent({
        appId: h.fake.appId,
        chatId,
        createTimeMs: clock.now().getTime(),
        msgType: 'text',
        content: { text },
      });
      expect((await h.post(ev)).status).toBe(200);
      await h.settle();
      expect((await row(ev.header.event_id))?.status).toBe('done');
    };
    const lastMessageAt = async () =>
      (
        await queryRows<{ at: Date | string }>(
          h.db.db,
          sql`select last_message_at as at from chats where chat_id = ${chatId} and active`,
        )
      ).map((r) => new Date(r.at).getTime());
    const first = clock.now().getTime();
    await say('第一条');
    expect(await lastMessageAt()).toEqual([first]);
    clock.advance(30_000);
    await say('半分钟后'); // within the minute: the chat's row is not written again
    expect(await lastMessageAt()).toEqual([first]);
    clock.advance(31_000);
    const third = clock.now().getTime();
    await say('一分钟后');
    expect(await lastMessageAt()).toEqual([third]);
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
