import type Koa from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { WebhookRequest, WebhookResponse } from '../lark/webhook-intake.js';
import { readRawBody } from './read-raw-body.js';

export interface WebhookRouteDeps {
  bodyLimitBytes: number;
  logger: Logger;
  metrics: Metrics;
  handle: (req: WebhookRequest) => Promise<WebhookResponse>;
}

/** POST /lark/events (and /lark/card): thin adapter from Koa to `handleWebhookRequest`. */
export function larkWebhookRoute(deps: WebhookRouteDeps): Koa.Middleware {
  return async (ctx) => {
    let rawBody: Buffer;
    try {
      rawBody = await readRawBody(ctx.req, deps.bodyLimitBytes);
    } catch (err) {
      if (err instanceof AppError && err.code === 'body_too_large') {
        deps.metrics.inc('lark_events_refused_total', { reason: 'body_too_large' });
        deps.logger.warn({ reason: 'body_too_large', ip: ctx.ip }, 'webhook request refused');
        ctx.status = 413;
        ctx.body = { error: 'body_too_large' };
        ctx.set('Connection', 'close');
        return;
      }
      throw err;
    }
    const res = await deps.handle({ headers: ctx.req.headers, rawBody });
    // The sender's address (behind a proxy, its X-Forwarded-For): who sends what was refused, no content.
    if (res.refused)
      deps.logger.warn({ reason: res.refused, status: res.status, ip: ctx.ip }, 'webhook request refused');
    ctx.status = res.status;
    ctx.body = res.body;
  };
}
