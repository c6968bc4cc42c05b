import { describe, expect, it } from 'vitest';
import { signValue, verifyValue } from '../../src/http/signed-value.js';
import { safeReturnPath } from '../../src/http/web-session.js';
import { html } from '../../src/http/pages/html.js';

const secret = 'a-secret-of-at-least-thirty-two-chars!';
const now = new Date('2026-12-01T00:00:00Z');
const later = new Date('2026-12-01T12:00:00Z');

describe('signed values (session and state cookies)', () => {
  it('round-trips until the expiry, then is gone', () => {
    const v = signValue(secret, 'ab_session', { o: 'ou_1' }, later);
    expect(verifyValue(secret, 'ab_session', v, now)).toMatchObject({ o: 'ou_1' });
    expect(verifyValue(secret, 'ab_session', v, later)).toBeUndefined();
  });

  it('refuses another secret, another purpose, an altered body or signature, and junk', () => {
    const v = signValue(secret, 'ab_session', { o: 'ou_1' }, later);
    const [body, mac] = v.split('.');
    const forged = Buffer.from(JSON.stringify({ o: 'ou_admin', exp: later.getTime() })).toString('base64url');
    expect(verifyValue(`${secret}x`, 'ab_session', v, now)).toBeUndefined();
    expect(verifyValue(secret, 'ab_oauth', v, now)).toBeUndefined();
    expect(verifyValue(secret, 'ab_session', `${forged}.${mac}`, now)).toBeUndefined();
    expect(verifyValue(secret, 'ab_session', `${body}.${mac!.slice(1)}A`, now)).toBeUndefined();
    for (const junk of [undefined, '', '.', 'abc', `${'a'.repeat(5000)}.b`]) {
      expect(verifyValue(secret, 'ab_session', junk, now)).toBeUndefined();
    }
  });
});

describe('safeReturnPath (no open redirect after sign-in)', () => {
  it('keeps paths on this site and drops everything else', () => {
    expect(safeReturnPath('/units/3?x=1#a')).toBe('/units/3?x=1#a');
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'evil',
      '/a\\b',
      '/a\nb',
      42,
      undefined,
      `/${'a'.repeat(1001)}`,
    ]) {
      expect(safeReturnPath(bad), String(bad)).toBe('/');
    }
  });
});

describe('html (escaping)', () => {
  it('escapes every interpolated value, nested lists too', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<p title="${name}">${[name, html`<b>${"'"}</b>`]}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<b>&#39;</b></p>',
    );
  });
});
