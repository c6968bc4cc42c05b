import type Koa from 'koa';
import { personNames } from '../db/repos/reminder-audience.js';
import { getUnitById, type UnitRow } from '../db/repos/units.js';
import { rolesOfPerson } from '../db/repos/viewer-roles.js';
import { webSessionLive } from '../db/repos/web-sessions.js';
import { unnamedPerson } from '../domain/person-name.js';
import { storable, storableValue } from '../domain/storable-text.js';
import { AppError } from '../errors.js';
import { pageRouteTable, type PageRoute } from './page-routes.js';
import { notFoundPage } from './pages/error-pages.js';
import { messagePage } from './pages/layout.js';
import { readRawBody } from './read-raw-body.js';
import { sameText } from './signed-value.js';
import { NotFound, type PageContext, type Viewer, type WebDeps } from './web-context.js';
import { csrfToken, readSession, safeReturnPath, type Session } from './web-session.js';

const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * The web pages as one Koa middleware over the routes the features declared: finds the route, resolves the session (signed
 * cookie, its session recorded and not ended in web_sessions) and the viewer's units, checks the CSRF
 * token of every POST, runs the handler. A path no route declares falls through (the app's 404); a
 * unit, task, item or file outside the viewer's units is the same 404 page as one that does not exist.
 */
export function pagesMiddleware(deps: WebDeps, routes: readonly PageRoute[]): Koa.Middleware {
  const table = pageRouteTable(routes);
  return async (ctx, next) => {
    const match = table.match(ctx.method, ctx.path);
    if (!match) return next();
    // For the app's catch site: a failure here is answered with a page, and counted by the route's pattern.
    ctx.state.route = match.route.path;
    ctx.state.page = true;
    pageHeaders(ctx);
    // Characters no store can hold (a NUL pasted into a search or a form) become U+FFFD here, as in
    // events: PostgreSQL refuses U+0000 in a parameter, which answered 500.
    const query = storableValue(ctx.query);
    if (query.replaced > 0) ctx.query = query.value;
    const c: PageContext = { koa: ctx, deps, params: match.params, viewer: undefined as never, form: {} };
    if (match.route.who !== 'public') {
      const now = deps.clock.now();
      const session = readSession(ctx, deps.secret, now);
      // The signature alone is not enough: 退出 or the person's removal ended the session on the server.
      if (!session || !(await webSessionLive(deps.db, session.s, session.o, now)))
        return refuseSignedOut(ctx);
      const viewer = await viewerOf(deps, session);
      c.viewer = viewer;
      if (viewer.roots.length === 0 && match.route.path !== '/auth/logout') {
        return page(
          ctx,
          403,
          messagePage('没有权限', '您在归档助手里还没有任何单位的角色，请联系管理员添加。', viewer),
        );
      }
    }
    if (ctx.method === 'POST') {
      const form = await readForm(ctx);
      if (!form) return page(ctx, 400, messagePage('请求无效', '提交的内容无法识别。', c.viewer));
      if (c.viewer && !(typeof form._csrf === 'string' && sameText(form._csrf, c.viewer.csrf))) {
        // Back to the page it was sent from, opened afresh (a new token): 「返回首页」 alone lost the unit
        // and the 督办 the leader meant to press, as the signed-out answer once did.
        const from = sentFrom(ctx);
        return page(
          ctx,
          403,
          messagePage(
            '请求无效',
            '页面已过期或缺少校验码，刚才的操作没有完成。请回到原来的页面，再做一次。',
            c.viewer,
            from,
            from === '/' ? '返回首页' : '回到原来的页面',
          ),
        );
      }
      c.form = form;
    }
    try {
      await match.route.handler(c);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      page(ctx, 404, notFoundPage(c.viewer));
    }
  };
}

/** The headers every page answers with: not cached, not sniffed, no referrer off the site, its CSP. */
export function pageHeaders(ctx: Koa.Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set(
    'Content-Security-Policy',
    "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; object-src 'self'; base-uri 'none'; form-action 'self'",
  );
}

/**
 * An address no route declares: a person's browser (it asks for HTML) gets the 找不到 page, as for
 * a unit they may not see; anything else (a monitor, a script, curl) gets JSON.
 */
export function notDeclared(ctx: Koa.Context): void {
  if (ctx.accepts('json', 'html') === 'html') {
    pageHeaders(ctx);
    page(ctx, 404, notFoundPage());
    return;
  }
  ctx.status = 404;
  ctx.body = { error: 'not_found' };
}

function refuseSignedOut(ctx: Koa.Context): void {
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    ctx.redirect(`/auth/login?next=${encodeURIComponent(ctx.originalUrl.slice(0, 1000))}`);
    return;
  }
  // A form sent after the session ended (a 督办 pressed on a page left open): nothing was done. Sign in
  // again back to the page it was sent from, which only had 「返回首页」 (the leader lost the unit).
  page(
    ctx,
    401,
    messagePage(
      '请先登录',
      '登录已过期，刚才的操作没有完成。请重新登录，再做一次。',
      undefined,
      `/auth/login?next=${encodeURIComponent(sentFrom(ctx))}`,
      '重新登录',
    ),
  );
}

/** The same-site page a form was sent from (the Referer: Referrer-Policy same-origin), else the home page. */
function sentFrom(ctx: Koa.Context): string {
  try {
    const ref = new URL(ctx.get('referer'));
    return ref.host === ctx.host ? safeReturnPath(`${ref.pathname}${ref.search}`) : '/';
  } catch {
    return '/';
  }
}

export function page(ctx: Koa.Context, status: number, body: { text: string }): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = body.text;
}

async function viewerOf(deps: WebDeps, s: Session): Promise<Viewer> {
  const roles = await rolesOfPerson(deps.db, s.o);
  const paths = [...new Set(roles.map((r) => r.path))];
  const rootPaths = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(q)));
  const roots: UnitRow[] = [];
  for (const p of rootPaths) {
    const id = Number(p.split('/').filter(Boolean).pop());
    const u = await getUnitById(deps.db, id);
    if (u) roots.push(u);
  }
  // Lark's sign-in may give no name: the name the people table has, never the open_id (the page header
  // and the 督办 card in the village's chat showed 「ou_…」).
  const name = s.n || (await personNames(deps.db, [s.o])).get(s.o) || unnamedPerson(s.o);
  return { openId: s.o, name, roots, roles, csrf: csrfToken(deps.secret, s), sessionId: s.s };
}

async function readForm(ctx: Koa.Context): Promise<Record<string, string> | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(ctx.get('content-type'))) return {};
  try {
    const raw = await readRawBody(ctx.req, FORM_LIMIT_BYTES);
    return Object.fromEntries(
      [...new URLSearchParams(raw.toString('utf8'))].map(([k, v]) => [storable(k), storable(v)]),
    );
  } catch (err) {
    if (err instanceof AppError && err.code === 'body_too_large') return undefined;
    throw err;
  }
}
