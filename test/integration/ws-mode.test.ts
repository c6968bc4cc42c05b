import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import {
  botMembershipEvent,
  cardActionEvent,
  commandEvent,
  messageEvent,
  recallEvent,
} from '../support/events.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { attachWsGateway, type WsGateway } from '../support/fake-lark/ws-gateway.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('long-connection mode: the whole bot through the fake WebSocket gateway', () => {
  let fake: FakeLark;
  let gw: WsGateway;
  let h: Harness;
  beforeAll(async () => {
    fake = await startFakeLark();
    gw = attachWsGateway(fake);
    h = await startHarness({ mode: 'ws', fake });
    await gw.waitForConnection();
  });
  afterAll(async () => {
    await h.close();
    await gw.close();
    await fake.close();
  });

  it('is ready only when connected, and records + processes pushed events', async () => {
    const ready = await fetch(`${h.bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).checks.larkConnection).toBe(true);

    const added = botMembershipEvent({
      appId: fake.appId,
      type: 'added',
      chatId: 'oc_ws_chat_1',
      name: '城关村工作群',
    });
    expect((await gw.pushEvent(added)).code).toBe(200);
    const ev = commandEvent({
      appId: fake.appId,
      botOpenId: fake.botOpenId,
      chatId: 'oc_ws_chat_1',
      text: '帮助',
    });
    expect((await gw.pushEvent(ev)).code).toBe(200);
    // Redelivered by Lark: acknowledged, stored once.
    expect((await gw.pushEvent(ev)).code).toBe(200);
    await h.settle();

    const rows = await queryRows<{ n: number; source: string }>(
      h.db.db,
      sql`select count(*)::int as n, min(source) as source from inbound_events where message_id = ${ev.event.message.message_id}`,
    );
    expect(rows[0]).toEqual({ n: 1, source: 'ws' });
    const chat = await queryRows<{ name: string; active: boolean }>(
      h.db.db,
      sql`select name, active from chats where chat_id = 'oc_ws_chat_1'`,
    );
    expect(chat[0]).toEqual({ name: '城关村工作群', active: true });
    const replies = fake.sentMessages().filter((m) => m.replyTo === ev.event.message.message_id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.msgType).toBe('interactive');
  });

  it('a push to the webhook address is answered 404 in Chinese: the console is set to the wrong mode', async () => {
    // The IT person entered 请求地址 in the developer console while the bot uses the long connection.
    const ev = messageEvent({ appId: fake.appId, content: { text: '推送到了网址' } });
    for (const path of ['/lark/events', '/lark/card']) {
      const res = await fetch(`${h.bot.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ev),
      });
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('webhook_off');
      expect(body.message).toBe(
        '机器人现在用长连接接收事件（LARK_EVENT_MODE=ws），这个地址不接收推送。请在开发者后台 → 事件与回调，把订阅方式改为「使用长连接接收」；或者把 LARK_EVENT_MODE 改为 webhook 并重启机器人。',
      );
    }
  });

  it('answers a card callback over the socket and records it', async () => {
    const cb = cardActionEvent({
      appId: fake.appId,
      operatorOpenId: 'ou_clicker',
      value: { a: 'no-such-action' },
    });
    const res = await gw.pushEvent(cb);
    expect(res.code).toBe(200);
    expect((res.data as any).toast.type).toBe('error');
    const rows = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from inbound_events where event_id = ${cb.header.event_id} and status = 'done'`,
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('records the bot being removed from a chat without deleting anything', async () => {
    const removed = botMembershipEvent({ appId: fake.appId, type: 'deleted', chatId: 'oc_ws_chat_1' });
    expect((await gw.pushEvent(removed)).code).toBe(200);
    await h.settle();
    const chat = await queryRows<{ name: string; active: boolean }>(
      h.db.db,
      sql`select name, active from chats where chat_id = 'oc_ws_chat_1'`,
    );
    expect(chat[0]).toEqual({ name: '城关村工作群', active: false });
  });

  it('follows a message recalled in the chat (im.message.recalled_v1 over the socket)', async () => {
    const sent = messageEvent({
      appId: fake.appId,
      chatId: 'oc_ws_chat_2',
      senderOpenId: 'ou_ws_officer',
      content: { text: '张三户 身份证 430000000000000000' },
    });
    expect((await gw.pushEvent(sent)).code).toBe(200);
    await h.settle();
    const messageId = sent.event.message.message_id;
    const recalled = recallEvent({ appId: fake.appId, messageId, chatId: 'oc_ws_chat_2' });
    expect((await gw.pushEvent(recalled)).code).toBe(200);
    await h.settle();
    const [row] = await queryRows<{ text: string | null }>(
      h.db.db,
      sql`select text from messages where message_id = ${messageId}`,
    );
    expect(row).toEqual({ text: null });
    const audit = await queryRows<{ actor: string; status: string }>(
      h.db.db,
      sql`select a.actor, e.status from audit_log a, inbound_events e
          where a.action = 'recall' and a.details->>'messageId' = ${messageId}
            and e.event_id = ${recalled.header.event_id}`,
    );
    expect(audit).toEqual([{ actor: 'ou_ws_officer', status: 'done' }]);
  });
});
