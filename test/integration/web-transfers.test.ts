import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { insertTransferPackage } from '../../src/db/repos/transfer-packages.js';
import { transferPackagesQuery } from '../../src/db/repos/transfer-pages.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { plainDate } from '../../src/domain/plain-date.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { recallEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';
import { signedInContext, signInCookie } from '../support/web-sign-in.js';
import { csrfOf } from './web-world.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const PUBLIC_URL = 'https://archive.example.test';
const PHONE = { width: 360, height: 740 };

/**
 * 移交后变更 reach the archivist, who has no shell: after 导出 the item page says the 件 went out; 撤销确认
 * on the 更正 card and a recall that retires a handed-over 档号 both link the unit's 移交包 page; there the
 * archivist (in Chromium at phone width) sees the packages and the changes still owed, and 「已报送更正」
 * (CSRF-checked, audited) takes one off the list. Chat through the webhook and the fake Lark.
 */
describe.skipIf(!hasChromium)('移交包 page: 移交后变更 reported by the archivist', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  let browser: Browser;
  let villageId: number;
  const chatId = id('oc_');
  const items: { id: number; messageId: string; code: string; fix: Record<string, unknown> }[] = [];
  let packageId = 0;
  let today = '';
  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness({ mode: 'webhook', clock, env: { STORED_REACTION: 'off', PUBLIC_URL } }),
      launchChromium(),
    ]);
    org = await seedOrg(h.db.db, { prefix: 'TP', clock });
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
  const valueOf = actionValue;
  const browse = (user: { openId: string; name: string }) =>
    signedInContext(h, browser, user, PUBLIC_URL, { viewport: PHONE, locale: 'zh-CN' });
  const transfersUrl = () => `/units/${villageId}/transfers`;

  // The chat's 导出 and the pages after it are two cases: the first builds what every later case reads
  // (two filed 件, confirmed and exported through the chat: most of this file's work, the export's own
  // 版式 copies, catalogues and 四性 check among it), the second walks the pages.
  it('导出 in the chat: the answer links the 移交包 page, which on a phone asks for the Lark sign-in first', async () => {
    for (const seed of [11, 12]) {
      const messageId = await postPhoto(h, { chatId, sender: org.officer, seed });
      const ack = await replyAfterQuiet(h, clock, messageId);
      const filed = await click(org.officer, valueOf(ack.content, 'file'), { messageId: ack.messageId });
      const fix = valueOf(filed.card.data, 'fix');
      items.push({ id: Number(fix.i), messageId, code: '', fix });
    }
    const preview = await archivistSays('确认归档');
    await click(org.archivist, valueOf(preview.content, 'confirm-archive'), { messageId: preview.messageId });
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
    await archivistSays('导出');
    await h.settle();
    await waitFor('the export recorded as sent', async () => {
      const [p] = await queryRows<{ id: number }>(
        h.db.db,
        sql`select id::int as id from transfer_packages where sent_chat_id is not null`,
      );
      return p ? (packageId = p.id) : undefined;
    });
    // The answer (to the archivist directly: asked in the group) links the 移交包 page: on a phone the
    // archivist taps through to the package just made.
    const done = await waitFor('the export’s answer', () =>
      h.fake
        .sentMessages()
        .filter((m) => m.receiveIdType === 'open_id' && m.receiveId === org.archivist && m.msgType === 'text')
        .map((m) => (m.content as { text: string }).text)
        .find((t) => t.includes('已生成')),
    );
    expect(done.split('\n').at(-1)).toBe(`移交包记录和移交后变更：${PUBLIC_URL}${transfersUrl()}`);
    today = plainDate(clock.now(), clock.now(), 'Asia/Shanghai');
    // Not signed in on the phone yet: the link asks for the Lark sign-in and comes back to the page.
    const bare = await fetch(`${h.bot.url}${transfersUrl()}`, { redirect: 'manual' });
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe(`/auth/login?next=${encodeURIComponent(transfersUrl())}`);
  });

  it('after 导出 and 已移交 the item page says the 件 went out in the package; the archivist is led to the package page, an officer to neither', async () => {
    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    // Made, not handed over yet: the item page says nothing of a 移交包. The archivist hands it over on
    // its page (the date today by default, the receiver written; asked first).
    await page.goto(`${h.bot.url}/items/${items[0]!.id}`);
    expect(await page.locator('#transfer').count()).toBe(0);
    await page.goto(`${h.bot.url}/transfers/${packageId}`);
    expect(await page.locator('#handover-state').innerText()).toBe('已生成，未记录移交');
    await page.locator('form.handover input[name=receiver]').fill('县档案馆 赵接收');
    page.once('dialog', (d) => void d.accept());
    await page.locator('form.handover button').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#handover-result').innerText()).toContain(
      `已记录：移交包 #${packageId} 于 ${today} 移交给 县档案馆 赵接收`,
    );
    expect(await page.locator('#handover-state').innerText()).toBe(
      `已移交（${today}，接收：县档案馆 赵接收）`,
    );
    expect(await page.locator('form.handover').count()).toBe(0);
    await page.goto(`${h.bot.url}${transfersUrl()}`);
    expect(await page.locator('#owed-count').innerText()).toBe('0');
    const pkg = page.locator(`#packages [data-package="${packageId}"]`);
    const text = await pkg.innerText();
    expect(text).toContain('城关村');
    expect(text).toContain('2 件');
    expect(text).toContain('已私信发给导出人');
    expect(text).toMatch(/数字摘要 [0-9a-f]{12}…/);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    // The archivist is led to the package page from the unit page and from the 件's own page.
    await page.goto(`${h.bot.url}/units/${villageId}`);
    expect(await page.locator('#link-transfers').getAttribute('href')).toBe(transfersUrl());
    await page.goto(`${h.bot.url}/items/${items[0]!.id}`);
    expect((await page.locator('#transfer').innerText()).trim()).toContain(
      `已于${today}随移交包 #${packageId} 移交`,
    );
    await Promise.all([
      page.waitForURL((u) => u.pathname === transfersUrl()),
      page.locator('#transfer-list').click(),
    ]);
    // An officer reads that the 件 went out, and is shown neither link.
    const officer = await signInCookie(h, { openId: org.officer, name: '王村官' }, PUBLIC_URL);
    const own = await (
      await fetch(`${h.bot.url}/items/${items[0]!.id}`, { headers: { cookie: officer } })
    ).text();
    expect(own).toContain(`随移交包 #${packageId} 移交`);
    expect(own).not.toContain(transfersUrl());
    const unitPage = await (
      await fetch(`${h.bot.url}/units/${villageId}`, { headers: { cookie: officer } })
    ).text();
    expect(unitPage).not.toContain('id="link-transfers"');
  });

  it('撤销确认 on the 更正 card links the 移交包 page, not a command', async () => {
    const opened = await click(org.archivist, items[0]!.fix);
    const undone = await click(org.archivist, valueOf(opened.card.data, 'fix-unconfirm'), {
      formValue: { reason: '交错了任务' },
    });
    const card = JSON.stringify(undone.card.data);
    expect(card).toContain(`报送后请在移交包页点「已报送更正」：${PUBLIC_URL}${transfersUrl()}`);
    expect(card).not.toContain('archive transfers');
  });

  it('a recall that retires a handed-over 档号 tells the archivist so, with the page', async () => {
    const res = await h.post(
      recallEvent({
        appId: h.fake.appId,
        messageId: items[1]!.messageId,
        chatId,
        recallTimeMs: clock.now().getTime(),
      }),
    );
    expect(res.status).toBe(200);
    await h.settle();
    const told = await waitFor('the archivist told', () =>
      h.fake
        .sentMessages()
        .filter((m) => m.receiveId === org.archivist && m.msgType === 'text')
        .map((m) => (m.content as { text: string }).text)
        .find((t) => t.includes(items[1]!.code)),
    );
    expect(told).toContain('这件已撤下，档号已停用（材料已撤回）');
    expect(told).toContain(
      `该件已于${today}随移交包移交，县档案馆保存的移交包中仍是档号 ${items[1]!.code}：请向县档案馆报送更正`,
    );
    expect(told.endsWith(`：${PUBLIC_URL}${transfersUrl()}`)).toBe(true);
    const [audit] = await queryRows<{ details: any }>(
      h.db.db,
      sql`select details from audit_log where item_id = ${items[1]!.id} and action = 'unconfirm'`,
    );
    const details = typeof audit!.details === 'string' ? JSON.parse(audit!.details) : audit!.details;
    expect(details).toMatchObject({ transferPackages: [packageId], correctionToArchive: true });
  });

  it('the archivist marks one 已报送更正 on a phone: the list shrinks, the item page and the audit say so', async () => {
    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}${transfersUrl()}`);
    expect(await page.locator('#owed-count').innerText()).toBe('2');
    const first = page.locator(`#owed [data-record]`, { hasText: items[0]!.code });
    expect(await first.innerText()).toContain('交错了任务');
    expect(await first.innerText()).toContain(`随移交包 #${packageId}`);
    // How it was reported, then a second step: the page asks before it marks.
    await first.locator('input[name=note]').fill('  县档函〔2026〕12号 ');
    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await first.locator('button', { hasText: '已报送更正' }).click();
    await page.waitForLoadState('load');
    expect(asked).toEqual([`确认 ${items[0]!.code} 的更正已报送县档案馆？`]);
    expect(await page.locator('#transfers-result').innerText()).toContain(
      `已标记为已报送更正：${items[0]!.code}`,
    );
    expect(await page.locator('#owed-count').innerText()).toBe('1');
    expect(await page.locator('#owed').innerText()).not.toContain(items[0]!.code);
    expect(await page.locator('#owed').innerText()).toContain(items[1]!.code);
    expect(await page.locator('#reported').innerText()).toContain('已报送更正（1）');
    await page.locator('#reported summary').click();
    expect(await page.locator('#reported [data-record]').innerText()).toContain(
      '报送方式：县档函〔2026〕12号',
    );
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );

    const [audit] = await queryRows<{ actor: string; source: string; details: any }>(
      h.db.db,
      sql`select actor, source, details from audit_log
          where item_id = ${items[0]!.id} and action = 'transfer_correction'`,
    );
    expect(audit).toMatchObject({ actor: org.archivist, source: 'page' });
    const details = typeof audit!.details === 'string' ? JSON.parse(audit!.details) : audit!.details;
    expect(details).toMatchObject({
      archivalCode: items[0]!.code,
      transferPackage: packageId,
      note: '县档函〔2026〕12号',
    });

    await page.goto(`${h.bot.url}/items/${items[0]!.id}`);
    expect(await page.locator('#transfer').innerText()).toContain('移交后已撤销确认，更正已报送');
    expect(await page.locator('#audit').innerText()).toContain('已报送更正（移交后变更）');
    await page.goto(`${h.bot.url}/items/${items[1]!.id}`);
    expect(await page.locator('#transfer').innerText()).toContain('移交后材料已撤回、档号停用，更正未报送');
  });

  it('an officer cannot see the page or mark a correction; the same mark twice changes nothing', async () => {
    const officer = await signInCookie(h, { openId: org.officer, name: '王村官' }, PUBLIC_URL);
    const seen = await fetch(`${h.bot.url}${transfersUrl()}`, { headers: { cookie: officer } });
    expect(seen.status).toBe(403);
    expect(await seen.text()).toContain('只有档案员或管理员可以查看移交包记录');
    const csrf = csrfOf(
      await (await fetch(`${h.bot.url}/items/${items[1]!.id}`, { headers: { cookie: officer } })).text(),
    )!;
    const [owed] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from archive_records where item_id = ${items[1]!.id} and status = 'withdrawn'`,
    );
    const post = (cookie: string, form: Record<string, string>) =>
      fetch(`${h.bot.url}${transfersUrl()}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    expect((await post(officer, { _csrf: csrf, record: String(owed!.id) })).status).toBe(403);
    // Without the page's token nothing is marked either.
    const archivist = await signInCookie(h, { openId: org.archivist, name: '李档案' }, PUBLIC_URL);
    expect((await post(archivist, { record: String(owed!.id) })).status).toBe(403);
    const marked = () =>
      queryRows<{ n: number }>(h.db.db, sql`select count(*)::int as n from transfer_corrections`);
    expect(await marked()).toEqual([{ n: 1 }]);
    // The one already reported again: said, not recorded twice.
    const [done] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from archive_records where item_id = ${items[0]!.id} and status = 'withdrawn'`,
    );
    const archivistCsrf = csrfOf(
      await (await fetch(`${h.bot.url}${transfersUrl()}`, { headers: { cookie: archivist } })).text(),
    )!;
    const again = await post(archivist, { _csrf: archivistCsrf, record: String(done!.id) });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('没有需要报送更正的档号');
    expect(await marked()).toEqual([{ n: 1 }]);
    // Nor can the officer take a mark back.
    const unmark = await fetch(`${h.bot.url}${transfersUrl()}/unmark`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: officer, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, record: String(done!.id) }).toString(),
    });
    expect(unmark.status).toBe(403);
    expect(await marked()).toEqual([{ n: 1 }]);
  });

  it('a mark made by mistake is taken back (撤销标记, asked first, audited): owed again, and marked again', async () => {
    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.goto(`${h.bot.url}${transfersUrl()}`);
    expect(await page.locator('#owed-count').innerText()).toBe('1');
    await page.locator('#reported summary').click();
    const row = page.locator('#reported [data-record]', { hasText: items[0]!.code });
    await row.locator('button', { hasText: '撤销标记' }).click();
    await page.waitForLoadState('load');
    expect(asked).toEqual([`撤销 ${items[0]!.code} 的「已报送更正」标记？撤销后这条更正重新列为待报送。`]);
    expect(await page.locator('#transfers-result').innerText()).toContain(
      `已撤销「已报送更正」标记：${items[0]!.code}`,
    );
    expect(await page.locator('#owed-count').innerText()).toBe('2');
    expect(await page.locator('#owed').innerText()).toContain(items[0]!.code);
    expect(await page.locator('#reported').count()).toBe(0);
    const [undone] = await queryRows<{ actor: string; source: string; details: any }>(
      h.db.db,
      sql`select actor, source, details from audit_log
          where item_id = ${items[0]!.id} and action = 'transfer_correction_undone'`,
    );
    expect(undone).toMatchObject({ actor: org.archivist, source: 'page' });
    const details = typeof undone!.details === 'string' ? JSON.parse(undone!.details) : undone!.details;
    expect(details).toMatchObject({
      archivalCode: items[0]!.code,
      reportedBy: org.archivist,
      note: '县档函〔2026〕12号',
    });
    await page.goto(`${h.bot.url}/items/${items[0]!.id}`);
    expect(await page.locator('#transfer').innerText()).toContain('移交后已撤销确认，更正未报送');
    expect(await page.locator('#audit').innerText()).toContain('撤销已报送更正的标记');

    // Taken back once more: nothing to take back, said.
    const archivist = await signInCookie(h, { openId: org.archivist, name: '李档案' }, PUBLIC_URL);
    const csrf = csrfOf(
      await (await fetch(`${h.bot.url}${transfersUrl()}`, { headers: { cookie: archivist } })).text(),
    )!;
    const [rec] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from archive_records where item_id = ${items[0]!.id} and status = 'withdrawn'`,
    );
    const post = (path: string, form: Record<string, string>) =>
      fetch(`${h.bot.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: archivist, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, record: String(rec!.id), ...form }).toString(),
      });
    const twice = await post(`${transfersUrl()}/unmark`, {});
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain('没有标记为已报送');
    // Marked again, as it really was reported: listed with its note.
    const again = await post(transfersUrl(), { note: '县档函〔2026〕13号' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('报送方式：县档函〔2026〕13号');
  });
  it('years of packages: the page shows 20 at a time and pages on; a package above counts only when it carried the village’s 件', async () => {
    const township = (await getUnitByCode(h.db.db, org.township))!;
    const sibling = (await getUnitByCode(h.db.db, `${org.village.slice(0, -1)}2`))!;
    const village = (await getUnitByCode(h.db.db, org.village))!;
    const [retired] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select id::int as id from archive_records where item_id = ${items[0]!.id} and status = 'withdrawn'`,
    );
    const day = 86_400_000;
    // The 426 packages in one transaction, not one each.
    const above = await h.db.db.transaction(async (tx) => {
      const seed = (unitId: number, daysAgo: number, records: number[] = []) =>
        insertTransferPackage(
          tx,
          {
            createdAt: new Date(clock.now().getTime() - daysAgo * day),
            actor: 'cli',
            source: 'cli',
            unitId,
            year: 2025,
            fondsCodes: 'A182',
            layout: 'carrier',
            preCheck: false,
            digest: 'ab'.repeat(32),
            outDir: `/srv/exports/${unitId}-${daysAgo}`,
            records: records.length,
          },
          records,
        );
      // The village's own 24 older packages, two of the township's that carried its 件, and 400 that did
      // not concern it (the township's own, the other village's).
      for (let i = 1; i <= 24; i++) await seed(village.id, i);
      // Two 件 of the other village (retired copies of the village's number under its unit): the first
      // township package carries them beside the village's one, so the whole package is not the village's part.
      const siblings = await queryRows<{ id: number }>(
        tx,
        sql`insert into archive_records (item_id, unit_id, class_key, fonds_code, category_code, year,
              retention_code, org_code, piece_number, archival_code, pages, status, confirmed_at,
              confirmed_by, withdrawn_at, withdrawn_by, withdrawn_reason)
            select item_id, ${sibling.id}, class_key, fonds_code, category_code, year, retention_code,
              org_code, piece_number + 9000 + n, archival_code || '-S' || n, pages, status, confirmed_at,
              confirmed_by, withdrawn_at, withdrawn_by, withdrawn_reason
            from archive_records, generate_series(1, 2) n where id = ${retired!.id}
            returning id::int as id`,
      );
      const carrying = [
        await seed(township.id, 30, [retired!.id, ...siblings.map((r) => r.id)]),
        await seed(township.id, 31, [retired!.id]),
      ];
      for (let i = 0; i < 200; i++) {
        await seed(township.id, 40 + i);
        await seed(sibling.id, 40 + i);
      }
      return carrying;
    });

    // The lookup can read the village's packages and the carrying ones by index: not the 400 others, and
    // never a package's 档号. (Seq scans off: at this size the planner may rightly prefer them; what is
    // checked is that an indexed path exists, which walking every package's 档号 never had.)
    const explained = await h.db.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const [row] = await queryRows<Record<string, unknown>>(
        tx,
        sql`explain (analyze, format json) ${transferPackagesQuery(village.path)}`,
      );
      return row;
    });
    const raw = Object.values(explained!)[0];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
    const read = new Map<string, number>();
    const walk = (n: PlanNode) => {
      const rel = n['Relation Name'];
      if (rel)
        read.set(
          rel,
          (read.get(rel) ?? 0) + (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0)) * n['Actual Loops'],
        );
      for (const child of n.Plans ?? []) walk(child);
    };
    walk(plan[0]!.Plan);
    expect(read.get('transfer_packages') ?? 0).toBeLessThanOrEqual(2 * 27);
    expect(read.get('transfer_package_records') ?? 0).toBe(0);

    const page = await (await browse({ openId: org.archivist, name: '李档案' })).newPage();
    await page.goto(`${h.bot.url}${transfersUrl()}`);
    expect(await page.locator('#packages-count').innerText()).toBe('27');
    expect(await page.locator('#packages [data-package]').count()).toBe(20);
    expect(await page.locator('#packages [data-package]').first().getAttribute('data-package')).toBe(
      String(packageId),
    );
    expect((await page.locator('#packages-more').innerText()).trim()).toBe('还有 7 项，下一页 ›');
    await page.locator('#packages-more').click();
    await page.waitForLoadState('load');
    expect((await page.locator('#packages-range').innerText()).trim()).toContain('第 21—27 项，共 27 项');
    const second = await page
      .locator('#packages [data-package]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-package'))));
    expect(second).toHaveLength(7);
    expect(second.slice(-2)).toEqual(above);
    // The township's two carry the village's 件 among others': their figures say they are the whole package's.
    const rowText = (id: number) => page.locator(`#packages [data-package="${id}"]`).innerText();
    for (const id of above) {
      expect(await rowText(id)).toContain('整个包：全宗');
      expect(await rowText(id)).toContain('本单位在包里的件、移交后的变更 ›');
    }
    // Beside the whole package's figures, how many of its 件 are the village's (the first carried two of
    // the other village's too).
    expect(await rowText(above[0]!)).toContain('本单位 1 件 · 整个包：全宗 A182 · 3 件');
    expect(await rowText(above[1]!)).toContain('本单位 1 件 · 整个包：全宗 A182 · 1 件');
    expect(await rowText(second[0]!)).not.toContain('本单位');
    expect(await rowText(second[0]!)).not.toContain('整个包');
    expect(await page.locator('#packages-more').count()).toBe(0);
    // The 移交后变更 stay as they were, on every page of the packages.
    expect(await page.locator('#owed-count').innerText()).toBe('1');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    await page.locator('#packages-first').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#packages [data-package]').count()).toBe(20);
  });
});

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}
