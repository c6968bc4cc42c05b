import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

/**
 * A caption belongs to one burst. An officer sends a photo, writes 「#C05 …」 just before its quiet window ends (2 s in tests), gets the
 * card (filed by the code) and at once sends the next photo with 「今天下午」: the 「#C05」 text lies within
 * the next photo's quiet window before it, but it was the burst before's caption, so the next photo
 * gets a card to choose from instead of being filed to C05 by the other photo's code.
 */
describe('a caption is read by one burst only', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = 'oc_caption_once';
  const clock = new ManualClock('2026-12-03T10:00:00+08:00');

  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'CO', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const captionOf = async (photo: string) =>
    (
      await queryRows<{ caption: string | null }>(
        h.db.db,
        sql`select b.caption from bursts b join materials m on m.burst_id = b.id where m.message_id = ${photo}`,
      )
    )[0]?.caption;

  it("the next photo, sent right after the card, does not take the photo before's 「#C05」", async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await h.settle();
    await clock.advance(1_900);
    await postText(h, { chatId, sender: org.officer, text: '#C05 村两委会议照片' });
    const filed = await replyAfterQuiet(h, clock, first);
    expect(JSON.stringify(filed.content), JSON.stringify(filed.content)).toContain('已交到');

    const next = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '今天下午' });
    const card = await replyAfterQuiet(h, clock, next);
    expect(await captionOf(next)).toBe('今天下午');
    expect(JSON.stringify(card.content)).not.toContain('已交到');
    expect(cardButtons(card.content).some((b) => b.value.a === 'file')).toBe(true);
    expect(await captionOf(first)).toBe('#C05 村两委会议照片');
  });
});
