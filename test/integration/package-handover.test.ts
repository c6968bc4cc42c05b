import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
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
import { awakeNow } from '../support/manual-clock.js';
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
 * 导出 makes a package (已生成); only one recorded as 已移交 (day, receiver: the package's page or
 * `archive transfers --handed`) is what the county archive holds. The archivist exports once just to
 * look, fixes a 件, exports again and hands over only the second: retiring a 档号 only the first carried
 * owes nothing; retiring one the handed package carried owes a correction. A package never handed over
 * is voided (its folder kept). Other roles, other units and forged posts change nothing.
 */
describe.skipIf(!hasChromium)('移交包: made by 导出, handed over or voided by the archivist', () => {
  let f: ArchiveFixture;
  let h: Harness;
  let browser: Browser;
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
    return { stdout: res.stdout, id: Number(/已记录为移交包 #(\d+)/.exec(res.stdout)![1]) };
  };
  const today = () => localDay(new Date(), 'Asia/Shanghai');
  const archivist = { openId: 'ou_archivist', name: '钱档案' };
  const codeOf = async (item: number) => (await liveRecordOfItem(f.db, item))!.archivalCode;
  const handover = (id: number) =>
    queryRows<{ handed: boolean; to: string | null; voided: boolean; reason: string | null }>(
      f.db,
      sql`select handed_at is not null as handed, handed_to as "to", voided_at is not null as voided,
            void_reason as reason from transfer_packages where id = ${id}`,
    ).then((r) => r[0]!);
  let items: number[];
  let looked: number;
  let handed: number;

  beforeAll(async () => {
    f = await createArchiveFixture();
    // The pages' clock reads today, as the command line's does (a package is handed over on or after
    // the day it was made, and not after today).
    await f.clock.set(awakeNow());
    out = mkdtempSync(join(tmpdir(), 'package-handover-'));
    const pdf = () => ({ bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' });
    items = [await f.fileItem(f.task.doc, [pdf()]), await f.fileItem(f.task.doc, [pdf()])];
    const now = f.clock.now();
    await f.db.execute(
      sql`insert into people (open_id, name, updated_at) values ('ou_v2', '孙档案', ${now})`,
    );
    await f.db.execute(
      sql`insert into unit_roles (unit_id, open_id, role, created_at)
          values (${f.unit.V2.id}, 'ou_v2', 'archivist', ${now})`,
    );
    [h, browser] = await Promise.all([startArchiveHarness(f, { PUBLIC_URL }, allFeatures), launchChromium()]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), h?.close()]);
    rmSync(out, { recursive: true, force: true });
    await f?.close();
  });

  it('exported twice, only the second handed over: retiring a 档号 only the first carried owes nothing; one the second carried does', async () => {
    expect((await cli('confirm', '--unit', 'V1', '--year', '2025')).code).toBe(0);
    const first = await exportTo('look');
    looked = first.id;
    // Made, and said so, with how to record the handover.
    expect(first.stdout).toContain(`已记录为移交包 #${looked}：已生成，尚未记录移交`);
    expect(first.stdout).toContain(`archive transfers --handed ${looked} --date YYYY-MM-DD --receiver`);
    expect(await handover(looked)).toMatchObject({ handed: false, voided: false });
    const oldCode = await codeOf(items[0]!);
    // A fix after looking: this 档号 went nowhere, nothing is owed.
    const undo = await cli('unconfirm', '--item', String(items[0]), '--reason', '题名有误');
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).not.toContain('县档案馆');
    expect((await cli('confirm', '--unit', 'V1', '--year', '2025')).code).toBe(0);
    const second = await exportTo('handed');
    handed = second.id;
    const rec = await cli(...handOverArgs(handed, today()));
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toBe(
      `已记录：移交包 #${handed} 于 ${plainDay(today(), today())} 移交给 县档案馆 王五。\n`,
    );
    const [audit] = await queryRows<{ actor: string; details: any }>(
      f.db,
      sql`select actor, details from audit_log where action = 'package_handed_over'`,
    );
    const details = typeof audit!.details === 'string' ? JSON.parse(audit!.details) : audit!.details;
    expect(audit!.actor).toBe('cli');
    expect(details).toMatchObject({ transferPackage: handed, handedOn: today(), receiver: '县档案馆 王五' });

    let list = (await cli('transfers')).stdout;
    expect(list).toContain('移交后变更：无');
    expect(list).not.toContain(oldCode);
    expect(list).toMatch(new RegExp(`#${looked} .+；已生成，未记录移交；`));
    expect(list).toMatch(new RegExp(`#${handed} .+；已移交（${today()}，接收：县档案馆 王五）；`));
    // The item page: the 件 went out in the handed package, not the one only looked at.
    const cookie = await signInCookie(h, archivist, PUBLIC_URL);
    const itemPage = await (await fetch(`${h.bot.url}/items/${items[0]}`, { headers: { cookie } })).text();
    expect(itemPage).toContain(`href="/transfers/${handed}">移交包 #${handed}</a> 移交`);
    expect(itemPage).not.toContain(`移交包 #${looked}`);
    const unitPage = await (
      await fetch(`${h.bot.url}/units/${f.unit.V1.id}/transfers`, { headers: { cookie } })
    ).text();
    expect(unitPage).toContain('<span id="owed-count">0</span>');

    // A 档号 the handed package carried: the county archive holds it, a correction is owed.
    const code = await codeOf(items[1]!);
    const owed = await cli('unconfirm', '--item', String(items[1]), '--reason', '页数有误');
    expect(owed.code, owed.stderr).toBe(0);
    expect(owed.stdout).toContain('县档案馆');
    list = (await cli('transfers')).stdout;
    expect(list).toContain('移交后变更 1 项，待报送 1 项');
    const line = list.split('\n').find((l) => l.includes(`${code}（条目`))!;
    expect(line).toContain(`随移交包 #${handed}（`);
    expect(line).not.toContain(`#${looked}（`);
  });

  it('the package only looked at is voided on its page (asked first, audited): its folder stays, it cannot be handed over after', async () => {
    const page = await (
      await signedInContext(h, browser, archivist, PUBLIC_URL, { locale: 'zh-CN' })
    ).newPage();
    await page.goto(`${h.bot.url}/transfers/${looked}`);
    expect(await page.locator('#handover-state').innerText()).toBe('已生成，未记录移交');
    await page.locator('form.void input[name=reason]').fill(' 只是查看，未移交 ');
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.locator('form.void button').click();
    await page.waitForLoadState('load');
    expect(asked).toEqual([`作废移交包 #${looked}？作废后它不再算作移交包。`]);
    expect(await page.locator('#handover-result').innerText()).toBe(
      `已作废 #${looked}（只是查看，未移交）。服务器上的文件夹没有删除。`,
    );
    expect(await page.locator('#handover-state').innerText()).toMatch(/^已作废（.+：只是查看，未移交）$/);
    expect(await page.locator('form.handover').count()).toBe(0);
    expect(await handover(looked)).toMatchObject({ voided: true, handed: false, reason: '只是查看，未移交' });
    expect(existsSync(join(out, 'look', '说明文件.TXT'))).toBe(true);
    const [audit] = await queryRows<{ actor: string; source: string }>(
      f.db,
      sql`select actor, source from audit_log where action = 'package_voided'`,
    );
    expect(audit).toEqual({ actor: 'ou_archivist', source: 'page' });
    // The unit's list says so; a voided package is not handed over after.
    await page.goto(`${h.bot.url}/units/${f.unit.V1.id}/transfers`);
    expect(await page.locator(`[data-package="${looked}"] .handover`).getAttribute('data-state')).toBe(
      'voided',
    );
    const late = await cli(...handOverArgs(looked, today()));
    expect(late.code).not.toBe(0);
    expect(late.stderr).toContain(`移交包 #${looked} 已作废`);
    // Nor is a handed-over package voided or handed over twice.
    const voidHanded = await cli('transfers', '--void', String(handed), '--reason', '试试');
    expect(voidHanded.code).not.toBe(0);
    expect(voidHanded.stderr).toContain(`移交包 #${handed} 已记录为`);
    expect((await cli(...handOverArgs(handed, today()))).code).not.toBe(0);
    expect(await handover(handed)).toMatchObject({ handed: true, voided: false, to: '县档案馆 王五' });
  });

  it('an officer, an archivist of another village and a forged post change nothing', async () => {
    const third = (await exportTo('third')).id;
    const post = (cookie: string, action: string, form: Record<string, string>) =>
      fetch(`${h.bot.url}/transfers/${third}/${action}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const csrfFrom = async (cookie: string, path: string) =>
      csrfOf(await (await fetch(`${h.bot.url}${path}`, { headers: { cookie } })).text())!;
    const form = { date: today(), receiver: '县档案馆 王五' };

    const officer = await signInCookie(h, { openId: 'ou_officer', name: '王村干' }, PUBLIC_URL);
    const officerCsrf = await csrfFrom(officer, `/items/${items[1]}`);
    const byOfficer = await post(officer, 'handover', { _csrf: officerCsrf, ...form });
    expect(byOfficer.status).toBe(403);
    expect(await byOfficer.text()).toContain('只有档案员或管理员可以查看移交包记录');
    expect((await post(officer, 'void', { _csrf: officerCsrf, reason: 'x' })).status).toBe(403);

    const other = await signInCookie(h, { openId: 'ou_v2', name: '孙档案' }, PUBLIC_URL);
    const otherCsrf = await csrfFrom(other, `/units/${f.unit.V2.id}/transfers`);
    expect((await post(other, 'handover', { _csrf: otherCsrf, ...form })).status).toBe(404);
    expect((await post(other, 'void', { _csrf: otherCsrf, reason: 'x' })).status).toBe(404);

    const own = await signInCookie(h, archivist, PUBLIC_URL);
    expect((await post(own, 'handover', form)).status).toBe(403);
    expect((await post(own, 'handover', { _csrf: otherCsrf, ...form })).status).toBe(403);
    expect(await handover(third)).toMatchObject({ handed: false, voided: false });

    // The archivist's own post, with a date after today, is refused and said; then recorded.
    const csrf = await csrfFrom(own, `/transfers/${third}`);
    const future = await post(own, 'handover', {
      _csrf: csrf,
      date: '2999-01-01',
      receiver: '县档案馆 王五',
    });
    expect(future.status).toBe(409);
    expect(await future.text()).toContain('移交日期不能晚于今天');
    const ok = await post(own, 'handover', { _csrf: csrf, ...form });
    expect(ok.status).toBe(200);
    expect(await handover(third)).toMatchObject({ handed: true, to: '县档案馆 王五' });
  });
});
