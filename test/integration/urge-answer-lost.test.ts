import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

/**
 * A 督办 that Lark delivered but whose answer never came back (the connection dropped after Lark
 * posted it), until every attempt was used up. The page does not say it did not arrive, and pressing
 * again does not give the officers a second copy: within Lark's uuid hour the same uuid is answered
 * with the first message, after it the bot finds that message in the chat and takes it as sent.
 */
describe('督办 whose answer from Lark was lost', () => {
  let w: WebWorld;
  let leader: string;
  beforeAll(async () => {
    w = await createWebWorld('WL');
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    // Messages carry the bot's clock, so the chat's history and the bot agree on when a post landed.
    w.h.fake.useClock(() => w.clock.now());
  });
  afterAll(() => w?.close());

  const inChat = (chatId: string) => w.h.fake.sentMessages().filter((m) => m.receiveId === chatId);
  const page = async (path: string) => (await w.get(path, leader)).text();
  const press = async (unitId: number) => {
    const csrf = csrfOf(await page(`/units/${unitId}`))!;
    const res = await w.postUrge(leader, { unit: unitId, _csrf: csrf, back: `/units/${unitId}` });
    expect(res.status).toBe(200);
    return res.text();
  };
  const sendOf = async (chatId: string) => {
    const [s] = await queryRows<{ status: string; message_id: string | null }>(
      w.h.db.db,
      sql`select status, message_id from scheduled_sends where kind = 'urge' and target = ${chatId}`,
    );
    return s;
  };

  /** Pressed; Lark posts it but every answer is lost, until the queue gives up (closed as failed). */
  const pressAndLoseEveryAnswer = async (unitId: number, chatId: string) => {
    w.h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/messages', fault: { dropResponse: true } });
    expect(await press(unitId)).toContain('群里发出提醒');
    const jobKey = `urge:${chatId}:%`;
    await waitFor('the first attempt failed', async () => {
      const [j] = await queryRows<{ attempts: number; status: string }>(
        w.h.db.db,
        sql`select attempts, status from jobs where kind = 'scheduled-send' and key like ${jobKey}`,
      );
      return j?.status === 'pending' && j.attempts === 1;
    });
    expect(inChat(chatId)).toHaveLength(1);
    // The retries fail the same way (same uuid: Lark answers with the same message, and it is lost):
    // the queue's last attempt now.
    await w.h.db.db.execute(
      sql`update jobs set attempts = max_attempts - 1, run_at = ${w.clock.now()}
          where kind = 'scheduled-send' and key like ${jobKey} and status = 'pending'`,
    );
    w.h.bot.jobWorker.wake();
    expect(
      await waitFor(
        'the 督办 closed',
        () => sendOf(chatId),
        (s) => s?.status === 'failed',
      ),
    ).toMatchObject({
      status: 'failed',
    });
    w.h.fake.clearFaults();
    expect(inChat(chatId)).toHaveLength(1);
    const html = await page(`/units/${unitId}`);
    expect(html).toContain('督办可能已送达');
    expect(html).not.toContain('督办未送达');
    expect(html).toContain('再次督办');
  };

  it('pressed again within the hour: Lark answers the same uuid with the first message', async () => {
    const { village } = w.units;
    await pressAndLoseEveryAnswer(village.id, w.chats.village);
    expect(await press(village.id)).toContain('已在城关村的群里发出提醒');
    const sent = await waitFor(
      'the 督办 marked sent',
      () => sendOf(w.chats.village),
      (s) => s?.status === 'sent',
    );
    expect(inChat(w.chats.village)).toHaveLength(1);
    expect(sent!.message_id).toBe(inChat(w.chats.village)[0]!.messageId);
  });

  it('pressed again after Lark forgot the uuid: the first message is found in the chat, not sent twice', async () => {
    const { village2 } = w.units;
    await pressAndLoseEveryAnswer(village2.id, w.chats.village2);
    // An hour later Lark no longer knows the uuid: the same uuid would post a second message.
    await w.clock.advance(61 * 60_000);
    w.h.fake.forgetUuids();
    expect(await press(village2.id)).toContain('已在河口村的群里发出提醒');
    const sent = await waitFor(
      'the 督办 marked sent',
      () => sendOf(w.chats.village2),
      (s) => s?.status === 'sent',
    );
    await w.h.settle();
    expect(inChat(w.chats.village2)).toHaveLength(1);
    expect(sent!.message_id).toBe(inChat(w.chats.village2)[0]!.messageId);
    // It is the bot's message of that 督办: a reply to it files to its tasks like a reply to a reminder.
    const [bm] = await queryRows<{ purpose: string }>(
      w.h.db.db,
      sql`select purpose from bot_messages where message_id = ${sent!.message_id}`,
    );
    expect(bm).toEqual({ purpose: 'urge' });
    const after = await page(`/units/${village2.id}`);
    expect(after).toContain('今天已督办');
    expect(after).not.toContain('督办可能已送达');
    // Delivered: a third press is the same day's 督办.
    expect(await press(village2.id)).toContain('今天已经督办过');
    await w.h.settle();
    expect(inChat(w.chats.village2)).toHaveLength(1);
  });
});

/** Lark out of reach from the start (connection refused): nothing can have been posted. */
describe('督办 that could not reach Lark at all', () => {
  let w: WebWorld;
  let leader: string;
  beforeAll(async () => {
    w = await createWebWorld('WR');
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  });
  afterAll(async () => {
    await w?.h.fake.acceptConnections();
    await w?.close();
  });

  it('says 督办未送达, not that it may have arrived', async () => {
    const { village } = w.units;
    const page = async () => (await w.get(`/units/${village.id}`, leader)).text();
    const csrf = csrfOf(await page())!;
    await w.h.fake.refuseConnections();
    // Connections the bot kept open from before end with a reset, not a refusal: use them up first.
    await waitFor('Lark refusing connections', async () => {
      const err = await w.h.bot.deps.gateway.getMessage('om_none').then(
        () => undefined,
        (e: unknown) => e,
      );
      for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e)
        if (e.code === 'ECONNREFUSED') return true;
      return undefined;
    });
    const res = await w.postUrge(leader, { unit: village.id, _csrf: csrf, back: `/units/${village.id}` });
    expect(res.status).toBe(200);
    const jobKey = `urge:${w.chats.village}:%`;
    await waitFor('the first attempt failed', async () => {
      const [j] = await queryRows<{ attempts: number; status: string }>(
        w.h.db.db,
        sql`select attempts, status from jobs where kind = 'scheduled-send' and key like ${jobKey}`,
      );
      return j?.status === 'pending' && j.attempts === 1;
    });
    await w.h.db.db.execute(
      sql`update jobs set attempts = max_attempts - 1, run_at = ${w.clock.now()}
          where kind = 'scheduled-send' and key like ${jobKey} and status = 'pending'`,
    );
    w.h.bot.jobWorker.wake();
    await waitFor('the 督办 closed', async () => {
      const [s] = await queryRows<{ status: string }>(
        w.h.db.db,
        sql`select status from scheduled_sends where kind = 'urge' and target = ${w.chats.village}`,
      );
      return s?.status === 'failed';
    });
    await w.h.fake.acceptConnections();
    expect(w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village)).toEqual([]);
    const html = await page();
    expect(html).toContain('督办未送达');
    expect(html).not.toContain('督办可能已送达');
  });
});
