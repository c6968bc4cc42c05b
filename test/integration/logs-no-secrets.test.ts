import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENCRYPT_KEY, TEST_VERIFICATION_TOKEN, messageEvent } from '../support/events.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { attachWsGateway, type WsGateway } from '../support/fake-lark/ws-gateway.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from './capture-helpers.js';

/**
 * Issue 12 point 2: whatever the level and whatever throws, no log line carries the app secret, a
 * tenant token, the verification token, the encrypt key or the text of a message. Every line the
 * bot writes at LOG_LEVEL=trace is captured while the failure paths run, then scanned.
 */
class LineSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

const marker = () => `机密标记${randomBytes(6).toString('hex')}`;

const failInsertsInto = async (h: Harness, table: string) => {
  await h.db.db.execute(
    sql.raw(`create or replace function test_fail_insert() returns trigger language plpgsql as $$
      begin raise exception 'injected failure'; end $$`),
  );
  await h.db.db.execute(
    sql.raw(`create trigger test_fail_insert before insert on ${table}
      for each row execute function test_fail_insert()`),
  );
};
const stopFailing = (h: Harness, table: string) =>
  h.db.db.execute(sql.raw(`drop trigger if exists test_fail_insert on ${table}`));

function expectClean(lines: string[], forbidden: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(() => JSON.parse(line)).not.toThrow();
    for (const f of forbidden) {
      if (line.includes(f)) throw new Error(`log line carries ${JSON.stringify(f)}: ${line}`);
    }
  }
}

describe('logs carry no secrets and no content (webhook mode, LOG_LEVEL=trace)', () => {
  const sink = new LineSink();
  let h: Harness;
  const markers: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', env: { LOG_LEVEL: 'trace' }, logDestination: sink });
  });
  afterAll(() => h.close());
  const forbidden = () => [
    h.fake.appSecret,
    TEST_VERIFICATION_TOKEN,
    TEST_ENCRYPT_KEY,
    ...h.fake.state.tokens.keys(),
    ...markers,
  ];

  it('the database failing during a push: 500, and the request-failed line has no event in it', async () => {
    const m = marker();
    markers.push(m);
    await failInsertsInto(h, 'inbound_events');
    try {
      const res = await h.post(messageEvent({ appId: h.fake.appId, content: { text: `说明 ${m}` } }));
      expect(res.status).toBe(500);
      expect(await res.text()).not.toContain(m);
    } finally {
      await stopFailing(h, 'inbound_events');
    }
    const failed = sink.lines.filter((l) => l.includes('request failed'));
    expect(failed).toHaveLength(1);
    // The stack is kept (the catch site's purpose), the parameters are not.
    expect(JSON.parse(failed[0]!).err.stack).toMatch(/\n\s+at /);
    expect(failed[0]).toContain('injected failure');
    expectClean(sink.lines, forbidden());
  });

  it('a worker failure with a message in flight (recording the message fails)', async () => {
    const m = marker();
    markers.push(m);
    await failInsertsInto(h, 'messages');
    try {
      const ev = messageEvent({ appId: h.fake.appId, content: { text: `说明 ${m}` } });
      expect((await h.post(ev)).status).toBe(200);
      await waitFor('a logged attempt failure', () =>
        sink.lines.some((l) => l.includes('attempt failed') && l.includes('Failed query')),
      );
    } finally {
      await stopFailing(h, 'messages');
    }
    expectClean(sink.lines, forbidden());
  });

  it('Lark calls reset mid-request (token fetch and message send), SDK logging at trace', async () => {
    const m = marker();
    markers.push(m);
    h.fake.expireTokens();
    h.fake.inject({ method: 'POST', path: /tenant_access_token/, times: 1, fault: { reset: true } });
    h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/messages', times: 2, fault: { reset: true } });
    h.fake.inject({ method: 'GET', path: /\/resources\//, times: 2, fault: { reset: true } });
    const chatId = `oc_${randomBytes(8).toString('hex')}`;
    const fileKey = `file_v3_${randomBytes(8).toString('hex')}`;
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId,
      msgType: 'file',
      content: { file_key: fileKey, file_name: `${m}.pdf` },
    });
    h.fake.addResource({
      messageId: ev.event.message.message_id,
      fileKey,
      bytes: Buffer.from(`%PDF-1.4 ${m}`),
      fileName: `${m}.pdf`,
    });
    expect((await h.post(ev)).status).toBe(200);
    await h.post(messageEvent({ appId: h.fake.appId, chatId, content: { text: `图片说明 ${m}` } }));
    await waitFor('the resets to be hit and logged', () =>
      sink.lines.some((l) => l.includes('lark sdk') && /hang up|ECONNRESET|reset/i.test(l)),
    );
    await h.settle();
    h.fake.clearFaults();
    expect(h.fake.state.tokens.size).toBeGreaterThan(0);
    expectClean(sink.lines, forbidden());
  });
});

describe('logs carry no secrets and no content (long-connection mode, LOG_LEVEL=trace)', () => {
  const sink = new LineSink();
  let fake: FakeLark;
  let gw: WsGateway;
  let h: Harness;
  beforeAll(async () => {
    fake = await startFakeLark();
    gw = attachWsGateway(fake);
    h = await startHarness({ mode: 'ws', fake, env: { LOG_LEVEL: 'trace' }, logDestination: sink });
    await gw.waitForConnection();
  });
  afterAll(async () => {
    await h.close();
    await gw.close();
    await fake.close();
  });

  it('events pushed over the socket, one while the database fails, leave no content in the logs', async () => {
    const m1 = marker();
    const m2 = marker();
    expect(
      (await gw.pushEvent(messageEvent({ appId: fake.appId, content: { text: `说明 ${m1}` } }))).code,
    ).toBe(200);
    await failInsertsInto(h, 'inbound_events');
    try {
      const res = await gw.pushEvent(messageEvent({ appId: fake.appId, content: { text: `说明 ${m2}` } }));
      expect(res.code).not.toBe(200);
    } finally {
      await stopFailing(h, 'inbound_events');
    }
    await h.settle();
    expectClean(sink.lines, [fake.appSecret, TEST_VERIFICATION_TOKEN, ...fake.state.tokens.keys(), m1, m2]);
  });
});
