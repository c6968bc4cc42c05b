import Koa from 'koa';
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  /** Database reachable (and in ws mode: long connection up). */
  ready: () => Promise<{ ok: boolean; checks: Record<string, boolean | string> }>;
  /** Present in webhook mode. */
  larkWebhook?: Koa.Middleware;
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
        const r = await deps.ready().catch((err) => ({ ok: false, checks: { error: errorMessage(err) } }));
        ctx.status = r.ok ? 200 : 503;
        ctx.body = r;
        return;
      }
      case 'GET /metrics':
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
        ctx.status = 404;
        ctx.body = { error: 'not_found' };
    }
  });
  return app;
}
