import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A JSON value with an expiry, signed with HMAC-SHA256: `base64url(json).base64url(mac)`. Used for
 * the session cookie and the OAuth state cookie. Anything altered, expired or unparsable is undefined.
 */
export function signValue(secret: string, purpose: string, value: object, expiresAt: Date): string {
  const body = Buffer.from(JSON.stringify({ ...value, exp: expiresAt.getTime() })).toString('base64url');
  return `${body}.${mac(secret, purpose, body)}`;
}

export function verifyValue<T extends object>(
  secret: string,
  purpose: string,
  signed: string | undefined,
  now: Date,
): T | undefined {
  if (!signed || signed.length > 4096) return undefined;
  const dot = signed.indexOf('.');
  if (dot <= 0) return undefined;
  const body = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  const want = Buffer.from(mac(secret, purpose, body));
  if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (!value || typeof value !== 'object' || typeof value.exp !== 'number') return undefined;
    return value.exp > now.getTime() ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/** HMAC of `text` under the secret, for a purpose (a session's CSRF token, a cookie). */
export function mac(secret: string, purpose: string, text: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${text}`).digest('base64url');
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
