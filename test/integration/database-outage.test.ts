import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, queryRows } from '../../src/db/client.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { waitFor } from './capture-helpers.js';

/**
 * A database outage (issue 12, point 7) on PostgreSQL, through a TCP proxy the test cuts: the cut
 * hangs like a dead host (connections accepted, never answered). The webhook answers 503 (its time
 * limit is under Lark's 3 s, and postgres.js gives up connecting after 3 s), /readyz says
 * database_unreachable, the workers wait instead of failing, and after the outage Lark's redelivery
 * is recorded once. Skipped on PGlite: an embedded database has no connection to cut.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL outage (connection cut by a proxy)', () => {
  let direct: TestDb;
  let proxy: TcpProxy;
  let h: Harness;
  beforeAll(async () => {
    direct = await createTestDb();
    const url = new URL(direct.url!);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const proxied = openPostgres(url.toString(), 10);
    h = await startHarness({ db: { ...proxied, shutDown: () => proxied.close() } });
  });
  afterAll(async () => {
    proxy?.restore();
    await h?.close();
    await h?.db.close();
    await proxy?.close();
    await direct?.close();
  });

  const messages = async (id: string) =>
    (
      await queryRows<{ n: number }>(
        direct.db,
        sql`select count(*)::int as n from messages where message_id = ${id}`,
      )
    )[0]!.n;

  it('503 within the time limit while the database hangs, readyz says why, the redelivery after it is recorded once', async () => {
    const before = messageEvent({ appId: h.fake.appId, content: { text: '停电前' } });
    expect((await h.post(before)).status).toBe(200);
    await waitFor('the first message recorded', () => messages(before.event.message.message_id));

    proxy.blackhole();
    const during = messageEvent({ appId: h.fake.appId, content: { text: '停电时' } });
    const refused = await h.post(during);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'database_unavailable' });
    expect(h.bot.metrics.value('lark_events_refused_total', { reason: 'database_unavailable' })).toBe(1);
    const ready = await fetch(`${h.bot.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as any).checks.database).toBe('database_unreachable');
    // The workers wait for the database instead of burning attempts.
    await waitFor('the event worker waiting for the database', () =>
      h.bot.eventWorker.waiting().some((w) => w.reason === 'database_unreachable'),
    );

    proxy.restore();
    // Lark delivers the refused push again until it is taken (the pool may need a moment to
    // reconnect: until then the answer is 503 again), then once more, as it may: recorded once.
    await waitFor(
      'the redelivery taken',
      async () => (await h.post(during)).status,
      (s) => s === 200,
    );
    expect((await h.post(during)).status).toBe(200);
    await waitFor('the redelivered message recorded', () => messages(during.event.message.message_id));
    await waitFor('the workers resumed', () => h.bot.eventWorker.waiting().length === 0);
    expect(await messages(during.event.message.message_id)).toBe(1);
    await waitFor(
      'readyz 200 again',
      async () => (await fetch(`${h.bot.url}/readyz`)).status,
      (s) => s === 200,
    );
    const dead = await queryRows<{ n: number }>(
      direct.db,
      sql`select count(*)::int as n from inbound_events where status = 'dead' or attempts > 1`,
    );
    expect(dead[0]!.n).toBe(0);
  });
});
