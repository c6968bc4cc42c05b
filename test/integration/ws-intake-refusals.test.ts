import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { cardActionEvent, commandEvent } from '../support/events.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { attachWsGateway, type WsGateway } from '../support/fake-lark/ws-gateway.js';
import { gatedDb, type GatedDb } from '../support/gated-db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * The long connection refuses what it cannot take the way the webhook does: an event without its id
 * is acknowledged, counted as malformed and logged (no content), instead of a 500 that brings it back
 * for ever; a card tap whose database does not answer within the webhook's 2.5 s is answered in time.
 */
describe('long connection: malformed events and a database out of time', () => {
  let fake: FakeLark;
  let gw: WsGateway;
  let h: Harness;
  let tdb: TestDb;
  let gated: GatedDb;
  /** Statements carrying this value wait until `release` is called. */
  let holdFor: string | undefined;
  let release: () => void = () => {};
  const logs: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  beforeAll(async () => {
    fake = await startFakeLark();
    gw = attachWsGateway(fake, { ackTimeoutMs: 10_000 });
    tdb = await createTestDb();
    gated = gatedDb(tdb, (s) => {
      if (holdFor === undefined || !s.params.includes(holdFor)) return;
      return new Promise<void>((resolve) => (release = resolve));
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
        done();
      },
    });
    h = await startHarness({
      mode: 'ws',
      fake,
      db: { ...tdb, db: gated.db },
      env: { LOG_LEVEL: 'info' },
      logDestination: sink,
    });
    await gw.waitForConnection();
  });
  afterAll(async () => {
    await h?.close();
    await gw?.close();
    await fake?.close();
    await gated?.close();
    await tdb?.close();
  });

  const refusedCount = async (reason: string) => {
    const text = await (await fetch(`${h.bot.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`lark_events_refused_total{reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('an event without event_id: acknowledged (not pushed again), counted as malformed, logged without content', async () => {
    const ev = commandEvent({
      appId: fake.appId,
      botOpenId: fake.botOpenId,
      chatId: 'oc_ws_bad',
      text: '帮助',
    });
    const { event_id: _dropped, ...header } = ev.header;
    expect(await gw.pushEvent({ ...ev, header })).toEqual({ code: 200 });
    const rows = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from inbound_events where message_id = ${ev.event.message.message_id}`,
    );
    expect(rows[0]!.n).toBe(0);
    expect(await refusedCount('malformed_event')).toBe(1);
    const line = logs.find((l) => l.msg === 'long-connection event refused');
    expect(line).toMatchObject({ level: 40, reason: 'malformed_event', eventType: 'im.message.receive_v1' });
    expect(JSON.stringify(logs)).not.toContain('帮助');
    // A card callback without its id is answered, not failed.
    const cb = cardActionEvent({ appId: fake.appId, operatorOpenId: 'ou_x', value: { a: 'x' } });
    const { event_id: _gone, ...cbHeader } = cb.header;
    const res = await gw.pushEvent({ ...cb, header: cbHeader });
    expect(res.code).toBe(200);
    expect((res.data as any).toast).toEqual({ type: 'error', content: '无法识别的回调' });
    expect(await refusedCount('malformed_event')).toBe(2);
  });

  it("a card tap whose database hangs is answered in time (the webhook's 2.5 s limit), counted; the late write changes nothing", async () => {
    const cb = cardActionEvent({
      appId: fake.appId,
      operatorOpenId: 'ou_clicker',
      value: { a: 'no-such-action' },
    });
    holdFor = cb.header.event_id;
    try {
      const res = await gw.pushEvent(cb);
      expect(res.code).toBe(200);
      expect(res.data).toEqual({
        toast: { type: 'warning', content: '系统正忙，这次没有答复，请稍后再点一次（已办成的不会重复办理）' },
      });
      expect(await refusedCount('database_unavailable')).toBe(1);
    } finally {
      holdFor = undefined;
      release();
    }
    // Tapped again (a new callback): answered as usual.
    const again = cardActionEvent({
      appId: fake.appId,
      operatorOpenId: 'ou_clicker',
      value: { a: 'no-such-action' },
    });
    const res = await gw.pushEvent(again);
    expect(res.code).toBe(200);
    expect((res.data as any).toast.type).toBe('error');
  });
});
