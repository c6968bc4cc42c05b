import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LarkChatGateway, type LarkChatGatewayOptions } from '../../src/lark/chat-gateway.js';
import { databasePacingSlots } from '../../src/db/repos/lark-pacing.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { gatewayFor } from '../support/lark-gateway.js';
import { startHarness } from '../support/harness.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { queryRows } from '../../src/db/client.js';
import { sql } from 'drizzle-orm';

const MESSAGES = /^\/open-apis\/im\/v1\/messages$/;

/**
 * Two gateways stand for two bot instances: each has its own SDK client and in-process limiter,
 * and (shared) both reserve their slots in one database, as instances on one PostgreSQL do.
 */
// Instances share one database only on PostgreSQL (PGlite is one process, paced in-process).
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
if (!onPostgres) console.warn('lark-shared-limits: skipped (needs TEST_DATABASE_URL, PostgreSQL)');

describe.skipIf(!onPostgres)("Lark's limits kept across instances through PostgreSQL", () => {
  let fake: FakeLark;
  let tdb: TestDb;
  beforeAll(async () => {
    fake = await startFakeLark();
    tdb = await createTestDb();
  });
  afterAll(async () => {
    await tdb.close();
    await fake.close();
  });
  afterEach(() => fake.clearFaults());

  // 35/s each: 70/s together without sharing, and 15/s of room for timers firing late on a busy
  // machine when shared. Lark's per-minute ceiling is out of this test's way.
  const instance = (options: LarkChatGatewayOptions = {}) =>
    gatewayFor(fake, {
      perApiPerSecond: 35,
      perApiPerMinute: 100_000,
      rateLimitRetries: 10,
      maxRetryWaitMs: 60_000,
      ...options,
    });
  const sendAll = (gateways: LarkChatGateway[], n: number, chat: (i: number) => string) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        gateways[i % gateways.length]!.sendMessage({
          receiveIdType: 'chat_id',
          receiveId: chat(i),
          message: { msgType: 'text', content: JSON.stringify({ text: `${i}` }) },
          uuid: `pace-${Math.random().toString(36).slice(2)}-${i}`,
        }),
      ),
    );

  it(
    'two instances, each pacing alone at 35/s, together exceed 50/s (the control)',
    { timeout: 60_000 },
    async () => {
      fake.enforceRateLimit({ method: 'POST', path: MESSAGES, perSecond: 50 });
      await sendAll([instance().gateway, instance().gateway], 150, (i) => `oc_alone_${i}`);
      expect(fake.rateLimited).toBeGreaterThan(0);
    },
  );

  it(
    'sharing slots in the database, they stay under 50/s per API together: no 429',
    { timeout: 60_000 },
    async () => {
      fake.enforceRateLimit({ method: 'POST', path: MESSAGES, perSecond: 50 });
      const slots = databasePacingSlots(tdb.db);
      const a = instance({ pacingSlots: slots });
      const b = instance({ pacingSlots: slots });
      const sent = await sendAll([a.gateway, b.gateway], 150, (i) => `oc_shared_${i}`);
      expect(new Set(sent.map((s) => s.messageId)).size).toBe(150);
      expect(fake.rateLimited).toBe(0);
      expect(
        a.metrics.value('lark_pacing_waits_total') + b.metrics.value('lark_pacing_waits_total'),
      ).toBeGreaterThan(0);
    },
  );

  it('and under 5/s in one chat together', { timeout: 60_000 }, async () => {
    fake.enforceRateLimit({
      method: 'POST',
      path: MESSAGES,
      perSecond: 5,
      keyBy: (c) => String((c.json as { receive_id?: string }).receive_id),
      code: 230020,
    });
    const slots = databasePacingSlots(tdb.db);
    await sendAll(
      [instance({ pacingSlots: slots }).gateway, instance({ pacingSlots: slots }).gateway],
      16,
      () => 'oc_one_chat',
    );
    expect(fake.rateLimited).toBe(0);
  });

  it('without the database, a call is paced by its own process instead of failing', async () => {
    const gone = await createTestDb();
    await gone.shutDown();
    const { gateway, metrics } = instance({ pacingSlots: databasePacingSlots(gone.db) });
    await sendAll([gateway], 3, (i) => `oc_db_down_${i}`);
    expect(metrics.value('lark_pacing_local_total')).toBeGreaterThanOrEqual(3);
    await gone.close();
  });

  it('the bot on PostgreSQL paces its calls through the shared table', async () => {
    const h = await startHarness({ db: tdb, fake });
    try {
      const keys = await queryRows<{ key: string }>(tdb.db, sql`select key from lark_pacing order by key`);
      // Its start-up call (the bot's own identity) took a shared slot.
      expect(keys.map((k) => k.key)).toEqual(expect.arrayContaining(['api:bot.info']));
    } finally {
      await h.close();
    }
  });
});
