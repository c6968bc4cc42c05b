import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { qualityProblems } from '../../src/db/repos/page-unit.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * A photo is `compressed` only under 300万像素 (media/inspect-photo.ts). Before, one without camera EXIF
 * was `compressed` whatever its size: a large scan captured then still counted on the unit page and in the
 * digest under 「照片被压缩（不足 300 万像素）」 until migration 0033 judged it again by its stored size.
 */
describe('photo quality stored under the old rule (migration 0033)', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'Q', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const statements = (file: string) =>
    readFileSync(new URL(`../../drizzle/${file}`, import.meta.url), 'utf8').split('--> statement-breakpoint');
  const stored = async (messageId: string) =>
    (
      await queryRows<{ quality: string; width: number; height: number }>(
        h.db.db,
        sql`select quality, width, height from materials where message_id = ${messageId}`,
      )
    )[0];

  it('a large photo without EXIF stored as compressed is ok after it; a small one stays compressed', async () => {
    // 1800×1800 = 324万像素, no EXIF (a scan); 64×64, no EXIF (compressed by any rule).
    const scan = await postPhoto(h, { chatId, sender: org.officer, size: 1800 });
    const small = await postPhoto(h, { chatId, sender: org.officer });
    await replyAfterQuiet(h, clock, scan);
    expect(await stored(scan)).toEqual({ quality: 'ok', width: 1800, height: 1800 });
    expect(await stored(small)).toEqual({ quality: 'compressed', width: 64, height: 64 });
    // As the old rule stored the scan: no camera EXIF, so compressed.
    await h.db.db.execute(sql`update materials set quality = 'compressed' where message_id = ${scan}`);
    const village = (await getUnitByCode(h.db.db, org.village))!;
    const compressed = async () => (await qualityProblems(h.db.db, village, clock.now())).compressed.total;
    expect(await compressed()).toBe(2);

    for (const s of statements('0033_photo_quality_by_size.sql')) await h.db.db.execute(sql.raw(s));
    expect(await stored(scan)).toEqual({ quality: 'ok', width: 1800, height: 1800 });
    expect(await stored(small)).toEqual({ quality: 'compressed', width: 64, height: 64 });
    expect(await compressed()).toBe(1);
  });
});
