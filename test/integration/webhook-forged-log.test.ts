import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { signedRequest } from '../support/lark-sign.js';

/**
 * A forged push (a signature made without the Encrypt Key) is refused and nothing of it is stored; the
 * log line says why and from which address, never what it carried, so the IT person can see someone
 * sends forged requests (doctor's 飞书推送 line says so beside genuine pushes: doctor-pushes).
 */
describe('webhook: a forged push leaves a log line with reason and sender address, no content', () => {
  let h: Harness;
  const logs: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
        done();
      },
    });
    h = await startHarness({ env: { LOG_LEVEL: 'info' }, logDestination: sink });
  });
  afterAll(() => h?.close());

  it('refused 401, logged with reason and ip, the text nowhere in the log', async () => {
    const ev = messageEvent({ appId: h.fake.appId, content: { text: '伪造的内容' } });
    const req = signedRequest(ev, 'not-the-encrypt-key', { encrypt: false });
    const res = await fetch(`${h.bot.url}/lark/events`, { method: 'POST', ...req });
    expect(res.status).toBe(401);
    const line = logs.find((l) => l.msg === 'webhook request refused');
    expect(line).toMatchObject({ level: 40, reason: 'bad_signature', status: 401, ip: '127.0.0.1' });
    expect(JSON.stringify(logs)).not.toContain('伪造的内容');
    // And the genuine push beside it goes through.
    expect((await h.post(messageEvent({ appId: h.fake.appId }))).status).toBe(200);
  });

  /** The address the refusal's log line names for a forged push sent with these headers. */
  const loggedIp = async (headers: Record<string, string>) => {
    logs.length = 0;
    const ev = messageEvent({ appId: h.fake.appId, content: { text: '伪造的内容' } });
    const req = signedRequest(ev, 'not-the-encrypt-key', { encrypt: false });
    const res = await fetch(`${h.bot.url}/lark/events`, {
      method: 'POST',
      body: req.body,
      headers: { ...req.headers, ...headers },
    });
    expect(res.status).toBe(401);
    return logs.find((l) => l.msg === 'webhook request refused')?.ip;
  };

  it('with no proxy in front (TRUST_PROXY unset) a made-up X-Forwarded-For does not hide the sender', async () => {
    expect(await loggedIp({ 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
    expect(await loggedIp({ forwarded: 'for=203.0.113.9', 'x-real-ip': '203.0.113.9' })).toBe('127.0.0.1');
  });

  it('behind one proxy (TRUST_PROXY=true) the address it appended, not what the sender wrote before it', async () => {
    await h.restart({ LOG_LEVEL: 'info', TRUST_PROXY: 'true' });
    // nginx's $proxy_add_x_forwarded_for: the sender's own header, then the address nginx saw.
    expect(await loggedIp({ 'x-forwarded-for': '198.51.100.7, 203.0.113.9' })).toBe('203.0.113.9');
    await h.restart({ LOG_LEVEL: 'info', TRUST_PROXY: '2' });
    // Two proxies (the SLB, then nginx): the address the outer one appended.
    expect(await loggedIp({ 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.0.0.2' })).toBe('203.0.113.9');
  });
});
