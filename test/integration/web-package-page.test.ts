import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { insertTransferPackage, markTransferPackageSent } from '../../src/db/repos/transfer-packages.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { packageSizeText } from '../../src/domain/package-size-text.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { filesOnDisk } from '../support/files-on-disk.js';
import { waitFor } from '../support/wait-for.js';
import { cliInProcess, handOverArgs } from '../support/cli-in-process.js';
import { localDay } from '../../src/domain/working-days.js';
import { processUserName } from '../../src/process-user.js';
import { signedInContext, signInCookie } from '../support/web-sign-in.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const PUBLIC_URL = 'https://archive.example.test';
const PHONE = { width: 360, height: 740 };

/**
 * One 移交包's own page: the archivist opens a package made by 导出 in the chat from the 导出 answer and
 * from its row on the unit's 移交包 page (Chromium at phone width) and sees what it is (scope, 四性 check,
 * who, 件, its size on disk — also on the row; 未记录 for an older package —, folder, 数字摘要, sent to which chat), the units and 档号 ranges it carried; after a 撤销确认 and
 * a second 导出, the later package states the 移交后变更 (linking the item and the earlier package) and the
 * earlier one shows its retired 档号 and the package that followed it. Others are refused: an officer and
 * a leader (403), another village's package and one that does not exist (找不到), a stranger; an archivist
 * of a village whose 件 a township package carried sees only the village's part (its 件 count beside the
 * whole package's, the whole package's facts labelled, the township's group not named), the township's
 * archivist all of it.
 */
describe.skipIf(!hasChromium)('a transfer package’s own page', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  let browser: Browser;
  let villageId: number;
  const chatId = id('oc_');
  const items: { id: number; code: string; fix: Record<string, unknown> }[] = [];
  let first = 0;
  let second = 0;
  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness({ mode: 'webhook', clock, env: { STORED_REACTION: 'off', PUBLIC_URL } }),
      launchChromium(),
    ]);
    org = await seedOrg(h.db.db, { prefix: 'PP', clock });
    villageId = (await getUnitByCode(h.db.db, org.village))!.id;
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          values (${chatId}, ${villageId}, 'active', 'cli', ${clock.now()})`,
    );
    // The chat's name as the bot records it when added to the chat.
    await h.db.db.execute(
      sql`insert into chats (chat_id, chat_type, name, active, added_at, updated_at)
          values (${chatId}, 'group', '城关村工作群', true, ${clock.now()}, ${clock.now()})`,
    );
  });
  afterAll(() => Promise.all([browser?.close(), h?.close()]));
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  const archivistSays = (text: string) => sayToBot(h, { chatId, sender: org.archivist, text });
  const browse = (user: { openId: string; name: string }) =>
    signedInContext(h, browser, user, PUBLIC_URL, { viewport: PHONE, locale: 'zh-CN' });
  const fitsPhone = async (page: Page) =>
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
  /** 导出 in the chat; the package it recorded and the answer's lines. */
  const exportNow = async (): Promise<{ packageId: number; answer: string[] }> => {
    const before = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from transfer_packages`,
    );
    const seen = h.fake.sentMessages().length;
    await archivistSays('导出');
    await h.settle();
    const packageId = await waitFor('the export recorded as sent', async () => {
      const rows = await queryRows<{ id: number }>(
        h.db.db,
        sql`select id::int as id from transfer_packages where sent_chat_id is not null order by id`,
      );
      return rows.length > before[0]!.n ? rows.at(-1)!.id : undefined;
    });
    // Handed to the county archive the day it was made (only a handed-over package is what it holds).
    const handed = await cliInProcess(
      ['archive', ...handOverArgs(packageId, localDay(clock.now(), 'Asia/Shanghai'))],
      {},
      h.db,
    );
    expect(handed.code, handed.stderr).toBe(0);
    // Asked in the group, the answer goes to the archivist directly, with the package.
    const answer = await waitFor('the export’s answer', () =>
      h.fake
        .sentMessages()
        .slice(seen)
        .filter((m) => m.receiveIdType === 'open_id' && m.receiveId === org.archivist && m.msgType === 'text')
        .map((m) => (m.content as { text: string }).text)
        .find((t) => t.includes('已生成')),
    );
    return { packageId, answer: answer.split('\n') };
  };

  it('the 导出 answer and the list row open the package’s page: what it is and what it carried', async () => {
    for (const seed of [21, 22]) {
      const messageId = await postPhoto(h, { chatId, sender: org.officer, seed });
      const ack = await replyAfterQuiet(h, clock, messageId);
      const filed = await click(org.officer, actionValue(ack.content, 'file'), { messageId: ack.messageId });
      const fix = actionValue(filed.card.data, 'fix');
      items.push({ id: Number(fix.i), code: '', fix });
    }
    const preview = await archivistSays('确认归档');
    await click(org.archivist, actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    await h.settle();
    for (const item of items)
      item.code = await waitFor('the 档号', async () => {
        const [r] = await queryRows<{ code: string }>(
          h.db.db,
          sql`select archival_code as code from archive_records
              where item_id = ${item.id} and status = 'confirmed'`,
        );
        return r?.code;
      });
    const [low, high] = items.map((i) => i.code).sort();
    const made = await exportNow();
    first = made.packageId;
    // The answer names this package's page, then the unit's list (one tap each on a phone).
    expect(made.answer.slice(-3)).toEqual([
      `这个移交包（#${first}）现在只是生成了，还没有记录移交。交给县档案馆后，请打开下面「这个包的详情」，` +
        '填写移交日期和接收人，点「已移交」；只是查看、不移交的包可以在那里作废。',
      `这个包的详情：${PUBLIC_URL}/transfers/${first}`,
      `移交包记录和移交后变更：${PUBLIC_URL}/units/${villageId}/transfers`,
    ]);

    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}/transfers/${first}`);
    expect(await page.locator('h1').innerText()).toBe(`移交包 #${first}`);
    const [recorded] = await queryRows<{ digest: string; outDir: string }>(
      h.db.db,
      sql`select digest, out_dir as "outDir" from transfer_packages where id = ${first}`,
    );
    const facts = await page.locator('#package').innerText();
    expect(facts).toContain('城关村 2026年度');
    expect(facts).toContain('群聊导出（李档案）');
    expect((await page.locator('#check').innerText()).trim()).toBe('通过');
    expect((await page.locator('#records').innerText()).trim()).toBe('2 件');
    expect((await page.locator('#digest').innerText()).trim()).toBe(recorded!.digest);
    expect(await page.locator('#out-dir').innerText()).toContain(recorded!.outDir);
    // Its size is the package folder on disk, summed here: 「共 … KB，N 个文件」.
    const size = packageSizeText(filesOnDisk(recorded!.outDir))!;
    expect(size).toMatch(/^共 [\d.]+ (字节|KB|MB)，\d+ 个文件$/);
    expect((await page.locator('#size').innerText()).trim()).toBe(size);
    expect(await page.locator('#sent').innerText()).toMatch(/^已私信发给导出人（.+）$/);
    expect((await page.locator(`#units [data-unit="${villageId}"]`).innerText()).trim()).toBe(
      '城关村 · 2 件',
    );
    const range = await page.locator('#classes [data-class]').innerText();
    expect(range).toContain(low!);
    expect(range).toContain(`至 ${high!}`);
    expect(range).toContain('2 件');
    expect(await page.locator('#stated-count').innerText()).toBe('0');
    expect(await page.locator('#retired-count').innerText()).toBe('0');
    expect(await page.locator('#neighbours').count()).toBe(0);
    await fitsPhone(page);

    // From the unit's 移交包 page: the row's number opens it.
    await page.goto(`${h.bot.url}/units/${villageId}/transfers`);
    expect(await page.locator(`#packages [data-package="${first}"]`).innerText()).toContain(` · ${size} · `);
    expect(await page.locator(`#packages [data-package="${first}"] a`).first().getAttribute('href')).toBe(
      `/transfers/${first}`,
    );
    await page.locator(`#packages [data-package="${first}"] a.open-package`).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/transfers/${first}`);
    await page.locator('#back-to-list').click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/units/${villageId}/transfers`);
  }, 60_000);

  it('the item page’s 「随移交包 #N 移交」 opens the package for the archivist; an officer reads it unlinked', async () => {
    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}/items/${items[0]!.id}`);
    await page.locator('#transfer a.transfer-package').click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/transfers/${first}`);
    const officer = await signInCookie(h, { openId: org.officer, name: '王村官' }, PUBLIC_URL);
    const own = await (
      await fetch(`${h.bot.url}/items/${items[0]!.id}`, { headers: { cookie: officer } })
    ).text();
    expect(own).toContain(`随移交包 #${first} 移交`);
    expect(own).not.toContain(`/transfers/${first}`);
  });

  it('after 撤销确认 and a second 导出: the later package states the change, the earlier one shows it and what followed', async () => {
    const opened = await click(org.archivist, items[0]!.fix);
    await click(org.archivist, actionValue(opened.card.data, 'fix-unconfirm'), {
      formValue: { reason: '交错了任务' },
    });
    await h.settle();
    await clock.advance(60_000);
    second = (await exportNow()).packageId;

    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}/transfers/${second}`);
    expect((await page.locator('#records').innerText()).trim()).toBe('1 件');
    expect(await page.locator('#stated-count').innerText()).toBe('1');
    const stated = page.locator('#stated [data-record]');
    const statedText = await stated.innerText();
    expect(statedText).toContain(items[0]!.code);
    expect(statedText).toContain('交错了任务');
    expect(statedText).toContain(`原随 移交包 #${first}`);
    expect(statedText).toContain('更正未报送');
    expect(await page.locator('#previous-package a').getAttribute('href')).toBe(`/transfers/${first}`);
    expect(await page.locator('#next-package').count()).toBe(0);
    await fitsPhone(page);
    // The change links the item, whose page shows the retired 档号.
    await stated.locator(`a[href="/items/${items[0]!.id}"]`).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/items/${items[0]!.id}`);

    // The first package: its 档号 retired since, stated in the second, which followed it.
    await page.goto(`${h.bot.url}/transfers/${first}`);
    expect(await page.locator('#retired-count').innerText()).toBe('1');
    const retired = await page.locator('#retired [data-record]').innerText();
    expect(retired).toContain(items[0]!.code);
    expect(retired).toContain(`已写入 移交包 #${second} 的说明文件`);
    expect(await page.locator('#next-package').innerText()).toContain(
      `之后又导出了城关村 2026年度的 移交包 #${second}`,
    );
    await page.locator('#next-package a').click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/transfers/${second}`);
    await fitsPhone(page);

    // On the unit's 移交包 page the owed change names both packages, each a link to its page.
    await page.goto(`${h.bot.url}/units/${villageId}/transfers`);
    const owed = page.locator('#owed [data-record]', { hasText: items[0]!.code });
    expect(
      await owed.locator('a[href^="/transfers/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
    ).toEqual([`/transfers/${first}`, `/transfers/${second}`]);
    await owed.locator(`a[href="/transfers/${second}"]`).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/transfers/${second}`);
    await fitsPhone(page);
  }, 60_000);

  it('a correction marked 已报送 with a note on the 移交包 page: both packages’ pages say how it was reported', async () => {
    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}/units/${villageId}/transfers`);
    const owed = page.locator('#owed [data-record]', { hasText: items[0]!.code });
    await owed.locator('input[name=note]').fill('县档函〔2026〕7号');
    page.on('dialog', (d) => void d.accept());
    await owed.locator('button', { hasText: '已报送更正' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#transfers-result').innerText()).toContain(
      `已标记为已报送更正：${items[0]!.code}`,
    );
    // The earlier package (its 档号 retired since) and the later one (its 说明文件 stated it).
    for (const [pkg, list] of [
      [first, '#retired'],
      [second, '#stated'],
    ] as const) {
      await page.goto(`${h.bot.url}/transfers/${pkg}`);
      const card = page.locator(`${list} [data-record]`, { hasText: items[0]!.code });
      expect(await card.innerText(), `#${pkg}`).toContain('更正已报送');
      expect((await card.locator('.report-note').innerText()).trim(), `#${pkg}`).toBe(
        '报送方式：县档函〔2026〕7号',
      );
      await fitsPhone(page);
    }
  }, 60_000);

  it('refused: an officer and a leader (403), another village’s package and none such (找不到), a stranger (no role)', async () => {
    const sibling = (await getUnitByCode(h.db.db, `${org.village.slice(0, -1)}2`))!;
    const other = await h.db.db.transaction((tx) =>
      insertTransferPackage(
        tx,
        {
          createdAt: clock.now(),
          actor: 'cli',
          source: 'cli',
          unitId: sibling.id,
          year: 2026,
          fondsCodes: 'A182',
          layout: 'carrier',
          preCheck: false,
          digest: 'cd'.repeat(32),
          outDir: '/srv/exports/hekou',
          records: 0,
        },
        [],
      ),
    );
    const get = async (user: { openId: string; name: string }, path: string) => {
      const cookie = await signInCookie(h, user, PUBLIC_URL);
      const res = await fetch(`${h.bot.url}${path}`, { headers: { cookie } });
      return { status: res.status, text: await res.text() };
    };
    for (const user of [
      { openId: org.officer, name: '王村官' },
      { openId: org.leader, name: '赵书记' },
    ]) {
      const res = await get(user, `/transfers/${first}`);
      expect(res.status, user.name).toBe(403);
      expect(res.text).toContain('只有档案员或管理员可以查看移交包记录');
      expect(res.text).not.toContain(items[1]!.code);
    }
    const archivist = { openId: org.archivist, name: '李档案' };
    for (const path of [`/transfers/${other}`, '/transfers/999999']) {
      const res = await get(archivist, path);
      expect(res.status, path).toBe(404);
      expect(res.text).toContain('找不到');
      expect(res.text).not.toContain('/srv/exports/hekou');
    }
    // Someone with no role anywhere meets the pages' own refusal.
    const stranger = await get({ openId: id('ou_'), name: '路人' }, `/transfers/${first}`);
    expect(stranger.status).toBe(403);
    expect(stranger.text).toContain('还没有任何单位的角色');
    expect(stranger.text).not.toContain(items[1]!.code);
  });

  it('a 预检包 says its check failed and lists no 档号 retired since; a package kept on the server says so', async () => {
    const [live] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from archive_records where item_id = ${items[1]!.id} and status = 'confirmed'`,
    );
    const pre = await h.db.db.transaction((tx) =>
      insertTransferPackage(
        tx,
        {
          createdAt: clock.now(),
          actor: org.archivist,
          source: 'chat',
          unitId: villageId,
          year: 2026,
          fondsCodes: 'A182',
          layout: 'carrier',
          preCheck: true,
          digest: '12'.repeat(32),
          outDir: '/srv/exports/precheck',
          records: 1,
        },
        [live!.id],
      ),
    );
    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}/transfers/${pre}`);
    expect(await page.locator('h1').innerText()).toBe(`预检包 #${pre}`);
    expect((await page.locator('#check').innerText()).trim()).toBe('不通过：这是预检包，不得移交');
    expect((await page.locator('#sent').innerText()).trim()).toBe('没有发到群里，只在服务器上');
    expect(await page.locator('#out-dir').innerText()).toContain('/srv/exports/precheck');
    expect(await page.locator('#retired').count()).toBe(0);
    // Recorded without its size (as packages before sizes were kept): the page says so, the list nothing.
    expect((await page.locator('#size').innerText()).trim()).toBe('未记录');
    expect(await page.locator('#package').innerText()).not.toContain('个文件');
    // It follows the two exports of the village's year.
    expect(await page.locator('#previous-package a').getAttribute('href')).toBe(`/transfers/${second}`);
    await fitsPhone(page);
    await page.goto(`${h.bot.url}/units/${villageId}/transfers`);
    const row = await page.locator(`#packages [data-package="${pre}"]`).innerText();
    expect(row).toContain('1 件 · 数字摘要');
    expect(row).not.toContain('个文件');
    expect(row).not.toContain('未记录');
    expect(await page.locator(`#packages [data-package="${second}"]`).innerText()).toContain('个文件');
  });

  it('a township package that carried the village’s 件: the village archivist sees only the village’s part, the township archivist all of it', async () => {
    const township = (await getUnitByCode(h.db.db, org.township))!;
    const sibling = (await getUnitByCode(h.db.db, `${org.village.slice(0, -1)}2`))!;
    const [live] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from archive_records where item_id = ${items[1]!.id} and status = 'confirmed'`,
    );
    // A number of the other village (its own class), retired since the package: not the archivist's.
    const [theirs] = await queryRows<{ id: number }>(
      h.db.db,
      sql`insert into archive_records (item_id, unit_id, class_key, fonds_code, category_code, year,
            retention_code, org_code, piece_number, archival_code, status, confirmed_at, confirmed_by,
            withdrawn_at, withdrawn_by, withdrawn_reason)
          values (${items[1]!.id}, ${sibling.id}, 'PP-HEKOU', 'A182', 'ZP', 2026, 'Y', '', 1,
            'HEKOU-ZP·2026-Y-0001', 'withdrawn', ${clock.now()}, 'cli',
            ${new Date(clock.now().getTime() + 1000)}, 'cli', '河口村的更正')
          returning id::int as id`,
    );
    // The township's own group, bound to the township: the village archivist is not in it.
    const townshipChat = id('oc_');
    await h.db.db.execute(
      sql`insert into chats (chat_id, chat_type, name, active, added_at, updated_at)
          values (${townshipChat}, 'group', '城关镇档案专班群', true, ${clock.now()}, ${clock.now()})`,
    );
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          values (${townshipChat}, ${township.id}, 'active', 'cli', ${clock.now()})`,
    );
    const townshipPackage = (outDir: string) =>
      h.db.db.transaction((tx) =>
        insertTransferPackage(
          tx,
          {
            createdAt: clock.now(),
            actor: 'cli',
            source: 'cli',
            unitId: township.id,
            year: 2026,
            fondsCodes: 'A182',
            layout: 'bag',
            preCheck: false,
            digest: 'ef'.repeat(32),
            outDir,
            records: 2,
          },
          [live!.id, theirs!.id],
        ),
      );
    const above = await townshipPackage('/srv/exports/township');
    await markTransferPackageSent(h.db.db, above, townshipChat, clock.now());
    // One the township sent into the village's own chat: that one the village archivist may see named.
    const toVillage = await townshipPackage('/srv/exports/township-2');
    await markTransferPackageSent(h.db.db, toVillage, chatId, clock.now());

    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}/transfers/${above}`);
    expect(await page.locator('#part').innerText()).toContain('其中有城关村的件');
    const facts = await page.locator('#package').innerText();
    // Their part's count beside the whole package's; the whole package's facts say so.
    expect((await page.locator('#records').innerText()).trim()).toBe('城关村 1 件（整个移交包 2 件）');
    for (const label of ['范围（整个包）', '四性检测（整个包）', '保存位置（整个包）', '数字摘要（整个包）'])
      expect(facts).toContain(label);
    expect(facts).toContain('城关镇 2026年度');
    expect(facts).toContain('命令行导出');
    // Sent, and when, but the township's group is not named to someone not in it.
    expect((await page.locator('#sent').innerText()).trim()).toMatch(/^已发送到导出人所在的群（.+）$/);
    expect(await page.locator('#units [data-unit]').count()).toBe(1);
    expect(await page.locator(`#units [data-unit="${villageId}"]`).count()).toBe(1);
    const body = await page.locator('main').innerText();
    expect(body).toContain(items[1]!.code);
    expect(body).not.toContain('HEKOU');
    expect(body).not.toContain('河口村');
    expect(body).not.toContain('城关镇档案专班群');
    expect(await page.locator('#retired-count').innerText()).toBe('0');
    await fitsPhone(page);
    await page.goto(`${h.bot.url}/transfers/${toVillage}`);
    expect((await page.locator('#sent').innerText()).trim()).toMatch(/^已发送到群「城关村工作群」（.+）$/);
    await page.locator('#back-to-list').click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/units/${villageId}/transfers`);

    // The township's archivist sees the whole package: its count, both villages, its group by name.
    const townshipArchivist = { openId: id('ou_'), name: '周档案' };
    await upsertPerson(h.db.db, townshipArchivist, clock.now());
    await addUnitRole(
      h.db.db,
      { unitId: township.id, openId: townshipArchivist.openId, role: 'archivist' },
      clock.now(),
    );
    const theirsPage = await (await browse(townshipArchivist)).newPage();
    await theirsPage.goto(`${h.bot.url}/transfers/${above}`);
    expect(await theirsPage.locator('#part').count()).toBe(0);
    expect((await theirsPage.locator('#records').innerText()).trim()).toBe('2 件');
    expect(await theirsPage.locator('#package').innerText()).not.toContain('整个包');
    expect((await theirsPage.locator('#sent').innerText()).trim()).toMatch(
      /^已发送到群「城关镇档案专班群」（.+）$/,
    );
    expect(await theirsPage.locator('#units [data-unit]').count()).toBe(2);
    expect(await theirsPage.locator('main').innerText()).toContain('河口村');
    await fitsPhone(theirsPage);
  }, 60_000);
  it('command-line actions name who ran them: the audit records the operating-system user (and the sudo user), the item page shows them', async () => {
    const user = processUserName();
    const cli = (env: Record<string, string>, ...args: string[]) =>
      cliInProcess(['archive', ...args], env, h.db);
    const item = items[1]!;
    // Run through sudo by alice, then by the user directly.
    const off = await cli(
      { SUDO_USER: 'alice' },
      'unconfirm',
      '--item',
      String(item.id),
      '--reason',
      '页数有误',
    );
    expect(off.code, off.stderr).toBe(0);
    const marked = await cli({}, 'transfers', '--reported', String(item.id));
    expect(marked.code, marked.stderr).toBe(0);
    const rows = await queryRows<{ action: string; actor: string; details: any }>(
      h.db.db,
      sql`select action, actor, details from audit_log where item_id = ${item.id} and source = 'cli' order by id`,
    );
    const details = rows.map((r) => ({
      action: r.action,
      actor: r.actor,
      ...(typeof r.details === 'string' ? JSON.parse(r.details) : r.details),
    }));
    expect(details.filter((d) => d.action === 'unconfirm')).toMatchObject([
      { actor: 'cli', osUser: user, sudoUser: 'alice', reason: '页数有误' },
    ]);
    // The item's 档号 the packages carried (its other unit's too, from the case above), each marked.
    const marks = details.filter((d) => d.action === 'transfer_correction');
    expect(marks.length).toBeGreaterThan(0);
    for (const m of marks) {
      expect(m).toMatchObject({ actor: 'cli', osUser: user });
      expect(m).not.toHaveProperty('sudoUser');
    }

    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}/items/${item.id}`);
    const cells = await page
      .locator('#audit tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())),
      );
    const who = (action: string) => cells.filter((c) => c[1]?.startsWith(action)).map((c) => c[2]);
    expect(who('撤销')).toContain(`管理员（命令行，${user}，由 alice 经 sudo）`);
    expect(new Set(who('已报送更正'))).toEqual(new Set([`管理员（命令行，${user}）`]));
    await fitsPhone(page);
  }, 60_000);
});
