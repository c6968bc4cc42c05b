import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { cardActionEvent } from '../support/events.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

/**
 * A web world for one describe (its units' chats under `prefix`), signed in as the leader, with the
 * helpers every case here uses: the chat's messages, a page, a 督办 press, the send's row, and a press
 * whose every attempt fails until the queue gives up.
 */
function urgeWorld(prefix: string, opts: { larkClock?: boolean } = {}) {
  const u = {} as { w: WebWorld; leader: string };
  beforeAll(async () => {
    u.w = await createWebWorld(prefix);
    u.leader = await u.w.signIn({ openId: u.w.org.leader, name: '赵书记' });
    // Messages carry the bot's clock, so the chat's history and the bot agree on when a post landed.
    if (opts.larkClock) u.w.h.fake.useClock(() => u.w.clock.now());
  });
  afterAll(async () => {
    await u.w?.h.fake.acceptConnections();
    await u.w?.close();
  });

  const inChat = (chatId: string) => u.w.h.fake.sentMessages().filter((m) => m.receiveId === chatId);
  const page = async (path: string) => (await u.w.get(path, u.leader)).text();
  const press = async (unitId: number) => {
    const csrf = csrfOf(await page(`/units/${unitId}`))!;
    const res = await u.w.postUrge(u.leader, { unit: unitId, _csrf: csrf, back: `/units/${unitId}` });
    expect(res.status).toBe(200);
    return res.text();
  };
  const sendOf = async (chatId: string) => {
    const [s] = await queryRows<{ status: string; message_id: string | null }>(
      u.w.h.db.db,
      sql`select status, message_id from scheduled_sends where kind = 'urge' and target = ${chatId}`,
    );
    return s;
  };
  /** Pressed (`pressIt`) while Lark fails every attempt the same way, until the queue gives up (failed). */
  const failEveryAttempt = async (chatId: string, pressIt: () => Promise<unknown>) => {
    await pressIt();
    const jobKey = `urge:${chatId}:%`;
    await waitFor('the first attempt failed', async () => {
      const [j] = await queryRows<{ attempts: number; status: string }>(
        u.w.h.db.db,
        sql`select attempts, status from jobs where kind = 'scheduled-send' and key like ${jobKey}`,
      );
      return j?.status === 'pending' && j.attempts === 1;
    });
    // The retries fail the same way: the queue's last attempt now.
    await u.w.h.db.db.execute(
      sql`update jobs set attempts = max_attempts - 1, run_at = ${u.w.clock.now()}
          where kind = 'scheduled-send' and key like ${jobKey} and status = 'pending'`,
    );
    u.w.h.bot.jobWorker.wake();
    await waitFor(
      'the 督办 closed',
      () => sendOf(chatId),
      (s) => s?.status === 'failed',
    );
  };
  /** An hour later (Lark has forgotten the uuid), pressed again: the send once it is marked sent. */
  const pressAfterLarkForgot = async (unitId: number, chatId: string, unitName: string) => {
    await u.w.clock.advance(61 * 60_000);
    u.w.h.fake.forgetUuids();
    expect(await press(unitId)).toContain(`督办已安排发送到${unitName}的群里`);
    const sent = await waitFor(
      'the 督办 marked sent',
      () => sendOf(chatId),
      (s) => s?.status === 'sent',
    );
    await u.w.h.settle();
    return sent!;
  };
  return { u, inChat, page, press, sendOf, failEveryAttempt, pressAfterLarkForgot };
}

/**
 * A 督办 that Lark delivered but whose answer never came back (the connection dropped after Lark
 * posted it), until every attempt was used up. The page does not say it did not arrive, and pressing
 * again does not give the officers a second copy: within Lark's uuid hour the same uuid is answered
 * with the first message, after it the bot finds that message in the chat and takes it as sent.
 */
describe('督办 whose answer from Lark was lost', () => {
  const { u, inChat, page, press, sendOf, failEveryAttempt, pressAfterLarkForgot } = urgeWorld('WL', {
    larkClock: true,
  });

  /** Pressed; Lark posts it but every answer is lost (same uuid: the same message), until the queue gives up. */
  const pressAndLoseEveryAnswer = async (unitId: number, chatId: string) => {
    u.w.h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/messages', fault: { dropResponse: true } });
    await failEveryAttempt(chatId, async () => expect(await press(unitId)).toContain('督办已安排发送到'));
    u.w.h.fake.clearFaults();
    expect(inChat(chatId)).toHaveLength(1);
    const html = await page(`/units/${unitId}`);
    expect(html).toContain('督办可能已送达');
    expect(html).not.toContain('督办未送达');
    expect(html).toContain('再次督办');
    // Its confirm says a press looks in the chat first (before: that the bot posts one now).
    expect(html).toContain('data-confirm="确定督办？上次的督办可能已在群里，机器人会先查看，群里没有才发。"');
    // The village's own 督办 buttons (no task): none posts at once. (An overdue row's 督办 of its task is
    // another 督办, its own that day: it posts.)
    const villageForms = [...html.matchAll(/<form[^>]*action="\/urge"[^>]*>[\s\S]*?<\/form>/g)]
      .map((m) => m[0])
      .filter((f) => !f.includes('name="task"'));
    expect(villageForms.length).toBeGreaterThan(0);
    for (const f of villageForms) expect(f).not.toContain('机器人会马上在群里发一条督办消息');
  };

  it('pressed again within the hour: Lark answers the same uuid with the first message', async () => {
    const { village } = u.w.units;
    await pressAndLoseEveryAnswer(village.id, u.w.chats.village);
    expect(await press(village.id)).toContain('督办已安排发送到城关村的群里');
    const sent = await waitFor(
      'the 督办 marked sent',
      () => sendOf(u.w.chats.village),
      (s) => s?.status === 'sent',
    );
    expect(inChat(u.w.chats.village)).toHaveLength(1);
    expect(sent!.message_id).toBe(inChat(u.w.chats.village)[0]!.messageId);
  });

  it('pressed again after Lark forgot the uuid: the first message is found in the chat, not sent twice', async () => {
    const { village2 } = u.w.units;
    await pressAndLoseEveryAnswer(village2.id, u.w.chats.village2);
    // An hour later Lark no longer knows the uuid: the same uuid would post a second message.
    const sent = await pressAfterLarkForgot(village2.id, u.w.chats.village2, '河口村');
    expect(inChat(u.w.chats.village2)).toHaveLength(1);
    expect(sent.message_id).toBe(inChat(u.w.chats.village2)[0]!.messageId);
    // It is the bot's message of that 督办: a reply to it files to its tasks like a reply to a reminder.
    const [bm] = await queryRows<{ purpose: string }>(
      u.w.h.db.db,
      sql`select purpose from bot_messages where message_id = ${sent.message_id}`,
    );
    expect(bm).toEqual({ purpose: 'urge' });
    const after = await page(`/units/${village2.id}`);
    expect(after).toContain('今天已督办');
    expect(after).not.toContain('督办可能已送达');
    // Delivered: a third press is the same day's 督办.
    expect(await press(village2.id)).toContain('今天已经督办过');
    await u.w.h.settle();
    expect(inChat(u.w.chats.village2)).toHaveLength(1);
  });
});

/**
 * A 督办 Lark answered 502 without posting it (so the bot cannot know it was not delivered), while other
 * cards of the bot reached the same chat: the lost 督办 is not mistaken for them, and when Lark will
 * not show the chat's history the leader is told to look instead of 「可能已送达」 for good.
 */
describe('督办 whose answer was lost, and other cards in the chat', () => {
  const { u, inChat, page, press, sendOf, failEveryAttempt, pressAfterLarkForgot } = urgeWorld('WU', {
    larkClock: true,
  });

  /** Pressed; every post is answered 502 without Lark posting it, until the queue gives up. */
  const pressAndFailUnsure = async (unitId: number, chatId: string) => {
    u.w.h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/messages', fault: { status: 502 } });
    await failEveryAttempt(chatId, async () => expect(await press(unitId)).toContain('督办已安排发送到'));
    u.w.h.fake.clearFaults();
    expect(inChat(chatId)).toEqual([]);
    expect(await page(`/units/${unitId}`)).toContain('督办可能已送达');
  };

  it("a unit's detail card tapped for in the chat meanwhile is not taken for the lost 督办", async () => {
    const { village } = u.w.units;
    await pressAndFailUnsure(village.id, u.w.chats.village);
    // An officer taps 查看全部 on an older reminder card (no web pages then): the village's detail card
    // goes into the chat, from the bot, not as a reply — like the 督办 would have been.
    const res = await u.w.h.post(
      cardActionEvent({
        appId: u.w.h.fake.appId,
        operatorOpenId: u.w.org.officer,
        value: { a: 'unit-detail', u: village.id },
        chatId: u.w.chats.village,
      }),
    );
    expect(((await res.json()) as any).toast.type).toBe('success');
    const detail = await waitFor('the detail card in the chat', () => inChat(u.w.chats.village)[0]);
    expect(JSON.stringify(detail.content)).toContain('明细');
    await u.w.h.settle();
    const sent = await pressAfterLarkForgot(village.id, u.w.chats.village, '城关村');
    // The officers get the 督办 now; the detail card is not it.
    const messages = inChat(u.w.chats.village);
    expect(messages).toHaveLength(2);
    expect(sent.message_id).not.toBe(detail.messageId);
    expect(sent.message_id).toBe(messages[1]!.messageId);
    expect(JSON.stringify(messages[1]!.content)).toContain('📌 督办 · 城关村');
  });

  it('Lark will not show the chat: the u.leader is told to look, and pressing again sends it once', async () => {
    const { village2 } = u.w.units;
    await pressAndFailUnsure(village2.id, u.w.chats.village2);
    await u.w.clock.advance(61 * 60_000);
    u.w.h.fake.forgetUuids();
    // The app was not granted the scope to read group history.
    u.w.h.fake.inject({
      method: 'GET',
      path: '/open-apis/im/v1/messages',
      fault: { code: 99991672, status: 400, msg: 'Access denied. One of the following scopes is required' },
    });
    expect(await press(village2.id)).toContain('督办已安排发送到河口村的群里');
    await waitFor(
      'the 督办 closed again',
      () => sendOf(u.w.chats.village2),
      (s) => s?.status === 'failed',
    );
    await u.w.h.settle();
    expect(inChat(u.w.chats.village2)).toEqual([]);
    const html = await page(`/units/${village2.id}`);
    expect(html).toContain('机器人无法查看群消息确认；请到群里看一看，没有收到再按');
    expect(html).toContain('再次督办');
    // The leader looked: not there. Pressed again, it is posted (without reading the history).
    expect(await press(village2.id)).toContain('督办已安排发送到河口村的群里');
    const sent = await waitFor(
      'the 督办 marked sent',
      () => sendOf(u.w.chats.village2),
      (s) => s?.status === 'sent',
    );
    await u.w.h.settle();
    expect(inChat(u.w.chats.village2)).toHaveLength(1);
    expect(sent!.message_id).toBe(inChat(u.w.chats.village2)[0]!.messageId);
    const after = await page(`/units/${village2.id}`);
    expect(after).toContain('今天已督办');
    expect(after).not.toContain('督办可能已送达');
  });
});

/** Lark out of reach from the start (connection refused): nothing can have been posted. */
describe('督办 that could not reach Lark at all', () => {
  const { u, inChat, page, failEveryAttempt } = urgeWorld('WR');

  it('says 督办未送达, not that it may have arrived', async () => {
    const { village } = u.w.units;
    await failEveryAttempt(u.w.chats.village, async () => {
      const csrf = csrfOf(await page(`/units/${village.id}`))!;
      await u.w.h.fake.refuseConnections();
      // Connections the bot kept open from before end with a reset, not a refusal: use them up first.
      await waitFor('Lark refusing connections', async () => {
        const err = await u.w.h.bot.deps.gateway.getMessage('om_none').then(
          () => undefined,
          (e: unknown) => e,
        );
        for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e)
          if (e.code === 'ECONNREFUSED') return true;
        return undefined;
      });
      const res = await u.w.postUrge(u.leader, {
        unit: village.id,
        _csrf: csrf,
        back: `/units/${village.id}`,
      });
      expect(res.status).toBe(200);
    });
    await u.w.h.fake.acceptConnections();
    expect(inChat(u.w.chats.village)).toEqual([]);
    const html = await page(`/units/${village.id}`);
    expect(html).toContain('督办未送达');
    expect(html).not.toContain('督办可能已送达');
  });
});
