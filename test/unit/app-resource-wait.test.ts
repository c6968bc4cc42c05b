import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ResourceUnavailableError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';

/**
 * The app's one catch site, for the machine endpoints: a failure because the database or the file
 * store is away answers 503 with the reason code and Retry-After (Lark and load balancers try again:
 * the work waits), never 500; any other failure stays a generic 500. Over real HTTP, the webhook
 * route stood in by a middleware that fails as told.
 */
describe('a machine endpoint that fails', () => {
  let server: Server;
  let url: string;
  let fail: () => Error;
  const logs: { msg: string; reason?: string }[] = [];
  const metrics = new Metrics();

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(JSON.parse(chunk.toString('utf8')));
        done();
      },
    });
    const app = buildApp({
      logger: createLogger('info', sink),
      metrics,
      ready: async () => ({ ok: true, checks: {} }),
      larkWebhook: async () => {
        throw fail();
      },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const push = () => fetch(`${url}/lark/events`, { method: 'POST', body: '{}' });

  it('the database away: 503, its reason and Retry-After; logged as a wait, not as a failure', async () => {
    fail = () =>
      new Error('Failed query: insert into inbound_events …', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      });
    const res = await push();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await res.json()).toEqual({ error: 'database_unreachable' });
    expect(logs.at(-1)).toMatchObject({
      msg: 'request waits for a resource',
      reason: 'database_unreachable',
    });
  });

  it('the file store away: 503 with its reason', async () => {
    fail = () => new ResourceUnavailableError('store_unwritable', '存放文件的地方暂时不能写入');
    const res = await push();
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'store_unwritable' });
  });

  it('any other failure: a generic 500, nothing of its text', async () => {
    fail = () => new Error('a bug: undefined is not a function');
    const res = await push();
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.json()).toEqual({ error: 'internal_error' });
    expect(metrics.value('http_errors_total', { route: '/lark/events' })).toBe(3);
  });
});
