import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { addDays, localDay, weekMonday, zonedInstant } from '../../src/domain/working-days.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { postPhoto, waitOnClock } from '../support/chat-photos.js';
import { cardLinks } from '../support/cards.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const PUBLIC_URL = 'https://archive.example.test';
const TZ = 'Asia/Shanghai';

/** The quality figures of a unit page, as the digest names them. */
function pageFigures(html: string) {
  const n = (re: RegExp) => Number(re.exec(html)?.[1] ?? NaN);
  return {
    compressed: n(/id="q-compressed">\s*<b>[^<：]*：(\d+)<\/b>/),
    needsReupload: n(/id="q-needs-reupload">(\d+)</),
    failed: n(/id="q-download-failed">(\d+)</),
    period: /id="quality-period">([^<]*)</.exec(html)?.[1],
  };
}

/**
 * The weekly digest counts quality problems over its week; the page its buttons open counts them
 * over the same week (the link carries it), so the leader finds the digest's figures there — not
 * those of the last 30 days, which also hold what was posted since.
 */
describe("the digest's quality figures and the page they open", () => {
  let w: WebWorld;
  beforeAll(async () => {
    w = await createWebWorld('WD', { PUBLIC_URL });
  });
  afterAll(() => w?.close());

  /** A photo Lark refuses to hand over (234003: recalled): it ends `needs_reupload`. */
  const refusedPhoto = async () => {
    const messageId = `om_${randomBytes(10).toString('hex')}`;
    w.h.fake.inject({ path: new RegExp(`/messages/${messageId}/resources/`), fault: { code: 234003 } });
    await postPhoto(w.h, { chatId: w.chats.village, sender: w.org.officer, messageId });
    await waitOnClock(w.h, w.clock, 'the photo refused', async () => {
      const [m] = await queryRows<{ status: string }>(
        w.h.db.db,
        sql`select status from materials where message_id = ${messageId}`,
      );
      return m?.status === 'needs_reupload';
    });
  };

  it('查看全部 and 查看质量问题 open the unit page over the digest week, with the same figures', async () => {
    // The digest's week: the world's two chat-compressed photos and one photo Lark refused.
    await refusedPhoto();
    // The next Tuesday (the leader reads the digest a day late): one more of each, outside that week.
    const monday = addDays(weekMonday(localDay(w.clock.now(), TZ)), 7);
    await w.clock.set(zonedInstant(addDays(monday, 1), '10:00', TZ));
    const later = await postPhoto(w.h, { chatId: w.chats.village, sender: w.org.officer, size: 200 });
    await waitOnClock(w.h, w.clock, 'the later photo stored', async () => {
      const [m] = await queryRows<{ quality: string | null }>(
        w.h.db.db,
        sql`select quality from materials where message_id = ${later} and status = 'stored'`,
      );
      return m?.quality === 'compressed';
    });
    await refusedPhoto();

    // That Monday's digest to the county leader (as the bot's scheduler sends it).
    const scheduler = schedulerFor(w.h.bot.deps, w.h.bot.settings.schedules, {
      publicUrl: w.h.bot.config.web.publicUrl,
      wakeJobs: () => w.h.bot.jobWorker.wake(),
    });
    await scheduler.runDue(zonedInstant(monday, '09:00', TZ), 'tick');
    w.h.bot.jobWorker.wake();
    const digest = await waitFor('the digest to the county leader', () =>
      w.h.fake
        .sentMessages()
        .find((m) => m.receiveId === w.org.leader && JSON.stringify(m.content).includes('周报')),
    );
    const text = JSON.stringify(digest.content);
    const [, compressed, needsReupload, failed] =
      /质量问题：压缩照片 (\d+) 张，需重新上传 (\d+) 个，下载失败 (\d+) 个/.exec(text)!.map(Number);
    expect({ compressed, needsReupload, failed }).toEqual({ compressed: 2, needsReupload: 1, failed: 0 });
    const weekName = (digest.content as any).header.subtitle.content as string;

    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const open = async (url: string) => (await w.get(url.slice(PUBLIC_URL.length), leader)).text();
    const buttons = cardLinks(digest.content);
    for (const name of ['查看全部', '查看质量问题']) {
      const [, url] = buttons.find(([t]) => t === name) ?? [name, ''];
      expect(url, name).toContain(`${PUBLIC_URL}/units/${w.units.county.id}`);
      expect(pageFigures(await open(url)), name).toEqual({
        compressed,
        needsReupload,
        failed,
        period: weekName,
      });
    }
    // The same page without the week: the last 30 days, which hold Tuesday's photos too.
    expect(pageFigures(await open(`${PUBLIC_URL}/units/${w.units.county.id}`))).toEqual({
      compressed: 3,
      needsReupload: 2,
      failed: 0,
      period: '近 30 天',
    });
  });
});
