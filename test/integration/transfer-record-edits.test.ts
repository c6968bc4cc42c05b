import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { cliInProcess, handOverArgs } from '../support/cli-in-process.js';
import { localDay } from '../../src/domain/working-days.js';
import { recallEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';
import { signedInContext } from '../support/web-sign-in.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const PUBLIC_URL = 'https://archive.example.test';
const MINUTE = 60_000;

/**
 * 移交后变更 of the second kind: a 件 a 移交包 carried keeps its 档号, but its 著录 is changed (更正著录 on
 * the chat's correction card) or one of its files recalled (the rest kept). Both are listed after that
 * package — on its page, the unit's 移交包 page and `archive transfers` — each in its own words
 * (著录已改 / 文件已撤回); a 著录 made before the package is not, nor are the changes on a later
 * package's page. Before, only a retired 档号 was a 移交后变更: these were listed nowhere.
 */
describe.skipIf(!hasChromium)('著录已改 and 文件已撤回 after a 移交包', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  let browser: Browser;
  let villageId: number;
  const chatId = id('oc_');
  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness({ mode: 'webhook', clock, env: { STORED_REACTION: 'off', PUBLIC_URL } }),
      launchChromium(),
    ]);
    org = await seedOrg(h.db.db, { prefix: 'RE', clock });
    villageId = (await getUnitByCode(h.db.db, org.village))!.id;
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          values (${chatId}, ${villageId}, 'active', 'cli', ${clock.now()})`,
    );
  });
  afterAll(() => Promise.all([browser?.close(), h?.close()]));
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  const archivistSays = (text: string) => sayToBot(h, { chatId, sender: org.archivist, text });
  const cli = async (...args: string[]) => {
    const res = await cliInProcess(['archive', ...args], {}, h.db);
    expect(res.code, res.stderr).toBe(0);
    return res.stdout;
  };
  /** 导出 in the chat: the package it recorded. */
  const exportNow = async (): Promise<number> => {
    const [before] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from transfer_packages`,
    );
    await archivistSays('导出');
    await h.settle();
    const packageId = await waitFor('the export recorded as sent', async () => {
      const rows = await queryRows<{ id: number }>(
        h.db.db,
        sql`select id::int as id from transfer_packages where sent_chat_id is not null order by id`,
      );
      return rows.length > before!.n ? rows.at(-1)!.id : undefined;
    });
    // Handed to the county archive the day it was made (only a handed-over package is what it holds).
    const handed = await cliInProcess(
      ['archive', ...handOverArgs(packageId, localDay(clock.now(), 'Asia/Shanghai'))],
      {},
      h.db,
    );
    expect(handed.code, handed.stderr).toBe(0);
    return packageId;
  };
  /** The officer's photos posted one message each, as one burst, filed from its card: the item. */
  const fileBurst = async (seeds: number[]) => {
    const messages: string[] = [];
    for (const seed of seeds) messages.push(await postPhoto(h, { chatId, sender: org.officer, seed }));
    const ack = await replyAfterQuiet(h, clock, messages[0]!);
    const filed = await click(org.officer, actionValue(ack.content, 'file'), { messageId: ack.messageId });
    expect(filed.toast.type).toBe('success');
    await h.settle();
    return { itemId: Number(actionValue(filed.card.data, 'fix').i), messages };
  };
  const codeOf = (itemId: number) =>
    waitFor('the 档号', async () => {
      const [r] = await queryRows<{ code: string }>(
        h.db.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
      );
      return r?.code;
    });
  /** The archivist's browser on a page: `act` there first (a form sent), then the text and kinds at `selector`. */
  const pageText = async (path: string, selector: string, act?: (page: Page) => Promise<void>) => {
    const context = await signedInContext(h, browser, { openId: org.archivist, name: '李档案' }, PUBLIC_URL, {
      locale: 'zh-CN',
    });
    const page = await context.newPage();
    await page.goto(`${h.bot.url}${path}`);
    if (act) await act(page);
    const text = await page.locator(selector).innerText();
    const kinds = await page
      .locator(`${selector} [data-kind]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    await context.close();
    return { text, kinds };
  };

  it('a 著录 changed and a file recalled after the package are listed as such there, not before it nor once a later package carried them', async () => {
    const twoPhotos = await fileBurst([31, 32]);
    clock.advance(10 * MINUTE);
    const described = await fileBurst([33]);
    const preview = await archivistSays('确认归档');
    await click(org.archivist, actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    await h.settle();
    const [recalledCode, describedCode] = [await codeOf(twoPhotos.itemId), await codeOf(described.itemId)];
    // A 著录 before the package: the package carried it as it is; no change after it.
    clock.advance(MINUTE);
    // (On its page, which runs on the test clock: the command line's real clock may be after it.)
    const before = await pageText(`/items/${described.itemId}`, '#describe-result', async (page) => {
      await page.locator('#f-title').fill('入户照片');
      await page.locator('form#describe button[type=submit]').click();
      await page.waitForLoadState('load');
    });
    expect(before.text).toContain('已保存说明');
    expect(before.text).not.toContain('移交');
    clock.advance(MINUTE);
    const first = await exportNow();
    clock.advance(MINUTE);
    expect(await cli('transfers')).toContain('移交后变更（著录已改、文件已撤回）：无');
    expect((await pageText(`/transfers/${first}`, '#edited')).kinds).toEqual([]);
    const carried = await pageText(`/items/${described.itemId}`, '#transfer');
    expect(carried.text).toContain(`随移交包 #${first} 移交`);
    expect(carried.text).not.toContain('移交后');

    // After it: 更正著录 on the chat's correction card, 题名 on the other 件's page, and one of its two
    // photos recalled.
    const card = await click(org.archivist, { a: 'fix', i: described.itemId });
    const saved = await click(org.archivist, actionValue(card.card.data, 'fix-describe'), {
      formValue: { title: '入户核查照片', responsible: '城关村村委会' },
    });
    expect(saved.toast.type).toBe('success');
    // The archivist is told it is a 移交后变更.
    expect(saved.toast.content).toContain(
      `县档案馆保存的移交包中仍是改动前的著录（档号 ${describedCode} 不变），需要时请向县档案馆报送（已列入「移交后变更」）：${PUBLIC_URL}/units/${villageId}/transfers`,
    );
    clock.advance(MINUTE);
    const result = await pageText(`/items/${twoPhotos.itemId}`, '#describe-result', async (page) => {
      await page.locator('#f-title').fill('入户走访照片');
      await page.locator('form#describe button[type=submit]').click();
      await page.waitForLoadState('load');
    });
    expect(result.text).toContain('已保存说明');
    expect(result.text).toContain(`县档案馆保存的移交包中仍是改动前的著录（档号 ${recalledCode} 不变）`);
    clock.advance(MINUTE);
    const recalled = await h.post(
      recallEvent({
        appId: h.fake.appId,
        messageId: twoPhotos.messages[1]!,
        chatId,
        recallTimeMs: clock.now().getTime(),
      }),
    );
    expect(recalled.status).toBe(200);
    await h.settle();
    // The archivists are told, as of a 档号 retired after a 移交包, that it is a 移交后变更.
    const told = await waitFor('the recall told to the archivist', () =>
      h.fake
        .sentMessages()
        .filter((m) => m.receiveId === org.archivist && m.msgType === 'text')
        .map((m) => (m.content as { text: string }).text)
        .find((t) => t.includes(`${recalledCode}`) && t.includes('撤回')),
    );
    expect(told).toContain(`县档案馆保存的移交包中仍是改动前的文件（档号 ${recalledCode} 不变）`);
    expect(told).toContain(`（已列入「移交后变更」）：${PUBLIC_URL}/units/${villageId}/transfers`);
    // Both 件 keep their 档号.
    expect(await codeOf(twoPhotos.itemId)).toBe(recalledCode);
    expect(await codeOf(described.itemId)).toBe(describedCode);

    const listed = await cli('transfers');
    expect(listed).toContain('移交后变更：无');
    expect(listed).toContain('移交后变更（著录已改、文件已撤回）3 项');
    expect(listed).toContain('下一个移交包的说明文件会列出，该包记录移交后不再列在这里');
    expect(listed).toMatch(
      new RegExp(
        `${recalledCode}（条目 ${twoPhotos.itemId}）随移交包 #${first}（.+）移交；.+ 著录已改（题名）`,
      ),
    );
    expect(listed).toMatch(
      new RegExp(
        `${describedCode}（条目 ${described.itemId}）随移交包 #${first}（.+）移交；.+ 著录已改（题名、责任者）`,
      ),
    );
    expect(listed).toMatch(
      new RegExp(
        `${recalledCode}（条目 ${twoPhotos.itemId}）随移交包 #${first}（.+）移交；.+ 文件已撤回（撤回 1 个文件，还有 1 个）`,
      ),
    );
    expect(listed).not.toContain('页数');

    const own = await pageText(`/transfers/${first}`, '#edited');
    expect(own.kinds).toEqual(['described', 'described', 'recalled']);
    expect(own.text).toContain(`${describedCode}`);
    expect(own.text).toContain('著录已改（题名、责任者）；档号不变');
    expect(own.text).toContain('文件已撤回（撤回 1 个文件，还有 1 个）；档号不变');
    const unitPage = await pageText(`/units/${villageId}/transfers`, '#edited');
    expect(unitPage.kinds).toEqual(['described', 'described', 'recalled']);
    // Each 件's page says it beside the package that carried it.
    const itemPage = await pageText(`/items/${twoPhotos.itemId}`, '#transfer');
    expect(itemPage.kinds).toEqual(['described', 'recalled']);
    expect(itemPage.text).toContain(`移交后著录已改（题名）（档号 ${recalledCode} 不变）`);
    expect(itemPage.text).toContain('移交后文件已撤回（撤回 1 个文件，还有 1 个）');
    expect((await pageText(`/items/${described.itemId}`, '#transfer')).text).toContain(
      '移交后著录已改（题名、责任者）',
    );
    expect(unitPage.text).toContain(`随移交包 #${first}`);

    // A later package carries them as they are now: nothing changed after it, and the county holds
    // them as changed, so the first package's changes are no longer listed to report.
    clock.advance(MINUTE);
    const second = await exportNow();
    // Its 说明文件 tells the county archive which 档号 it holds as they were (the first package's had none).
    const readme = async (packageId: number) => {
      const [p] = await queryRows<{ dir: string }>(
        h.db.db,
        sql`select out_dir as dir from transfer_packages where id = ${packageId}`,
      );
      return readFileSync(join(p!.dir, '说明文件.TXT'), 'utf8');
    };
    expect(await readme(first)).not.toContain('移交后变更（档号不变）');
    const stated = (await readme(second)).split(/\r?\n/);
    const at = stated.findIndex((l) => l.startsWith('移交后变更（档号不变）'));
    expect(at, 'its 说明文件 lists the changes of 件 that kept their 档号').toBeGreaterThan(-1);
    expect(stated[at]).toContain('以下 2 个档号其后著录已改或有文件撤回');
    const lineOf = (code: string) => stated.slice(at + 1, at + 3).find((l) => l.startsWith(`  ${code}（`));
    expect(lineOf(describedCode)).toMatch(
      /^ {2}.+（\d{4}-\d{2}-\d{2} 移交；\d{4}-\d{2}-\d{2} 著录已改（题名、责任者））$/,
    );
    expect(lineOf(recalledCode)).toMatch(
      / 移交；.+ 著录已改（题名）；.+ 文件已撤回（撤回 1 个文件，还有 1 个））$/,
    );
    const [carriedAgain] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from transfer_package_records r join archive_records ar on ar.id = r.record_id
          where r.package_id = ${second} and ar.item_id in (${twoPhotos.itemId}, ${described.itemId})`,
    );
    expect(carriedAgain!.n).toBe(2);
    expect((await pageText(`/transfers/${second}`, '#edited')).kinds).toEqual([]);
    expect((await pageText(`/transfers/${first}`, '#edited')).kinds).toEqual([]);
    expect((await pageText(`/units/${villageId}/transfers`, '#edited')).kinds).toEqual([]);
    expect((await pageText(`/items/${twoPhotos.itemId}`, '#transfer')).text).not.toContain('移交后');
    expect(await cli('transfers')).toContain('移交后变更（著录已改、文件已撤回）：无');
  }, 120_000);
});
