import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { burstPlacement, closeDueBursts, getBurst, placeInBurst } from '../../src/db/repos/bursts.js';
import { insertMaterialsInBurst } from '../../src/db/repos/materials.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

describe('placing a message in its burst when the closer closed it meanwhile', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.close());

  const t0 = new Date('2026-12-01T02:00:00Z');
  const window = 20_000;
  const item = (messageId: string, atMs: number) => ({
    chatId: 'oc_chat',
    senderOpenId: 'ou_sender',
    messageId,
    at: new Date(t0.getTime() + atMs),
    quietWindowMs: window,
  });

  it('starts a new burst for it (with its materials), instead of joining the closed one', async () => {
    const first = await db.db.transaction((tx) => placeInBurst(tx, item('om_1', 0), t0));
    const late = item('om_2', 5000);
    const { burstId, materialIds } = await db.db.transaction(async (tx) => {
      // The capture has read the open burst and decided to join it…
      const placement = await burstPlacement(tx, late, t0);
      // …when the closer closes it (its quiet window passed): on PostgreSQL from another connection, as
      // the closer does; PGlite has one connection, so there inside this transaction.
      const closed = await closeDueBursts(db.url ? db.db : tx, new Date(t0.getTime() + 60_000), 0);
      expect(closed.map((b) => b.id)).toEqual([first]);
      return insertMaterialsInBurst(
        tx,
        [
          {
            messageId: 'om_2',
            resourceKey: 'img_2',
            resourceType: 'image',
            chatId: late.chatId,
            senderOpenId: late.senderOpenId,
            sentAt: late.at,
            kind: 'photo',
          },
        ],
        placement,
        t0,
      );
    });
    expect(burstId).not.toBe(first);
    const started = await getBurst(db.db, burstId);
    expect(started).toMatchObject({
      status: 'open',
      firstMessageId: 'om_2',
      firstAt: late.at,
      lastAt: late.at,
      closesAt: new Date(late.at.getTime() + window),
    });
    // The closed burst is as the closer left it; the material is in the new burst.
    expect(await getBurst(db.db, first)).toMatchObject({ status: 'closed', lastAt: t0 });
    const rows = await queryRows<{ burst_id: number }>(
      db.db,
      sql`select burst_id::int as burst_id from materials where id = ${materialIds[0]!}`,
    );
    expect(rows).toEqual([{ burst_id: burstId }]);
  });

  it('joins the burst when it is still open', async () => {
    const first = await db.db.transaction((tx) => placeInBurst(tx, item('om_10', 100_000), t0));
    const joined = await db.db.transaction((tx) => placeInBurst(tx, item('om_11', 105_000), t0));
    expect(joined).toBe(first);
    expect(await getBurst(db.db, first)).toMatchObject({
      status: 'open',
      lastAt: new Date(t0.getTime() + 105_000),
    });
  });
});
