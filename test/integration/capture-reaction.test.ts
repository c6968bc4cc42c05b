import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { fixtureEvent, materialsOf, repliesTo, smallPhoto, waitFor } from './capture-helpers.js';

/**
 * Quick acknowledgment (issue 14): as soon as a message's file is stored, the bot puts its reaction
 * on the message (Lark's message-reaction API), before the burst's card; the reaction is a job of its
 * own, so Lark refusing it never touches what was stored.
 */
describe('capture: a stored file gets the bot’s reaction on its message', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', env: { BURST_QUIET_SECONDS: '1' } });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.fake.assertNoUnknownRoutes();
    h.fake.clearFaults();
  });

  const reactionsOn = (messageId: string) => h.fake.reactions().filter((r) => r.messageId === messageId);
  const jobsFor = (messageId: string) =>
    queryRows<{ status: string; attempts: number }>(
      h.db.db,
      sql`select status, attempts from jobs where kind = 'react-stored' and key = ${messageId}`,
    );

  it('a photo: stored, then one DONE reaction on its message, before the burst card', async () => {
    const ev = fixtureEvent('image', h.fake.appId, { senderOpenId: 'ou_reacta' });
    const id = ev.event.message.message_id;
    h.fake.addResource({
      messageId: id,
      fileKey: 'img_4adb3cc3-902b-4187-b0f1-842f67fd017g',
      bytes: await smallPhoto(),
    });
    expect((await h.post(ev)).status).toBe(200);
    await waitFor('the reaction', () => reactionsOn(id)[0]);
    expect(reactionsOn(id)).toEqual([{ messageId: id, emojiType: 'DONE' }]);
    expect((await materialsOf(h.db.db, id)).map((m) => m.status)).toEqual(['stored']);
    const reactedAt = h.fake.callsTo('POST', `/open-apis/im/v1/messages/${id}/reactions`)[0]!.time;
    const card = await waitFor('the burst card', () => repliesTo(h.fake, id)[0]);
    expect(card).toBeDefined();
    const cardAt = h.fake.callsTo('POST', `/open-apis/im/v1/messages/${id}/reply`)[0]!.time;
    expect(reactedAt).toBeLessThanOrEqual(cardAt);
  });

  it('a post with three files gets one reaction (one per message, not per file)', async () => {
    const ev = fixtureEvent('post', h.fake.appId, { senderOpenId: 'ou_reactb' });
    const id = ev.event.message.message_id;
    h.fake.addResource({
      messageId: id,
      fileKey: 'img_47354fbc-a159-40ed-86ab-2ad0f1acb42g',
      bytes: await smallPhoto(),
    });
    h.fake.addResource({
      messageId: id,
      fileKey: 'file_v2_0dcdd7d9-fib0-4432-a519-41d25aca542j',
      bytes: Buffer.from('mp4'),
    });
    h.fake.addResource({
      messageId: id,
      fileKey: 'img_7ea74629-9191-4176-998c-2e603c9c5e8g',
      bytes: await smallPhoto(),
    });
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    await waitFor(
      'three stored',
      async () => (await materialsOf(h.db.db, id)).every((m) => m.status === 'stored') || undefined,
    );
    await waitFor('the reaction', () => reactionsOn(id)[0]);
    await h.settle();
    expect(reactionsOn(id)).toHaveLength(1);
  });

  it('Lark refusing the reaction changes nothing else: the file is stored and the card is sent', async () => {
    h.fake.inject({
      method: 'POST',
      path: /\/reactions$/,
      fault: { code: 231003, msg: 'The message is not found or has been recalled' },
    });
    const ev = fixtureEvent('image', h.fake.appId, { senderOpenId: 'ou_reactc' });
    const id = ev.event.message.message_id;
    h.fake.addResource({
      messageId: id,
      fileKey: 'img_4adb3cc3-902b-4187-b0f1-842f67fd017g',
      bytes: await smallPhoto(),
    });
    expect((await h.post(ev)).status).toBe(200);
    await waitFor('the burst card', () => repliesTo(h.fake, id)[0]);
    expect((await materialsOf(h.db.db, id)).map((m) => m.status)).toEqual(['stored']);
    expect(reactionsOn(id)).toEqual([]);
    expect(h.fake.callsTo('POST', `/open-apis/im/v1/messages/${id}/reactions`)).toHaveLength(1);
    // Refused for good: the job is done after one attempt, not retried or dead.
    await waitFor('the job finished', async () => (await jobsFor(id))[0]?.status === 'done' || undefined);
    expect(await jobsFor(id)).toEqual([{ status: 'done', attempts: 1 }]);
  });
});
