import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { awakeNow, ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The App Secret reset (or the app disabled) while the bot runs: nobody was told. The alert
 * 「飞书拒绝了应用凭证或权限」 goes through Lark, which refuses it; the log said only
 * `ops alert not delivered; will retry` with the kind; and in webhook mode /readyz stayed 200 while no
 * reply or download could happen. Now /readyz answers 503 lark_refused (with the advice in Chinese) until
 * a call succeeds again, and the undelivered alert's log line carries what it says.
 */
describe('Lark refusing the app credentials while the bot runs', () => {
  let fake: FakeLark;
  let h: Harness;
  let secret: string;
  const clock = new ManualClock(awakeNow());
  const logs: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  beforeAll(async () => {
    fake = await startFakeLark();
    secret = fake.appSecret;
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
        done();
      },
    });
    h = await startHarness({
      fake,
      clock,
      env: { LOG_LEVEL: 'info', OPS_CHAT_ID: 'oc_ops_room', LARK_REFUSAL_ALERT_MINUTES: '30' },
      logDestination: sink,
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  const ready = async () => {
    const res = await fetch(`${h.bot.url}/readyz`);
    return {
      status: res.status,
      body: (await res.json()) as { checks: Record<string, unknown>; detail?: string },
    };
  };

  it('/readyz says lark_refused while the secret is refused, the log carries the alert text, and 200 once a call succeeds', async () => {
    expect((await ready()).status).toBe(200);

    fake.resetAppSecret('secret-reset-in-the-console');
    await expect(h.bot.deps.gateway.getChat('oc_some_chat')).rejects.toThrow();

    const refused = await ready();
    expect(refused.status).toBe(503);
    expect(refused.body.checks.larkCredentials).toBe('lark_refused');
    expect(refused.body.detail).toContain('飞书拒绝了应用凭证');
    expect(refused.body.detail).toContain('LARK_APP_SECRET');

    // The alert cannot go through Lark: the log line says what it would have said.
    await h.bot.checkAlerts();
    const undelivered = logs.filter((l) => l.msg === 'ops alert not delivered; will retry');
    expect(undelivered.length).toBeGreaterThan(0);
    expect(undelivered[0]!.kind).toBe('lark_refused');
    expect(undelivered[0]!.advice).toMatch(/错误码 10014/);
    expect(JSON.stringify(logs)).not.toContain(secret);
    expect(JSON.stringify(logs)).not.toContain('secret-reset-in-the-console');

    // The IT person puts the old secret back (or the new one in the env file and restarts): the next
    // call succeeds — here the alert itself — and /readyz is 200 again.
    fake.resetAppSecret(secret);
    await h.bot.checkAlerts();
    expect(
      fake
        .sentMessages()
        .some((m) => (m.content as any)?.header?.title?.content === '告警：飞书拒绝了应用凭证或权限'),
    ).toBe(true);
    const back = await ready();
    expect(back.status).toBe(200);
    expect(back.body.checks.larkCredentials).toBe(true);
  });
  /**
   * A call that went out before the refusal and is answered after it (its token issued before the App
   * Secret was reset) cleared lark_refused: /readyz said ready while nothing else could be sent. Only a
   * call started after the refusal and answered says Lark takes the credentials again.
   */
  it('a call in flight across the refusal, answered after it, does not clear lark_refused; one started after it does', async () => {
    for (const chatId of ['oc_in_flight', 'oc_after_fix'])
      fake.addChat({ chatId, name: chatId, members: [] });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const inFlightPath = /\/open-apis\/im\/v1\/chats\/oc_in_flight$/;
    fake.inject({ method: 'GET', path: inFlightPath, times: 1, fault: { until: held } });
    const inFlight = h.bot.deps.gateway.getChat('oc_in_flight');
    await waitFor('the call to reach Lark', () => fake.callsTo('GET', inFlightPath).length > 0);

    // Meanwhile Lark refuses the secret to another call.
    fake.inject({ method: 'GET', path: /oc_refused_now$/, times: 1, fault: { code: 10014 } });
    await expect(h.bot.deps.gateway.getChat('oc_refused_now')).rejects.toThrow();
    expect((await ready()).body.checks.larkCredentials).toBe('lark_refused');

    // The held call is answered now: still refused.
    release();
    await expect(inFlight).resolves.toMatchObject({ chatId: 'oc_in_flight' });
    const still = await ready();
    expect(still.status).toBe(503);
    expect(still.body.checks.larkCredentials).toBe('lark_refused');

    // A call started after the refusal succeeds: ready again.
    await h.bot.deps.gateway.getChat('oc_after_fix');
    const back = await ready();
    expect(back.status).toBe(200);
    expect(back.body.checks.larkCredentials).toBe(true);
  });
});
