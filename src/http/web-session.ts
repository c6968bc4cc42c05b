import { randomBytes } from 'node:crypto';
import type Koa from 'koa';
import { mac, signValue, verifyValue } from './signed-value.js';

export const SESSION_COOKIE = 'ab_session';
export const STATE_COOKIE = 'ab_oauth';

export interface Session {
  /** open_id */
  o: string;
  /** name from Lark at sign-in */
  n: string;
  /** random session id (the CSRF token is derived from it) */
  s: string;
}

export interface OAuthState {
  state: string;
  next: string;
}

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds: number;
  path?: string;
}

/** Set-Cookie by hand: HttpOnly, SameSite=Lax, Secure when the pages are served over https. */
export function setCookie(ctx: Koa.Context, name: string, value: string, o: CookieOptions): void {
  const parts = [
    `${name}=${value}`,
    `Path=${o.path ?? '/'}`,
    `Max-Age=${o.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (o.secure) parts.push('Secure');
  ctx.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(ctx: Koa.Context, name: string, secure: boolean, path = '/'): void {
  setCookie(ctx, name, '', { secure, maxAgeSeconds: 0, path });
}

export function readCookie(ctx: Koa.Context, name: string): string | undefined {
  const header = ctx.get('cookie');
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export const newSessionId = (): string => randomBytes(16).toString('base64url');

export const sessionCookieValue = (secret: string, s: Session, expiresAt: Date): string =>
  signValue(secret, SESSION_COOKIE, s, expiresAt);

export const readSession = (ctx: Koa.Context, secret: string, now: Date): Session | undefined => {
  const s = verifyValue<Session>(secret, SESSION_COOKIE, readCookie(ctx, SESSION_COOKIE), now);
  return s && typeof s.o === 'string' && typeof s.s === 'string' ? s : undefined;
};

export const csrfToken = (secret: string, s: Session): string => mac(secret, 'csrf', s.s);

/**
 * Where to go after signing in: only a path on this site ('/units/3?x=1'). Absolute URLs,
 * protocol-relative '//host', backslashes and control characters fall back to '/'.
 */
export function safeReturnPath(next: unknown): string {
  if (typeof next !== 'string' || next.length > 1000) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  return next;
}
