import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botMembershipEvent } from '../support/events.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { attachWsGateway, type WsGateway } from '../support/fake-lark/ws-gateway.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';

const MINUTE = 60_000;

describe('long connection silent too long: an alert in the operations chat, 恢复正常 when Lark speaks again', () => {
  let fake: FakeLark;
  let gw: WsGateway;
  let h: Harness;
  const clock = new ManualClock('2026-06-10T10:00:00+08:00');
  const opsCards = () =>
    fake
      .sentMessages()
      .filter((m) => m.receiveId === 'oc_ops_room' && m.msgType === 'interactive')
      .map((m) => {
        const c = m.content as any;
        return [c.header.title.content as string, c.body.elements[0].content as string];
      });

  beforeAll(async () => {
    fake = await startFakeLark();
    gw = attachWsGateway(fake);
    h = await startHarness({
      mode: 'ws',
      fake,
      clock,
      env: { OPS_CHAT_ID: 'oc_ops_room', ALERT_CHECK_MINUTES: '0', WS_SILENCE_ALERT_MINUTES: '30' },
    });
    await gw.waitForConnection();
    // The client pings on connect and then every 120 s of real time; an event pushed after the first
    // ping's pong (same socket, in order) leaves nothing in flight that could count as activity later.
    await waitFor('the first ping', () => gw.pings() > 0);
    const added = botMembershipEvent({ appId: fake.appId, type: 'added', chatId: 'oc_ws_silence' });
    expect((await gw.pushEvent(added)).code).toBe(200);
  });
  afterAll(async () => {
    await h.close();
    await gw.close();
    await fake.close();
  });

  it('stays quiet within the limit, alerts once past it, and recovers on the next event', async () => {
    clock.advance(29 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards()).toEqual([]);

    clock.advance(2 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards()).toEqual([
      [
        '告警：长连接很久没有收到飞书的消息',
        expect.stringMatching(/^已有 31 分钟没有收到飞书的任何消息（长连接可能断了，或网络不通）。$/),
      ],
    ]);
    clock.advance(5 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards()).toHaveLength(1);

    const removed = botMembershipEvent({ appId: fake.appId, type: 'deleted', chatId: 'oc_ws_silence' });
    expect((await gw.pushEvent(removed)).code).toBe(200);
    await h.bot.checkAlerts();
    expect(opsCards().map((c) => c[0])).toEqual([
      '告警：长连接很久没有收到飞书的消息',
      '恢复正常：长连接很久没有收到飞书的消息',
    ]);
  });
});
