import Koa from 'koa';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { READINESS_CHECK_FAILED } from './domain/resource-wait-text.js';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  /**
   * Database reachable (and in ws mode: long connection up). `detail`: the failed checks in Chinese,
   * for the person who asks (set when not ok).
   */
  ready: () => Promise<{ ok: boolean; checks: Record<string, boolean | string>; detail?: string }>;
  /** Present in webhook mode. */
  larkWebhook?: Koa.Middleware;
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The web pages (src/http/page-routes.ts); paths they do not declare fall through to 404. */
  pages?: Koa.Middleware;
}

/** The HTTP surface. Never listens by itself (the composition root does). */
export function buildApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: true });
  app.silent = true;

  // The one HTTP catch site: log once, answer a generic 500 without internals.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // The error object goes to the logger's serializer (type, code, scrubbed message and stack only).
      deps.logger.error({ err, path: ctx.path }, 'request failed');
      deps.metrics.inc('http_errors_total', { path: ctx.path });
      ctx.status = 500;
      ctx.body = { error: 'internal_error' };
    }
  });

  app.use(async (ctx, next) => {
    const route = `${ctx.method} ${ctx.path}`;
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
        ctx.status = 404;
        ctx.body = { error: 'webhook mode is off (LARK_EVENT_MODE=ws)' };
        return;
      default:
        if (deps.pages) {
          return deps.pages(ctx, async () => {
            ctx.status = 404;
            ctx.body = { error: 'not_found' };
          });
        }
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
