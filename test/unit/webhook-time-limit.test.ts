import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { handleWebhookRequest, RECORD_TIME_LIMIT_MS } from '../../src/lark/webhook-intake.js';
import { Metrics } from '../../src/metrics.js';
import { systemClock } from '../../src/ports/clock.js';
import { messageEvent, TEST_ENCRYPT_KEY, TEST_VERIFICATION_TOKEN } from '../support/events.js';
import { signedRequest } from '../support/lark-sign.js';

/**
 * The webhook never hangs on the database (issue 12, point 7): a record that never settles (a dead
 * host: connections accepted, never answered) gets 503 database_unavailable once the time limit
 * (under Lark's 3 s) passes, so Lark delivers again; a refused connection gets it at once.
 */
describe('webhook: a database that hangs or refuses gets 503, not a hanging request', () => {
  const config = loadConfig({
    LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
    LARK_APP_SECRET: 'secret',
    LARK_EVENT_MODE: 'webhook',
    LARK_ENCRYPT_KEY: TEST_ENCRYPT_KEY,
    LARK_VERIFICATION_TOKEN: TEST_VERIFICATION_TOKEN,
  });
  const request = () => {
    const req = signedRequest(messageEvent({ appId: config.lark.appId }), TEST_ENCRYPT_KEY);
    return { headers: req.headers, rawBody: Buffer.from(req.body) };
  };
  const deps = (record: () => Promise<'accepted'>) => ({
    lark: config.lark,
    webhook: config.webhook,
    clock: systemClock,
    metrics: new Metrics(),
    record,
    onCardAction: async () => ({}),
  });

  it('a record that never settles: 503 after the time limit (below 3 s)', async () => {
    expect(RECORD_TIME_LIMIT_MS).toBeLessThan(3000);
    const d = deps(() => new Promise(() => {}));
    const res = await handleWebhookRequest(d, request());
    expect(res).toMatchObject({ status: 503, body: { error: 'database_unavailable' } });
    expect(d.metrics.value('lark_events_refused_total', { reason: 'database_unavailable' })).toBe(1);
  });

  it('a refused connection: 503 at once; any other failure still throws (500 at the catch site)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(
      await handleWebhookRequest(
        deps(() => Promise.reject(refused)),
        request(),
      ),
    ).toMatchObject({
      status: 503,
    });
    await expect(
      handleWebhookRequest(
        deps(() => Promise.reject(new Error('a bug'))),
        request(),
      ),
    ).rejects.toThrow('a bug');
  });
});
