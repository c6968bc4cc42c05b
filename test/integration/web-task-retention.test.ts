import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { createWebWorld, csrfOf, taskIdOf, type WebWorld } from './web-world.js';

/**
 * 改保管期限 was only `archive retention` on the server: an archivist who found a task's 保管期限 wrong
 * before 确认归档 (it becomes part of the 档号) had to ask the IT person. The task page now offers it to
 * the unit's archivists and admins, over the task's village or a unit above it they archive; a viewer
 * without the role, or a forged unit, is refused.
 */
describe.skipIf(!hasChromium)('保管期限 on the task page', () => {
  let w: WebWorld;
  let browser: Browser;
  let ctx: BrowserContext;
  let c06: number;
  beforeAll(async () => {
    w = await createWebWorld('TR');
    browser = await launchChromium();
    c06 = await taskIdOf(w, w.units.village, 'C06');
  }, 180_000);
  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await w?.close();
  });
  const retentionOf = async (taskId: number) =>
    (
      await queryRows<{ retention: string }>(w.h.db.db, sql`select retention from tasks where id = ${taskId}`)
    )[0]!.retention;

  it('an archivist changes it on the page: this village’s task only, audited', async () => {
    w.h.fake.signInAs({ openId: w.org.archivist, name: '李档案' });
    ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    await page.goto(`${w.h.bot.url}/tasks/${c06}`);
    await page.waitForURL((u) => u.pathname === `/tasks/${c06}`);
    expect(await page.locator('#task-retention').innerText()).toContain('30年');
    await page.locator('#retention-form select[name="to"]').selectOption('Y');
    await page.locator('#retention-form button').click();
    await page.waitForURL((u) => u.pathname === `/tasks/${c06}/retention`);
    expect(await page.locator('#message').innerText()).toMatch(
      /^已把城关村2026年度 1 个任务「C06 .+」的保管期限由30年改为永久$/,
    );
    await page.locator('#back').click();
    expect(await page.locator('#task-retention').innerText()).toContain('永久');
    expect(await retentionOf(c06)).toBe('Y');
    // 河口村's C06 is not this archivist's, and was not changed.
    expect(await retentionOf(await taskIdOf(w, w.units.village2, 'C06'))).toBe('D30');
    const [audit] = await queryRows<{ source: string; actor: string }>(
      w.h.db.db,
      sql`select source, actor from audit_log where action = 'retention' order by id desc limit 1`,
    );
    expect(audit).toEqual({ source: 'page', actor: w.org.archivist });
  });

  it('refuses a forged wider unit, and a leader (no form, and a POST is refused)', async () => {
    const archivist = await w.signIn({ openId: w.org.archivist, name: '李档案' });
    const post = (cookie: string, form: Record<string, string>) =>
      fetch(`${w.h.bot.url}/tasks/${c06}/retention`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const csrf = csrfOf(await (await w.get(`/tasks/${c06}`, archivist)).text())!;
    const forged = await post(archivist, { _csrf: csrf, to: 'D10', scope: String(w.units.township.id) });
    expect(forged.status).toBe(403);
    expect(await retentionOf(c06)).toBe('Y');

    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const leaderPage = await (await w.get(`/tasks/${c06}`, leader)).text();
    expect(leaderPage).toContain('id="task-retention"');
    expect(leaderPage).not.toContain('retention-form');
    // The session's token (the page's 退出 form carries it): refused for the role, not the token.
    expect(csrfOf(leaderPage)).toBeDefined();
    const refused = await post(leader, {
      _csrf: csrfOf(leaderPage)!,
      to: 'D10',
      scope: String(w.units.village.id),
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('只有本单位或上级单位的档案员、管理员可以修改保管期限');
    expect(await retentionOf(c06)).toBe('Y');
  });
});
