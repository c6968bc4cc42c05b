import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { fetchAsBrowser } from './fetch-as-browser.js';
import type { Harness } from './harness.js';

/**
 * Signs in to the bot's pages through the fake Lark's OAuth as a browser would (login → authorize →
 * callback); returns the Cookie header value. With PUBLIC_URL set, the callback that Lark sends to
 * that address is followed on the bot's own.
 */
export async function signInCookie(
  h: Harness,
  user: { openId: string; name: string },
  publicUrl?: string,
): Promise<string> {
  h.fake.signInAs(user);
  const jar = new Map<string, string>();
  let url = `${h.bot.url}/auth/login?next=%2F`;
  for (let i = 0; i < 6; i++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetchAsBrowser(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const sc of res.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const [k, v] = pair!.split('=');
      if (v) jar.set(k!, v);
      else jar.delete(k!);
    }
    const loc = res.headers.get('location');
    if (res.status !== 302 || !loc) break;
    url = new URL(loc, url).toString();
    if (publicUrl && url.startsWith(publicUrl)) url = h.bot.url + url.slice(publicUrl.length);
    if (url.startsWith(h.bot.url) && !url.includes('/auth/')) break;
  }
  const session = jar.get('ab_session');
  if (!session) throw new Error('sign-in did not set a session cookie');
  return `ab_session=${session}`;
}

/** A browser context signed in as `user` (signInCookie's session on the bot's address). */
export async function signedInContext(
  h: Harness,
  browser: Browser,
  user: { openId: string; name: string },
  publicUrl: string | undefined,
  options: BrowserContextOptions,
): Promise<BrowserContext> {
  const cookie = await signInCookie(h, user, publicUrl);
  const [name, value] = cookie.split('=') as [string, string];
  const context = await browser.newContext(options);
  await context.addCookies([{ name, value, url: h.bot.url }]);
  return context;
}
