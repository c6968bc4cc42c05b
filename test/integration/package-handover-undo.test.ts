import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { allFeatures } from '../../src/features.js';
import { liveRecordOfItem } from '../../src/db/repos/archive-records.js';
import { plainDay } from '../../src/domain/plain-date.js';
import { localDay } from '../../src/domain/working-days.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { cliInProcess, exportInProcess, handOverArgs } from '../support/cli-in-process.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';
import type { Harness } from '../support/harness.js';
import { awakeNow, catchUpWithCommandLine } from '../support/manual-clock.js';
import { signedInContext, signInCookie } from '../support/web-sign-in.js';
import {
  createArchiveFixture,
  minimalPdf,
  startArchiveHarness,
  type ArchiveFixture,
} from './archive-fixtures.js';
import { csrfOf } from './web-world.js';

const PUBLIC_URL = 'https://archive.example.test';

/**
 * 已移交 recorded by mistake (a mis-click on the page, a wrong 包号 on the command line) is taken back —
 * 撤销移交, with why, audited — and the package is made (已生成) again: it drives no 移交后变更 and no
 * 「已随移交包 #N 移交」 until it is handed over again. A wrong day or receiver is corrected (改登记).
 * And a 移交后变更 counts as stated in a 说明文件 only once a package stating it is handed over: one only
 * made (looked at, never voided) or taken back does not keep it from the next package.
 */
describe.skipIf(!hasChromium)('移交包: 撤销移交, 改登记', () => {
  let f: ArchiveFixture;
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let out: string;
  const env = () => ({ DATA_DIR: f.dataDir, TZ: 'Asia/Shanghai', ARCHIVE_CONFIG: TEST_ARCHIVE_YAML });
  const cli = (...args: string[]) => cliInProcess(['archive', ...args], env(), f.tdb);
  const exportTo = async (name: string) => {
    const res = await exportInProcess(
      ['--unit', 'V1', '--year', '2025', '--out', join(out, name)],
      env(),
      f.tdb,
    );
    expect(res.code, res.stderr).toBe(0);
    return Number(/已记录为移交包 #(\d+)/.exec(res.stdout)![1]);
  };
  const readme = (name: string) => readFileSync(join(out, name, '说明文件.TXT'), 'utf8');
  const today = () => localDay(new Date(), 'Asia/Shanghai');
  const archivist = { openId: 'ou_archivist', name: '钱档案' };
  const audits = async (action: string) =>
    (
      await queryRows<{ actor: string; source: string; details: any }>(
        f.db,
        sql`select actor, source, details from audit_log where action = ${action} order by id`,
      )
    ).map((a) => ({ ...a, details: typeof a.details === 'string' ? JSON.parse(a.details) : a.details }));
  const state = (id: number) =>
    queryRows<{ handed: boolean; to: string | null }>(
      f.db,
      sql`select handed_at is not null as handed, handed_to as "to" from transfer_packages where id = ${id}`,
    ).then((r) => r[0]!);
  /** Presses a form's button on the page, accepting its question; returns the question. */
  const press = async (form: string) => {
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.locator(`${form} button`).click();
    await page.waitForLoadState('load');
    return asked;
  };
  let items: number[];
  let code = '';
  let first: number;

  beforeAll(async () => {
    f = await createArchiveFixture();
    await f.clock.set(awakeNow());
    out = mkdtempSync(join(tmpdir(), 'package-handover-undo-'));
    const pdf = () => ({ bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' });
    items = [await f.fileItem(f.task.doc, [pdf()]), await f.fileItem(f.task.doc, [pdf()])];
    [h, browser] = await Promise.all([startArchiveHarness(f, { PUBLIC_URL }, allFeatures), launchChromium()]);
    page = await (await signedInContext(h, browser, archivist, PUBLIC_URL, { locale: 'zh-CN' })).newPage();
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), h?.close()]);
    rmSync(out, { recursive: true, force: true });
    await f?.close();
  });

  it('a package recorded as handed over by mistake is corrected (改登记) and taken back (撤销移交) on its page: made again, nothing owed', async () => {
    expect((await cli('confirm', '--unit', 'V1', '--year', '2025')).code).toBe(0);
    first = await exportTo('first');
    expect((await cli(...handOverArgs(first, today()))).code).toBe(0);
    code = (await liveRecordOfItem(f.db, items[0]!))!.archivalCode;
    const retired = await cli('unconfirm', '--item', String(items[0]), '--reason', '题名有误');
    expect(retired.stdout).toContain('县档案馆');
    expect((await cli('transfers')).stdout).toContain('移交后变更 1 项，待报送 1 项');
    await catchUpWithCommandLine(f.clock);

    // 改登记: the receiver was typed wrong; the day is kept.
    await page.goto(`${h.bot.url}/transfers/${first}`);
    expect(await page.locator('#handover').getAttribute('data-state')).toBe('handed');
    expect(await page.locator('form.handover').count()).toBe(0);
    await page.locator('form.amend input[name=receiver]').fill('县档案馆 李四');
    expect(await press('form.amend')).toEqual([`修改移交包 #${first} 的移交日期和接收人？`]);
    const shown = plainDay(today(), localDay(f.clock.now(), 'Asia/Shanghai'));
    expect(await page.locator('#handover-result').innerText()).toBe(
      `已改登记：移交包 #${first} 于 ${shown} 移交给 县档案馆 李四。`,
    );
    expect(await state(first)).toEqual({ handed: true, to: '县档案馆 李四' });
    expect(await audits('package_handover_amended')).toEqual([
      {
        actor: 'ou_archivist',
        source: 'page',
        details: {
          transferPackage: first,
          before: { day: today(), receiver: '县档案馆 王五' },
          after: { day: today(), receiver: '县档案馆 李四' },
        },
      },
    ]);

    // 撤销移交: a reason is required (the browser asks for it), then the package is made again.
    await page.locator('form.unhand input[name=reason]').fill(' 包号点错了，没有移交 ');
    expect(await press('form.unhand')).toEqual([
      `撤销移交包 #${first} 的移交记录？它将回到已生成、未记录移交。`,
    ]);
    expect(await page.locator('#handover-result').innerText()).toBe(
      `已撤销移交包 #${first} 的移交记录（原记为 ${shown} 移交给 县档案馆 李四；包号点错了，没有移交）。` +
        '它现在是已生成、未记录移交。',
    );
    expect(await page.locator('#handover').getAttribute('data-state')).toBe('made');
    expect(await page.locator('#handover-state').innerText()).toBe('已生成，未记录移交');
    expect(await page.locator('form.handover').count()).toBe(1);
    expect(await page.locator('form.unhand').count()).toBe(0);
    expect(await state(first)).toEqual({ handed: false, to: null });
    expect(await audits('package_handover_undone')).toEqual([
      {
        actor: 'ou_archivist',
        source: 'page',
        details: {
          transferPackage: first,
          handedOn: today(),
          receiver: '县档案馆 李四',
          reason: '包号点错了，没有移交',
        },
      },
    ]);

    // Nothing handed over: no 移交后变更, the 件 went out in no package.
    expect((await cli('transfers')).stdout).toContain('移交后变更：无');
    await page.goto(`${h.bot.url}/items/${items[1]}`);
    expect(await page.content()).not.toContain(`移交包 #${first}`);
    await page.goto(`${h.bot.url}/units/${f.unit.V1.id}/transfers`);
    expect(await page.locator('#owed-count').innerText()).toBe('0');
  });

  it('on the command line: --amend and --unhand (a reason required; a package not handed over is refused); handed over again, the change is owed again', async () => {
    const noReason = await cli('transfers', '--unhand', String(first));
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toContain('用法');
    const notHanded = await cli('transfers', '--unhand', String(first), '--reason', '试试');
    expect(notHanded.code).toBe(1);
    expect(notHanded.stderr).toContain(`移交包 #${first} 还没有记录移交，不用撤销。`);
    expect((await cli('transfers', '--amend', String(first), '--receiver', '张三')).code).toBe(1);

    expect((await cli(...handOverArgs(first, today()))).code).toBe(0);
    let list = (await cli('transfers')).stdout;
    expect(list).toContain('移交后变更 1 项，待报送 1 项');
    expect(list).toContain(`${code}（条目 ${items[0]}）随移交包 #${first}（`);

    const amended = await cli('transfers', '--amend', String(first), '--receiver', '县档案馆 赵六');
    expect(amended.code, amended.stderr).toBe(0);
    expect(amended.stdout).toContain(`已改登记：移交包 #${first} 于`);
    expect(await state(first)).toEqual({ handed: true, to: '县档案馆 赵六' });
    const future = await cli('transfers', '--amend', String(first), '--date', '2999-01-01');
    expect(future.code).not.toBe(0);
    expect(future.stderr).toContain('移交日期不能晚于今天');

    const undone = await cli('transfers', '--unhand', String(first), '--reason', '记错了包号');
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout).toContain('它现在是已生成、未记录移交。');
    expect((await audits('package_handover_undone')).at(-1)).toMatchObject({
      actor: 'cli',
      source: 'cli',
      details: { transferPackage: first, receiver: '县档案馆 赵六', reason: '记错了包号' },
    });
    list = (await cli('transfers')).stdout;
    expect(list).toContain('移交后变更：无');
    expect(list).toMatch(new RegExp(`#${first} .+；已生成，未记录移交；`));

    // Handed over for real: the change is owed again.
    expect((await cli(...handOverArgs(first, today()))).code).toBe(0);
    expect((await cli('transfers')).stdout).toContain('移交后变更 1 项，待报送 1 项');
  });

  it('an officer and a post without the form token take nothing back', async () => {
    const post = (cookie: string, action: string, form: Record<string, string>) =>
      fetch(`${h.bot.url}/transfers/${first}/${action}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const officer = await signInCookie(h, { openId: 'ou_officer', name: '王村干' }, PUBLIC_URL);
    const officerCsrf = csrfOf(
      await (await fetch(`${h.bot.url}/items/${items[1]}`, { headers: { cookie: officer } })).text(),
    )!;
    expect((await post(officer, 'unhand', { _csrf: officerCsrf, reason: 'x' })).status).toBe(403);
    expect(
      (await post(officer, 'amend-handover', { _csrf: officerCsrf, date: today(), receiver: 'x' })).status,
    ).toBe(403);
    const own = await signInCookie(h, archivist, PUBLIC_URL);
    expect((await post(own, 'unhand', { reason: 'x' })).status).toBe(403);
    expect(await state(first)).toEqual({ handed: true, to: '县档案馆 王五' });
  });

  it('a 移交后变更 written into a package only made is written again into the next, until one stating it is handed over', async () => {
    // Looked at, never voided: it states the change, but the county archive has not got it.
    const looked = await exportTo('looked');
    expect(readme('looked')).toContain(`  ${code}（`);
    let list = (await cli('transfers')).stdout;
    expect(list).toContain(`已写入移交包 #${looked} 的说明文件（未移交）`);
    await catchUpWithCommandLine(f.clock);
    await page.goto(`${h.bot.url}/units/${f.unit.V1.id}/transfers`);
    expect(await page.locator('#owed').innerText()).toContain(`已写入移交包 #${looked} 的说明文件（未移交）`);

    // Fixed something, exported again: the change is stated again (the looked-at package reached nobody).
    const sent = await exportTo('sent');
    expect(readme('sent')).toContain(`  ${code}（`);
    expect((await cli('transfers')).stdout).toContain(`已写入移交包 #${sent} 的说明文件（未移交）`);
    expect((await cli(...handOverArgs(sent, today()))).code).toBe(0);
    list = (await cli('transfers')).stdout;
    expect(list).toContain(`已写入移交包 #${sent} 的说明文件；`);
    expect(list).not.toContain('（未移交）');
    await page.goto(`${h.bot.url}/transfers/${first}`);
    expect(await page.locator('#retired').innerText()).toContain(`已写入 移交包 #${sent} 的说明文件`);
    expect(await page.locator('#retired').innerText()).not.toContain('未移交');

    // Once it is handed over, the next package leaves the change out...
    await exportTo('after');
    expect(readme('after')).not.toContain(code);
    // ...unless that handover is taken back: then the change is stated again.
    expect((await cli('transfers', '--unhand', String(sent), '--reason', '未交接')).code).toBe(0);
    await exportTo('again');
    expect(readme('again')).toContain(`  ${code}（`);
  });
});
