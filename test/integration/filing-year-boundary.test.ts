import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { cardActionEvent } from '../support/events.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { waitFor } from '../support/wait-for.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';

/**
 * New Year with next year's tasks already out (the county created the 2027 campaign in December):
 * a photo sent on 31 December at 23:50 Beijing time (15:50 UTC) with 「#C05」 was made in 2026, so it
 * files to 2026's C05 and takes its 档号 in 2026's class (DA/T 22: 年度 is the year a document was
 * formed); one sent on 2 January files to 2027's, whose class starts at 件号 1. A photo sent that night
 * without a code and filed on 2 January from its card goes where the officer taps, the two years'
 * C05 told apart on the card by their year.
 */
describe('#code over New Year: the year the photo was sent, in Beijing time', () => {
  let h: Harness;
  let org: SeededOrg;
  let villageId: number;
  const chatId = 'oc_year_boundary';
  const clock = new ManualClock('2026-12-31T23:50:00+08:00');

  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'YB', clock });
    villageId = await bindVillageChat(h, org, chatId);
    await createCampaign(campaignDeps({ db: h.db.db, clock }), {
      checklistCode: 'village-jzfp',
      year: 2027,
      deadline: new Date('2027-12-31T00:00:00+08:00'),
      unitCodes: [org.village],
      createdBy: 'cli',
      code: 'YB-village-2027',
    });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const send = async (caption: string) => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: caption });
    await replyAfterQuiet(h, clock, photo);
    return filedAs(photo);
  };
  const storedPhoto = async (photo: string) =>
    (
      await queryRows<{ n: number }>(
        h.db.db,
        sql`select count(*)::int as n from materials where message_id = ${photo} and status = 'stored'`,
      )
    )[0]!.n > 0;
  const filedAs = async (photo: string) => {
    const [filed] = await queryRows<{ campaign: string; via: string }>(
      h.db.db,
      sql`select c.code as campaign, fi.via from filing_items fi join tasks t on t.id = fi.task_id
          join campaigns c on c.id = t.campaign_id
          join filing_item_materials fim on fim.item_id = fi.id join materials m on m.id = fim.material_id
          where m.message_id = ${photo} and fi.undone_at is null`,
    );
    return filed;
  };

  it('files 31 December 23:50 to 2026, 2 January to 2027; each year numbers from 0001', async () => {
    expect(await send('#C05 村两委会议照片')).toEqual({ campaign: 'YB-village-2026', via: 'code' });

    // Sent before midnight without a code, filed on 2 January from its card: the two years' C05 read
    // apart by their year (same title, same code), and the officer's choice decides the 年度.
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: '会场' });
    // Stored before the clock moves (the download kept out of the clock's race). In full runs this
    // photo once came filed by the 「#C05」 above, read as its caption too: fixed (filing-caption-once).
    await waitFor(`photo ${photo} stored`, () => storedPhoto(photo));
    const card = await replyAfterQuiet(h, clock, photo);
    const c05 = cardButtons(card.content).filter((b) => b.value.a === 'file' && b.text.includes('会议现场'));
    expect(c05.map((b) => b.text).sort(), JSON.stringify(card.content)).toEqual([
      '重要会议现场照片 2026年',
      '重要会议现场照片 2027年',
    ]);
    clock.set(new Date('2027-01-02T10:00:00+08:00'));
    const tap = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: c05.find((b) => b.text.endsWith('2026年'))!.value,
        chatId,
        messageId: card.messageId,
      }),
    );
    expect(((await tap.json()) as { toast: { type: string } }).toast.type).toBe('success');
    expect(await filedAs(photo)).toEqual({ campaign: 'YB-village-2026', via: 'card' });

    expect(await send('#C05 新年第一次村两委会议')).toEqual({ campaign: 'YB-village-2027', via: 'code' });

    // 确认归档 in January: last year's 件 in 2026's counter, the new year's first 件 at 1.
    const confirm = (year: number) =>
      confirmArchive(
        { db: h.db.db, clock, rules: TEST_ARCHIVE_CONFIG },
        { unitId: villageId, year, actor: 'cli', source: 'cli' },
      );
    const old = await confirm(2026);
    const now = await confirm(2027);
    expect(old.status === 'confirmed' && old.records.map((r) => r.archivalCode)).toEqual([
      expect.stringMatching(/^A182-ZP·2026-[A-Z0-9]+(-[A-Z]+)?-0001$/),
      expect.stringMatching(/^A182-ZP·2026-[A-Z0-9]+(-[A-Z]+)?-0002$/),
    ]);
    expect(now.status === 'confirmed' && now.records.map((r) => r.archivalCode)).toEqual([
      expect.stringMatching(/^A182-ZP·2027-[A-Z0-9]+(-[A-Z]+)?-0001$/),
    ]);
  });
});
