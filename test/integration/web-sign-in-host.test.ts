import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

interface Answer {
  status: number;
  location?: string;
  setCookie: string[];
  body: string;
}

/** A request with exactly these headers (fetch does not let a caller set Host). */
const get = (url: string, headers: Record<string, string>) =>
  new Promise<Answer>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          location: res.headers.location,
          setCookie: res.headers['set-cookie'] ?? [],
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });

const redirectUriOf = (a: Answer) => new URL(a.location!).searchParams.get('redirect_uri');

/**
 * Sign-in's return address (Lark's redirect_uri, where the code goes) is never built from a header
 * alone: a forged Host or X-Forwarded-Host (the app trusts proxy headers) pointed it at another site.
 */
describe('web sign-in: the return address is PUBLIC_URL or the address the browser really reached', () => {
  describe('PUBLIC_URL not set', () => {
    let h: Harness;
    let own: string;
    beforeAll(async () => {
      h = await startHarness();
      own = new URL(h.bot.url).host;
    });
    afterAll(() => h?.close());

    it('a browser that reached the bot by its own address signs in as before', async () => {
      const res = await get(`${h.bot.url}/auth/login?next=%2F`, { host: own });
      expect(res.status).toBe(302);
      expect(redirectUriOf(res)).toBe(`${h.bot.url}/auth/callback`);
    });

    it.each([
      ['a forged Host', { host: 'evil.example' }],
      ['a forged X-Forwarded-Host', { host: '', 'x-forwarded-host': 'evil.example' }],
      ['a reverse proxy (X-Forwarded-For)', { host: '', 'x-forwarded-for': '10.0.0.9' }],
    ])(
      '%s: refused with a Chinese page that says to set PUBLIC_URL; nothing points elsewhere',
      async (_, headers) => {
        const sent = { ...headers, host: headers.host || own };
        for (const path of ['/auth/login?next=%2F', '/auth/callback?code=c-1&state=s-1']) {
          const res = await get(`${h.bot.url}${path}`, sent);
          expect(res.status, path).toBe(400);
          expect(res.location, path).toBeUndefined();
          expect(
            res.setCookie.filter((c) => !c.includes('=;')),
            path,
          ).toEqual([]);
          expect(res.body).toContain('网页登录需要先设置 PUBLIC_URL');
          expect(res.body).not.toContain('evil.example');
        }
      },
    );
  });

  describe('PUBLIC_URL set', () => {
    let h: Harness;
    const PUBLIC_URL = 'https://archive.example.test';
    beforeAll(async () => {
      h = await startHarness({ env: { PUBLIC_URL } });
    });
    afterAll(() => h?.close());

    it('a forged Host or X-Forwarded-Host changes nothing: Lark returns to PUBLIC_URL, cookies are Secure', async () => {
      const forged: Record<string, string>[] = [
        { host: 'evil.example' },
        { host: new URL(h.bot.url).host, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
      ];
      for (const headers of forged) {
        const res = await get(`${h.bot.url}/auth/login?next=%2F`, headers);
        expect(res.status).toBe(302);
        expect(redirectUriOf(res)).toBe(`${PUBLIC_URL}/auth/callback`);
        expect(res.setCookie[0]).toMatch(/; Secure/);
      }
    });
  });
});
