import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedRequest } from '../support/lark-sign.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

const PHONE = { width: 360, height: 740 };
/** What Chromium asks for when a person opens an address. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/**
 * A person who types a wrong address under the web pages (or follows an old link) reads 「找不到」 in
 * Chinese, in the pages' own layout with 返回首页, as for a unit they may not see; never
 * `{"error":"not_found"}`. Machines (a monitor, curl, Lark) keep their JSON answers.
 */
describe('an address no page has', () => {
  let h: Harness;
  let browser: Browser | undefined;

  beforeAll(async () => {
    [h, browser] = await Promise.all([startHarness(), hasChromium ? launchChromium() : undefined]);
  });
  afterAll(() => Promise.all([browser?.close(), h?.close()]));

  it.skipIf(!hasChromium)('in a browser: 「找不到」 with 404, on a phone', async () => {
    const ctx = await browser!.newContext({ viewport: PHONE, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const shown = await page.goto(`${h.bot.url}/unitz/3?tab=overdue`);
    expect(shown?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('找不到');
    expect(await page.locator('#message').innerText()).toBe('没有这个页面，或者您无权查看。');
    expect(await page.locator('a', { hasText: '返回首页' }).getAttribute('href')).toBe('/');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    await ctx.close();
  });

  it('asked for HTML: the page, with the pages’ headers; anything else: JSON', async () => {
    const res = await fetch(`${h.bot.url}/itemz/1`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body).toContain('<html lang="zh-CN">');
    expect(body).toContain('没有这个页面，或者您无权查看。');

    // curl and monitors ask for anything (*/*), or for JSON.
    for (const accept of ['*/*', 'application/json']) {
      const machine = await fetch(`${h.bot.url}/metricz`, { headers: { accept } });
      expect(machine.status).toBe(404);
      expect(await machine.json()).toEqual({ error: 'not_found' });
    }
  });

  it('the machine endpoints keep their answers, even asked for HTML', async () => {
    const get = (path: string) => fetch(`${h.bot.url}${path}`, { headers: { accept: BROWSER_ACCEPT } });
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { ok: boolean }).ok).toBe(true);
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    // A push signed with another key: refused in JSON, as before.
    const req = signedRequest({ schema: '2.0', header: { app_id: 'cli_other' } }, 'wrong-key');
    const push = await fetch(`${h.bot.url}/lark/events`, {
      method: 'POST',
      headers: { ...req.headers, accept: BROWSER_ACCEPT },
      body: req.body,
    });
    expect(push.status).toBe(401);
    expect(await push.json()).toEqual({ error: 'bad_signature' });
  });
});
