import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';
import { smallPhoto } from './capture-helpers.js';

/**
 * A burst reply is recorded as about to be sent before it is sent (issue 12, point 7): when the
 * database fails between Lark accepting the reply and the bot recording it, the retries repeat the
 * same uuid (Lark drops the repeats) and, once Lark's hour could be over, it is never sent again.
 */
describe('a burst reply is sent at most once, even when recording it fails', () => {
  let h: Harness;
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock, env: { BURST_QUIET_SECONDS: '2' } });
  });
  afterAll(() => h.close());

  /** Recording the reply (ack_message_id) fails, as in an outage right after the send. */
  const failRecordingReplies = async () => {
    await h.db.db.execute(
      sql.raw(`create or replace function test_fail_ack() returns trigger language plpgsql as $$
        begin if new.ack_message_id is not null then raise exception 'injected failure'; end if;
        return new; end $$`),
    );
    await h.db.db.execute(
      sql.raw(`create trigger test_fail_ack before update on bursts
        for each row execute function test_fail_ack()`),
    );
  };
  const statuses = async (table: 'materials' | 'jobs', kind?: string) =>
    (
      await queryRows<{ status: string }>(
        h.db.db,
        kind
          ? sql`select status from ${sql.identifier(table)} where kind = ${kind}`
          : sql`select status from ${sql.identifier(table)}`,
      )
    ).map((r) => r.status);
  const settleUntil = (what: string, ok: () => boolean | Promise<boolean>) =>
    waitFor(what, async () => {
      await h.settle();
      return ok();
    });
  const replyCalls = (messageId: string) =>
    h.fake.callsTo('POST', new RegExp(`/messages/${messageId}/reply$`)).map((c) => (c.json as any).uuid);

  it('retries repeat one uuid; a reply first claimed over 50 minutes ago is not sent again', async () => {
    await failRecordingReplies();
    const ev = messageEvent({
      appId: h.fake.appId,
      createTimeMs: clock.now().getTime(),
      msgType: 'image',
      content: { image_key: 'img_once' },
    });
    const id = ev.event.message.message_id;
    h.fake.addResource({ messageId: id, fileKey: 'img_once', bytes: await smallPhoto('png') });
    expect((await h.post(ev)).status).toBe(200);
    // Each step waits for what it leads to: a settle on a loaded machine can return before a job
    // that just fell due has run (the reply then first claimed at the next step, not 50 minutes ago).
    await settleUntil('the photo stored', async () => (await statuses('materials')).includes('stored'));
    // The quiet window ends, the reply goes out, recording it fails; then two retries after backoff.
    clock.advance(3_000);
    await settleUntil('the first reply', () => replyCalls(id).length >= 1);
    const [claim] = await queryRows<{ at: string | Date }>(
      h.db.db,
      sql`select ack_claimed_at as at from bursts`,
    );
    const claimedAt = new Date(claim!.at).getTime();
    for (let retry = 1; retry <= 2; retry++) {
      clock.advance(10 * 60_000);
      await settleUntil(`retry ${retry}`, () => replyCalls(id).length >= retry + 1);
    }
    const uuids = replyCalls(id);
    expect(uuids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(uuids).size).toBe(1);
    // Lark showed the chat one reply (the repeats carried the same uuid).
    expect(h.fake.sentMessages().filter((m) => m.replyTo === id)).toHaveLength(1);
    const [burst] = await queryRows<{ ack_claimed_at: unknown; ack_message_id: string | null }>(
      h.db.db,
      sql`select ack_claimed_at, ack_message_id from bursts`,
    );
    expect(burst).toMatchObject({ ack_message_id: null });
    expect(burst!.ack_claimed_at).not.toBeNull();

    // Past Lark's uuid hour (since the first claim): not sent again, whatever the retries.
    await settleUntil(
      'the reply job waiting for its next retry',
      async () => (await statuses('jobs', 'ack-burst')).join() === 'pending',
    );
    const before = replyCalls(id).length;
    clock.advance(claimedAt + 51 * 60_000 - clock.now().getTime());
    await settleUntil('the reply job done', async () =>
      (await statuses('jobs', 'ack-burst')).includes('done'),
    );
    expect(replyCalls(id)).toHaveLength(before);
    expect(h.bot.metrics.value('bursts_ack_abandoned_total')).toBe(1);
    await h.db.db.execute(sql.raw('drop trigger if exists test_fail_ack on bursts'));
  });
});
