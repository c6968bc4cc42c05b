import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { actionValue, tapCard } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { openIdOf } from '../support/open-ids.js';
import { waitFor } from '../support/wait-for.js';
import { leaderOnPhone, createWebWorld, taskIdOf, type WebWorld } from './web-world.js';

const MINUTE_MS = 60_000;

/**
 * Someone never registered (no row in `people`, outside Lark's contact range) who read a 督办 or filed
 * a photo: the pages said 「未登记姓名的成员（…abcd）」, and the leader or archivist could not tell who it
 * was. They are a member of the village's group, and Lark's member list of that chat names them.
 */
describe.skipIf(!hasChromium)('pages name people nobody registered as their group knows them', () => {
  let w: WebWorld;
  let browser: Browser;
  let page: Page;
  const tleader = { openId: 'ou_WN_tleader', name: '钱镇长' };
  const clerk = openIdOf('WN_clerk');

  beforeAll(async () => {
    w = await createWebWorld('WN');
    browser = await launchChromium();
    ({ page } = await leaderOnPhone(w, browser, tleader));
    // 河口村's group: the registered officer and 刘会计, whom nobody registered.
    w.h.fake.addChat({
      chatId: w.chats.village2,
      name: '河口村工作群',
      members: [
        { openId: w.org.officer, name: '王村官' },
        { openId: clerk, name: '刘会计' },
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  /** Past the read receipts' minute and the gateway's 10-minute member cache (a list read before the clerk joined). */
  const pastCaches = () => w.clock.set(new Date(w.clock.now().getTime() + 11 * MINUTE_MS));
  const readersLine = async (url: string) => {
    await page.goto(url);
    return page.locator('#urge-readers').innerText({ timeout: 5000 });
  };

  it('the village page and the task page name the reader from the chat’s members', async () => {
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    await page.locator('#children tr', { hasText: '河口村' }).locator('button', { hasText: '督办' }).click();
    await page.waitForURL('**/urge');
    await waitFor('the 督办 delivered', async () =>
      (await w.urgeStatuses(w.chats.village2)).includes('sent'),
    );
    const urge = w.h.fake
      .sentMessages()
      .find((m) => m.chatId === w.chats.village2 && JSON.stringify(m.content).includes('督办'))!;
    w.h.fake.markRead(urge.messageId, w.org.officer);
    w.h.fake.markRead(urge.messageId, clerk);
    await pastCaches();

    // Before: 「已读：王村官、未登记姓名的成员（…xxxx）」.
    expect(await readersLine(`${w.h.bot.url}/units/${w.units.village2.id}`)).toBe('已读：王村官、刘会计');
    const c01 = await taskIdOf(w, w.units.village2, 'C01');
    expect(await readersLine(`${w.h.bot.url}/tasks/${c01}`)).toBe('已读：王村官、刘会计');
  });

  it('the item page and the task page name who filed it', async () => {
    await pastCaches();
    const chatId = w.chats.village2;
    const photo = await postPhoto(w.h, { chatId, sender: clerk });
    const ack = await replyAfterQuiet(w.h, w.clock, photo);
    const filed = await tapCard(w.h, {
      operator: clerk,
      value: actionValue(ack.content, 'file'),
      chatId,
      messageId: ack.messageId,
    });
    expect(filed.toast.type).toBe('success');
    const itemId = Number(actionValue(filed.card.data, 'undo').i);
    const [row] = await queryRows<{ task_id: number }>(
      w.h.db.db,
      sql`select task_id::int as task_id from filing_items where id = ${itemId}`,
    );
    // Before: 「未登记姓名的成员（…xxxx）」 on both.
    for (const url of [`/items/${itemId}`, `/tasks/${row!.task_id}`]) {
      await page.goto(`${w.h.bot.url}${url}`);
      const text = await page.locator('main, body').first().innerText();
      expect(text).toContain('刘会计');
      expect(text).not.toContain('未登记姓名的成员');
    }
  });
});
