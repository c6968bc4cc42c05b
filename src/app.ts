import Koa from 'koa';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { READINESS_CHECK_FAILED } from './domain/resource-wait-text.js';
import { resourceProblem } from './errors.js';
import { notDeclared, page } from './http/web-app.js';
import { busyPage, failedPage, PAGE_RETRY_AFTER_SECONDS } from './http/pages/error-pages.js';
import { safeReturnPath } from './http/web-session.js';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  /**
   * Database reachable (and in ws mode: long connection up). `detail`: the failed checks in Chinese,
   * for the person who asks (set when not ok).
   */
  ready: () => Promise<{
    ok: boolean;
    checks: Record<string, boolean | string>;
    detail?: string;
    /** The last backup (when and how it ended: no folder, no error text), for reading; never makes it not ready. */
    lastBackup?: { at: string; outcome: string; lastComplete?: string };
  }>;
  /** Present in webhook mode. */
  larkWebhook?: Koa.Middleware;
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The web pages (src/http/page-routes.ts); paths they do not declare fall through to 404. */
  pages?: Koa.Middleware;
  /**
   * Reverse proxies in front whose X-Forwarded-* headers are believed (TRUST_PROXY). 0 (the default):
   * none, so `ctx.ip` is the socket's address and a forged X-Forwarded-For changes nothing.
   */
  trustProxyHops?: number;
}

/** The fixed routes by `METHOD path`: their answers are for machines (Lark, monitoring). */
const MACHINE_ROUTES = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /lark/events',
  'POST /lark/card',
]);

/** The HTTP surface. Never listens by itself (the composition root does). */
export function buildApp(deps: AppDeps): Koa {
  const hops = deps.trustProxyHops ?? 0;
  // maxIpsCount: only the addresses the trusted proxies appended count (a client's own X-Forwarded-For
  // entries in front of them are not believed either).
  const app = new Koa(hops > 0 ? { proxy: true, maxIpsCount: hops } : { proxy: false });
  app.silent = true;

  // The one HTTP catch site: log once; a web page answers a page in Chinese (503 while the database
  // or the file store is away, 500 otherwise), a machine endpoint JSON: 503 with the reason code and
  // Retry-After while a resource is away (the load balancer or Lark tries again: work waits, it does
  // not fail), a generic 500 otherwise. No internals either way.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // Counted by the route's pattern (/items/:id), never by the raw path: ids would make a series each.
      const route = typeof ctx.state.route === 'string' ? ctx.state.route : 'other';
      const problem = resourceProblem(err);
      // The error object goes to the logger's serializer (type, code, scrubbed message and stack only).
      if (problem) deps.logger.warn({ err, route, reason: problem.reason }, 'request waits for a resource');
      else deps.logger.error({ err, route }, 'request failed');
      deps.metrics.inc('http_errors_total', { route });
      if (ctx.state.page === true) {
        if (problem) {
          ctx.set('Retry-After', String(PAGE_RETRY_AFTER_SECONDS));
          const again = ctx.method === 'GET' ? safeReturnPath(ctx.originalUrl) : undefined;
          page(ctx, 503, busyPage(problem.reason, again));
        } else page(ctx, 500, failedPage());
        return;
      }
      if (problem) {
        ctx.set('Retry-After', String(PAGE_RETRY_AFTER_SECONDS));
        ctx.status = 503;
        ctx.body = { error: problem.reason };
        return;
      }
      ctx.status = 500;
      ctx.body = { error: 'internal_error' };
    }
  });

  app.use(async (ctx, next) => {
    const route = `${ctx.method} ${ctx.path}`;
    if (MACHINE_ROUTES.has(route)) ctx.state.route = ctx.path;
    switch (route) {
      case 'GET /healthz':
        ctx.body = { ok: true };
        return;
      case 'GET /readyz': {
        // Reason codes only: raw errors (database hosts, SQL) are for the log, not for anyone asking.
        const r = await deps.ready().catch((err) => {
          deps.logger.warn({ err }, 'readiness check failed');
          return { ok: false, checks: { error: 'check_failed' }, detail: READINESS_CHECK_FAILED };
        });
        ctx.status = r.ok ? 200 : 503;
        ctx.body = r;
        return;
      }
      case 'GET /metrics':
        if (deps.metricsToken && !bearerMatches(ctx.get('authorization'), deps.metricsToken)) {
          ctx.status = 401;
          ctx.set('WWW-Authenticate', 'Bearer');
          ctx.body = { error: 'unauthorized' };
          return;
        }
        ctx.type = 'text/plain; version=0.0.4';
        ctx.body = await deps.metrics.render();
        return;
      case 'POST /lark/events':
      case 'POST /lark/card':
        if (deps.larkWebhook) return deps.larkWebhook(ctx, next);
        // For the IT person who set a request URL in the developer console while the bot uses the long
        // connection (the status stays 404: Lark's URL check fails, as it should).
        ctx.status = 404;
        ctx.body = {
          error: 'webhook_off',
          message:
            '机器人现在用长连接接收事件（LARK_EVENT_MODE=ws），这个地址不接收推送。请在开发者后台 → 事件与回调，把订阅方式改为「使用长连接接收」；或者把 LARK_EVENT_MODE 改为 webhook 并重启机器人。',
        };
        return;
      default:
        // An address no page declares: the 找不到 page for a browser, JSON for anything else.
        if (deps.pages) return deps.pages(ctx, async () => notDeclared(ctx));
        ctx.status = 404;
        ctx.body = { error: 'not_found' };
    }
  });
  return app;
}

function bearerMatches(header: string, token: string): boolean {
  const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}
