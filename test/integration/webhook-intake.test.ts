import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import {
  cardActionEvent,
  commandEvent,
  messageEvent,
  TEST_ENCRYPT_KEY,
  TEST_VERIFICATION_TOKEN,
} from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { encryptPayload, signedRequest } from '../support/lark-sign.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/lark/${name}`, import.meta.url), 'utf8'));

describe('webhook intake (POST /lark/events)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook' });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const rowsFor = async (messageId: string) =>
    (
      await queryRows<{ n: number }>(
        h.db.db,
        sql`select count(*)::int as n from inbound_events where message_id = ${messageId}`,
      )
    )[0]!.n;
  const eventRows = async (eventId: string) =>
    (
      await queryRows<{ n: number }>(
        h.db.db,
        sql`select count(*)::int as n from inbound_events where event_id = ${eventId}`,
      )
    )[0]!.n;
  const rawPost = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${h.bot.url}/lark/events`, { method: 'POST', headers, body });

  it('answers the plain challenge (unsigned) when the token matches', async () => {
    const body = JSON.stringify({
      challenge: 'ajls384kdjx98XX',
      token: TEST_VERIFICATION_TOKEN,
      type: 'url_verification',
    });
    const res = await rawPost(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'ajls384kdjx98XX' });
    const wrong = await rawPost(JSON.stringify({ ...fixture('url_verification.plain.json'), token: 'nope' }));
    expect(wrong.status).toBe(401);
  });

  it('answers the encrypted challenge', async () => {
    const plain = { challenge: 'c-123', token: TEST_VERIFICATION_TOKEN, type: 'url_verification' };
    const res = await rawPost(JSON.stringify({ encrypt: encryptPayload(plain, TEST_ENCRYPT_KEY) }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });
  });

  it('stores a genuine signed + encrypted message event once and processes it', async () => {
    const ev = messageEvent({ appId: h.fake.appId, content: { text: '今天的会议照片稍后发' } });
    const res = await h.post(ev);
    expect(res.status).toBe(200);
    expect(await rowsFor(ev.event.message.message_id)).toBe(1);
    await h.settle();
    const [row] = await queryRows<{ status: string; source: string }>(
      h.db.db,
      sql`select status, source from inbound_events where event_id = ${ev.header.event_id}`,
    );
    expect(row).toEqual({ status: 'done', source: 'webhook' });
  });

  it('stores the same message delivered under two event ids once, answering 200 both times', async () => {
    const first = messageEvent({ appId: h.fake.appId });
    const second = { ...first, header: { ...first.header, event_id: `${first.header.event_id}-retry` } };
    expect((await h.post(first)).status).toBe(200);
    expect((await h.post(second)).status).toBe(200);
    expect(await rowsFor(first.event.message.message_id)).toBe(1);
    expect(
      h.bot.metrics.value('lark_events_total', { result: 'duplicate', source: 'webhook' }),
    ).toBeGreaterThan(0);
  });

  it('a replayed request takes effect once', async () => {
    const ev = commandEvent({ appId: h.fake.appId, botOpenId: h.fake.botOpenId, text: '帮助' });
    const req = signedRequest(ev, TEST_ENCRYPT_KEY);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${h.bot.url}/lark/events`, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
      });
      expect(res.status).toBe(200);
    }
    await h.settle();
    expect(await eventRows(ev.header.event_id)).toBe(1);
    const replies = h.fake.sentMessages().filter((m) => m.replyTo === ev.event.message.message_id);
    expect(replies).toHaveLength(1);
  });

  it('refuses a bad signature with 401 and stores nothing', async () => {
    const ev = messageEvent({ appId: h.fake.appId });
    const req = signedRequest(ev, TEST_ENCRYPT_KEY);
    const forged = { ...req.headers, 'x-lark-signature': '0'.repeat(64) };
    const res = await fetch(`${h.bot.url}/lark/events`, { method: 'POST', headers: forged, body: req.body });
    expect(res.status).toBe(401);
    const wrongKey = signedRequest(ev, 'not-the-key');
    const res2 = await fetch(`${h.bot.url}/lark/events`, {
      method: 'POST',
      headers: wrongKey.headers,
      body: wrongKey.body,
    });
    expect(res2.status).toBe(401);
    expect(await eventRows(ev.header.event_id)).toBe(0);
  });

  it('reads no body before its signature: a large unsigned one is refused unread, a forged one unparsed', async () => {
    // A megabyte of nested brackets held the event loop for a third of a second while it was parsed,
    // for anyone: unsigned, only the URL check (a few hundred bytes) is read.
    const nested = await rawPost('['.repeat(400_000) + ']'.repeat(400_000));
    expect(nested.status).toBe(401);
    expect(await nested.json()).toEqual({ error: 'unsigned' });
    const broken = await rawPost(`{"encrypt": "${'A'.repeat(8192)}`);
    expect(broken.status).toBe(401);
    expect(await broken.json()).toEqual({ error: 'unsigned' });
    // Signed with a signature that does not match: refused for it, the body not parsed either.
    const req = signedRequest(messageEvent({ appId: h.fake.appId }), TEST_ENCRYPT_KEY);
    const forged = await rawPost('{"encrypt": ', { ...req.headers, 'x-lark-signature': '0'.repeat(64) });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ error: 'bad_signature' });
  });

  it('refuses a day-old and a far-future timestamp with 401, accepts a 6-hour-old retry', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = messageEvent({ appId: h.fake.appId });
    expect((await h.post(old, { timestampSeconds: now - 86_400 })).status).toBe(401);
    expect((await h.post(old, { timestampSeconds: now + 3600 })).status).toBe(401);
    expect(await eventRows(old.header.event_id)).toBe(0);
    const retry = messageEvent({ appId: h.fake.appId });
    expect((await h.post(retry, { timestampSeconds: now - 6 * 3600 })).status).toBe(200);
    expect(await eventRows(retry.header.event_id)).toBe(1);
  });

  it('refuses unsigned events and events for another app', async () => {
    const ev = messageEvent({ appId: h.fake.appId });
    const res = await rawPost(JSON.stringify({ encrypt: encryptPayload(ev, TEST_ENCRYPT_KEY) }));
    expect(res.status).toBe(401);
    const other = messageEvent({ appId: 'cli_0000000000000000' });
    expect((await h.post(other)).status).toBe(401);
    expect(await eventRows(ev.header.event_id)).toBe(0);
    expect(await eventRows(other.header.event_id)).toBe(0);
  });

  it('refuses an oversize body with 413 and malformed JSON with 400', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const res = await rawPost(JSON.stringify({ encrypt: big }));
    expect(res.status).toBe(413);
    const bad = await rawPost('{"encrypt": "abc"');
    expect(bad.status).toBe(400);
    expect(h.bot.metrics.value('lark_events_refused_total', { reason: 'malformed_json' })).toBeGreaterThan(0);
  });

  it('refuses a correctly signed and encrypted plaintext null, number or array with 400 (malformed)', async () => {
    const before = h.bot.metrics.value('lark_events_refused_total', { reason: 'malformed_event' });
    for (const plain of [null, 42, ['x']]) {
      const res = await h.post(plain);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'malformed_event' });
    }
    expect(h.bot.metrics.value('lark_events_refused_total', { reason: 'malformed_event' })).toBe(before + 3);
  });

  it('refuses a signed card callback without its operator with 400 (malformed, counted), recording nothing', async () => {
    const before = h.bot.metrics.value('lark_events_refused_total', { reason: 'malformed_event' });
    const tap = cardActionEvent({ appId: h.fake.appId, operatorOpenId: 'ou_x', value: { a: 'skip', b: 1 } });
    const { operator: _gone, ...event } = tap.event;
    const res = await h.post({ ...tap, event });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'malformed_event' });
    expect(h.bot.metrics.value('lark_events_refused_total', { reason: 'malformed_event' })).toBe(before + 1);
    expect(h.bot.metrics.value('http_errors_total', { route: '/lark/events' })).toBe(0);
    expect(await eventRows(tap.header.event_id)).toBe(0);
  });

  it('answers @bot 帮助 with a JSON 2.0 help card at the fake Lark', async () => {
    const ev = commandEvent({ appId: h.fake.appId, botOpenId: h.fake.botOpenId, text: '帮助' });
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    const reply = h.fake.sentMessages().find((m) => m.replyTo === ev.event.message.message_id);
    expect(reply?.msgType).toBe('interactive');
    expect((reply?.content as any).schema).toBe('2.0');
    expect(JSON.stringify(reply?.content)).toContain('使用说明');
    expect(reply?.uuid).toBeTruthy();
  });

  it('answers help in a direct message without a mention', async () => {
    const ev = messageEvent({ appId: h.fake.appId, chatType: 'p2p', content: { text: 'help' } });
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    expect(h.fake.sentMessages().some((m) => m.replyTo === ev.event.message.message_id)).toBe(true);
  });

  it('serves health, readiness and metrics', async () => {
    expect((await fetch(`${h.bot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.bot.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${h.bot.url}/metrics`)).text();
    expect(metrics).toContain('lark_events_total');
    expect(metrics).toContain('queue_inbound_events_rows');
    expect(metrics).toMatch(/lark_events_refused_total\{reason="bad_signature"\} \d+/);
  });
});
