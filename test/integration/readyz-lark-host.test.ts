import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * /readyz (and the doctor, which shows its detail) named open.feishu.cn for a long connection that is not
 * up, whatever LARK_DOMAIN said (lark: open.larksuite.com, or a county's own address): the IT person
 * checked the network to the wrong host.
 */
describe('readiness without the long connection', () => {
  let fake: FakeLark;
  let h: Harness;
  beforeAll(async () => {
    // No WebSocket gateway: the bot's long connection never comes up.
    fake = await startFakeLark();
    h = await startHarness({ mode: 'ws', fake });
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  it('names the host of the configured LARK_DOMAIN, not open.feishu.cn', async () => {
    const ready = await fetch(`${h.bot.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Record<string, unknown>; detail: string };
    expect(body.checks.larkConnection).toBe(false);
    expect(body.detail).toContain(
      `与飞书的长连接没有连上（检查应用凭证和本机到 ${new URL(fake.baseUrl).host} 的网络）`,
    );
    expect(body.detail).not.toContain('open.feishu.cn');
  });
});
