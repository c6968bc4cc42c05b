import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/client.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const PHONE = { width: 360, height: 740 };
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A web page that fails, as the leader or archivist sees it on a phone: a page in Chinese in the
 * pages' own layout, never `{"error":"internal_error"}`; while the database is away 「系统正忙（数据库
 * 暂时连不上），请稍后刷新」 with 503 and Retry-After. The machine endpoints keep their JSON answers, and
 * http_errors_total counts by the route's pattern (/items/:id), not by each id.
 *
 * The outage: on PostgreSQL the bot's connections go through a TCP proxy the test cuts (a dead host:
 * connections accepted, never answered; postgres.js gives up after its 3 s connect timeout); on PGlite
 * the embedded database is shut down (it has no connection to cut).
 */
describe('a web page that fails', () => {
  let direct: TestDb | undefined;
  let proxy: TcpProxy | undefined;
  let tdb: TestDb;
  let w: WebWorld;
  let browser: Browser | undefined;
  let leader: string;

  beforeAll(async () => {
    direct = await createTestDb();
    if (onPostgres) {
      const url = new URL(direct.url!);
      proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      const proxied = openPostgres(url.toString(), 10);
      tdb = { ...proxied, url: direct.url, shutDown: () => proxied.close() };
    } else tdb = direct;
    [w, browser] = await Promise.all([
      createWebWorld('WE', {}, { db: tdb }),
      hasChromium ? launchChromium() : Promise.resolve(undefined),
    ]);
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  });
  afterAll(async () => {
    proxy?.restore();
    await browser?.close();
    await w?.close();
    if (onPostgres) await tdb?.close();
    await proxy?.close();
    await direct?.close();
  });

  const metrics = async () => (await fetch(`${w.h.bot.url}/metrics`)).text();

  it('shows a page in Chinese (500), counted by the route /items/:id, not by each id', async () => {
    // A real failure the bot does not expect: the table the item page reads is gone.
    await w.h.db.db.execute(sql`alter table filing_item_materials rename to fim_away`);
    try {
      for (const id of [w.itemId, w.item2Id]) {
        const res = await w.get(`/items/${id}`, leader);
        expect(res.status).toBe(500);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        const body = await res.text();
        expect(body).toContain('<html lang="zh-CN">');
        expect(body).toContain('页面出错了，没有打开');
        expect(body).not.toMatch(/internal_error|fim_away|relation|select /);
      }
      if (browser) {
        const page = await (await browser.newContext({ viewport: PHONE, locale: 'zh-CN' })).newPage();
        w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
        const res = await page.goto(`${w.h.bot.url}/items/${w.itemId}`);
        expect(res?.status()).toBe(500);
        expect(await page.locator('h1').innerText()).toBe('出错了');
        expect(await page.locator('#message').innerText()).toContain('请稍后刷新');
        await page.context().close();
      }
    } finally {
      await w.h.db.db.execute(sql`alter table fim_away rename to filing_item_materials`);
    }
    expect((await w.get(`/items/${w.itemId}`, leader)).status).toBe(200);

    const text = await metrics();
    expect(text).toMatch(new RegExp(`^http_errors_total\\{route="/items/:id"\\} ${browser ? 3 : 2}$`, 'm'));
    expect(text).not.toMatch(/http_errors_total\{[^}]*\/items\/\d/);
  });

  it('while the database is away: 「系统正忙」 with 503 and Retry-After; the machine endpoints answer JSON', async () => {
    const unitPath = `/units/${w.units.village.id}?overdue_page=1`;
    expect((await w.get(unitPath, leader)).status).toBe(200);
    if (proxy) proxy.blackhole();
    else await tdb.shutDown();

    const res = await w.get(unitPath, leader);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await res.text();
    expect(body).toContain('<html lang="zh-CN">');
    expect(body).toContain('系统正忙（数据库暂时连不上），请稍后刷新');
    // 刷新 opens the same page again.
    expect(body).toContain(`<a id="back" href="${unitPath.replace('&', '&amp;')}">刷新</a>`);
    expect(body).not.toMatch(/internal_error|ECONN|CONNECT_TIMEOUT|PGlite|closed/);

    // A form sent meanwhile: the same page, back to the home page (its address is a POST's).
    const form = await fetch(`${w.h.bot.url}/items/${w.itemId}/describe`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: leader, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'title=x',
    });
    expect(form.status).toBe(503);
    expect(await form.text()).toContain('系统正忙（数据库暂时连不上），请稍后刷新');

    if (browser) {
      const ctx = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
      const [name, value] = leader.split('=') as [string, string];
      await ctx.addCookies([{ name, value, url: w.h.bot.url }]);
      const page = await ctx.newPage();
      const shown = await page.goto(`${w.h.bot.url}/tasks/${w.taskC01}`);
      expect(shown?.status()).toBe(503);
      expect(await page.locator('h1').innerText()).toBe('系统正忙');
      expect(await page.locator('#message').innerText()).toBe('系统正忙（数据库暂时连不上），请稍后刷新。');
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        PHONE.width,
      );
      await ctx.close();
    }

    // Machines keep their answers.
    const health = await fetch(`${w.h.bot.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${w.h.bot.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { database: string } }).checks.database).toBe(
      'database_unreachable',
    );
    const unknown = await fetch(`${w.h.bot.url}/no-such-thing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not_found' });

    // (/metrics itself reads queue figures from the database: counted here in process.)
    expect(w.h.bot.metrics.value('http_errors_total', { route: '/units/:id' })).toBe(1);
    expect(w.h.bot.metrics.value('http_errors_total', { route: '/items/:id/describe' })).toBe(1);
  });
});
