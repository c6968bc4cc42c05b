import { randomBytes } from 'node:crypto';
import type Koa from 'koa';
import { upsertPerson } from '../db/repos/people.js';
import { endWebSession, startWebSession } from '../db/repos/web-sessions.js';
import { LarkApiError } from '../errors.js';
import { larkUserFromCode } from '../lark/oauth.js';
import { authorizeUrl } from '../lark/oauth.js';
import { messagePage } from './pages/layout.js';
import { signValue, verifyValue } from './signed-value.js';
import type { PageContext, WebDeps } from './web-context.js';
import { page } from './web-app.js';
import { signInOrigin, SIGN_IN_NEEDS_PUBLIC_URL } from './sign-in-origin.js';
import {
  clearCookie,
  newSessionId,
  readCookie,
  safeReturnPath,
  sessionCookieValue,
  setCookie,
  SESSION_COOKIE,
  STATE_COOKIE,
  type OAuthState,
} from './web-session.js';

/** Lark's code is valid 5 minutes; the state cookie a little longer. */
const STATE_SECONDS = 600;

const secure = (deps: WebDeps, ctx: Koa.Context) =>
  signInOrigin(deps.publicUrl, ctx.req)?.startsWith('https:') ?? false;

/**
 * Where Lark sends the browser back (never built from a Host or X-Forwarded-Host alone: see
 * signInOrigin). Undefined: the refusal page has been answered and logged.
 */
function redirectUri(deps: WebDeps, ctx: Koa.Context): string | undefined {
  const origin = signInOrigin(deps.publicUrl, ctx.req);
  if (origin) return `${origin}/auth/callback`;
  deps.logger.warn({ reason: 'host_not_allowed' }, 'web sign-in refused');
  page(ctx, 400, messagePage('无法登录', SIGN_IN_NEEDS_PUBLIC_URL));
  return undefined;
}

/** GET /auth/login?next=/units/3 → Lark's authorize page, with a fresh state kept in a signed cookie. */
export async function authLogin({ koa: ctx, deps }: PageContext): Promise<void> {
  const redirect = redirectUri(deps, ctx);
  if (!redirect) return;
  const state = randomBytes(16).toString('base64url');
  const next = safeReturnPath(ctx.query.next);
  const expires = new Date(deps.clock.now().getTime() + STATE_SECONDS * 1000);
  setCookie(ctx, STATE_COOKIE, signValue(deps.secret, STATE_COOKIE, { state, next }, expires), {
    secure: secure(deps, ctx),
    maxAgeSeconds: STATE_SECONDS,
    path: '/auth',
  });
  ctx.redirect(authorizeUrl(deps.oauth, redirect, state));
}

/**
 * GET /auth/callback?code&state: the state must equal the one in this browser's cookie (which is
 * used up here, so a replayed callback finds none); the code is exchanged once at Lark.
 */
export async function authCallback({ koa: ctx, deps }: PageContext): Promise<void> {
  const redirect = redirectUri(deps, ctx);
  if (!redirect) return;
  const now = deps.clock.now();
  const kept = verifyValue<OAuthState>(deps.secret, STATE_COOKIE, readCookie(ctx, STATE_COOKIE), now);
  clearCookie(ctx, STATE_COOKIE, secure(deps, ctx), '/auth');
  const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
  const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
  if (!kept || !state || kept.state !== state || !code || code.length > 512) {
    deps.logger.warn({ reason: kept ? 'state_mismatch' : 'no_state' }, 'web sign-in refused');
    return page(ctx, 400, messagePage('登录失败', '登录链接已失效或不完整，请重新打开页面登录。'));
  }
  let user;
  try {
    user = await larkUserFromCode(deps.oauth, code, redirect);
  } catch (err) {
    const refused = err instanceof LarkApiError && err.httpStatus !== undefined && err.httpStatus < 500;
    deps.logger.warn({ reason: refused ? 'code_refused' : 'lark_unreachable', err }, 'web sign-in failed');
    return page(
      ctx,
      refused ? 400 : 502,
      messagePage(
        '登录失败',
        refused ? '飞书未通过这次登录（授权码无效或已使用），请重新登录。' : '暂时连不上飞书，请稍后再试。',
      ),
    );
  }
  if (user.name) await upsertPerson(deps.db, user, now);
  const maxAge = deps.sessionHours * 3600;
  const session = { o: user.openId, n: user.name, s: newSessionId() };
  const expiresAt = new Date(now.getTime() + maxAge * 1000);
  await startWebSession(deps.db, { id: session.s, openId: user.openId, createdAt: now, expiresAt });
  setCookie(ctx, SESSION_COOKIE, sessionCookieValue(deps.secret, session, expiresAt), {
    secure: secure(deps, ctx),
    maxAgeSeconds: maxAge,
  });
  deps.logger.info('web sign-in');
  ctx.redirect(safeReturnPath(kept.next));
}

/**
 * POST /auth/logout (CSRF-checked): the session is ended on the server (a copy of the cookie no longer
 * works) and the cookie is dropped.
 */
export async function authLogout({ koa: ctx, deps, viewer }: PageContext): Promise<void> {
  await endWebSession(deps.db, viewer.sessionId, deps.clock.now());
  clearCookie(ctx, SESSION_COOKIE, secure(deps, ctx));
  page(ctx, 200, messagePage('已退出', '您已退出归档助手网页。'));
}
