import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { nextCreateTime, postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * A task keyword in a file's name (「两委会议记录.pdf」 → C03 村两委会议记录及签到表) files the burst at once only
 * when it speaks for every file: one document's name among site photos only puts its task first.
 */
describe('a keyword in one file’s name', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'KW' });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const postPdf = async (name: string) => {
    const messageId = id('om_');
    const fileKey = id('file_');
    h.fake.addResource({ messageId, fileKey, bytes: Buffer.from(`%PDF-1.4\n% ${messageId}\n%%EOF\n`) });
    const res = await h.post(
      messageEvent({
        appId: h.fake.appId,
        chatId,
        messageId,
        senderOpenId: org.officer,
        msgType: 'file',
        content: { file_key: fileKey, file_name: name },
        createTimeMs: nextCreateTime(h),
      }),
    );
    expect(res.status).toBe(200);
    return messageId;
  };
  const liveItemsOf = (messageIds: string[]) =>
    queryRows<{ task: string; n: number }>(
      h.db.db,
      sql`select t.code as task, count(*)::int as n from filing_items fi join tasks t on t.id = fi.task_id
          join filing_item_materials fim on fim.item_id = fi.id join materials m on m.id = fim.material_id
          where fi.undone_at is null and m.message_id in (${sql.join(
            messageIds.map((m) => sql`${m}`),
            sql`, `,
          )})
          group by t.code`,
    );

  it('two photos and 「两委会议记录.pdf」: nothing filed; the card offers 会议记录 first, and 分开交', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const second = await postPhoto(h, { chatId, sender: org.officer });
    const doc = await postPdf('两委会议记录.pdf');
    const card = await replyAfterQuiet(h, clock, first);
    // Before: the PDF's name filed all three to C03, whatever the photos showed.
    expect(await liveItemsOf([first, second, doc])).toEqual([]);
    const text = JSON.stringify(card.content);
    expect(text).toContain('收到材料，请选择交到哪项任务');
    const files = cardButtons(card.content).filter((b) => b.value?.a === 'file');
    expect(files[0]!.text).toContain('会议记录');
    expect(cardButtons(card.content).some((b) => b.value?.a === 'split')).toBe(true);
  });

  it('「两委会议记录.pdf」 alone is filed to C03 at once (its name speaks for the whole burst)', async () => {
    const doc = await postPdf('两委会议记录.pdf');
    const card = await replyAfterQuiet(h, clock, doc);
    expect(JSON.stringify(card.content)).toContain('已交到');
    expect(await liveItemsOf([doc])).toEqual([{ task: 'C03', n: 1 }]);
  });

  it('「会议记录.pdf」 and 「签到表.pdf」 together are filed to C03 at once: each name holds one of its keywords', async () => {
    // C03 (one of its two still missing) wants the minutes and the sign-in sheet: sent together, neither
    // name holds the other's keyword (filed at once before keywordCoversBurst; then only offered first).
    const minutes = await postPdf('7月会议记录.pdf');
    const sheet = await postPdf('7月签到表.pdf');
    const card = await replyAfterQuiet(h, clock, minutes);
    expect(JSON.stringify(card.content)).toContain('已交到');
    expect(await liveItemsOf([minutes, sheet])).toEqual([{ task: 'C03', n: 2 }]);
  });
});
