import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';
import { PermanentError } from '../errors.js';
import { withDatabase } from './database-time-limit.js';
import { inboundFromEnvelope, type InboundLarkEvent } from './event-envelope.js';
import { decryptEvent, safeEqual, signatureMatches } from './webhook-crypto.js';

export { RECORD_TIME_LIMIT_MS } from './database-time-limit.js';

export interface WebhookDeps {
  lark: Config['lark'];
  webhook: Config['webhook'];
  clock: Clock;
  metrics: Metrics;
  /** Stores the event (record-then-acknowledge); resolves once it is durable. */
  record: (event: InboundLarkEvent) => Promise<'accepted' | 'duplicate'>;
  /**
   * Answers a card callback synchronously (toast / card), touching only the database. A callback it
   * cannot read (no operator) throws PermanentError 'malformed_event': refused with 400.
   */
  onCardAction: (event: InboundLarkEvent) => Promise<object>;
}

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface WebhookResponse {
  status: number;
  body: object;
  /** Set when refused: a stable reason for logs and metrics. */
  refused?: string;
}

/**
 * The URL check, the one request Lark sends unsigned, is a few hundred bytes (encrypted or not): a
 * larger unsigned body is refused unread.
 */
const UNSIGNED_BODY_LIMIT_BYTES = 4096;

const header = (h: WebhookRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

const refuse = (deps: WebhookDeps, status: number, reason: string): WebhookResponse => {
  deps.metrics.inc('lark_events_refused_total', { reason });
  return { status, body: { error: reason }, refused: reason };
};

/**
 * Everything `POST /lark/events` does, independent of Koa: verify the signature over the raw bytes
 * (constant time) before parsing them, refuse stale or future timestamps, decrypt, answer
 * url_verification, check the app id and verification token, then record the event (or answer the
 * card callback).
 * The SDK's HTTP adapters are not used: they answer 200 to bad signatures and hang on throws.
 */
export async function handleWebhookRequest(deps: WebhookDeps, req: WebhookRequest): Promise<WebhookResponse> {
  const encryptKey = deps.lark.encryptKey ?? '';
  // The signature is checked over the raw bytes before anything parses them: parsing a megabyte of
  // nested brackets takes the event loop a third of a second, which nobody unsigned may spend.
  const signature = header(req.headers, 'x-lark-signature');
  const timestamp = header(req.headers, 'x-lark-request-timestamp') ?? '';
  const nonce = header(req.headers, 'x-lark-request-nonce') ?? '';
  const signed = signature !== undefined;
  if (signed) {
    if (!signatureMatches(signature, timestamp, nonce, encryptKey, req.rawBody))
      return refuse(deps, 401, 'bad_signature');
    const ts = Number(timestamp);
    const nowS = deps.clock.now().getTime() / 1000;
    if (!Number.isFinite(ts) || ts < nowS - deps.webhook.maxAgeSeconds)
      return refuse(deps, 401, 'stale_timestamp');
    if (ts > nowS + deps.webhook.maxAheadSeconds) return refuse(deps, 401, 'future_timestamp');
  } else if (req.rawBody.length > UNSIGNED_BODY_LIMIT_BYTES) return refuse(deps, 401, 'unsigned');

  let body: any;
  try {
    body = JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    return refuse(deps, 400, 'malformed_json');
  }
  if (typeof body !== 'object' || body === null) return refuse(deps, 400, 'malformed_json');

  if (typeof body.encrypt === 'string') {
    try {
      body = JSON.parse(decryptEvent(body.encrypt, encryptKey));
    } catch {
      // Signed but undecryptable is a malformed push; unsigned garbage is refused as unsigned.
      return refuse(deps, signed ? 400 : 401, signed ? 'decrypt_failed' : 'unsigned');
    }
  }
  // A correctly encrypted `null`, number or array is a malformed push, not a crash.
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse(deps, signed ? 400 : 401, signed ? 'malformed_event' : 'unsigned');

  // The URL check is unsigned by design; it proves itself with the verification token.
  if (body.type === 'url_verification') {
    if (typeof body.challenge !== 'string') return refuse(deps, 400, 'malformed_challenge');
    if (!safeEqual(String(body.token ?? ''), deps.lark.verificationToken ?? ''))
      return refuse(deps, 401, 'bad_token');
    return { status: 200, body: { challenge: body.challenge } };
  }

  if (!signed) return refuse(deps, 401, 'unsigned');
  if (body.schema !== '2.0' || typeof body.header !== 'object' || body.header === null) {
    return refuse(deps, 400, 'unsupported_schema');
  }
  if (body.header.app_id !== deps.lark.appId) return refuse(deps, 401, 'wrong_app_id');
  if (
    body.header.token !== undefined &&
    !safeEqual(String(body.header.token), deps.lark.verificationToken ?? '')
  ) {
    return refuse(deps, 401, 'bad_token');
  }

  let event: InboundLarkEvent;
  try {
    event = inboundFromEnvelope(body, 'webhook');
  } catch {
    return refuse(deps, 400, 'malformed_event');
  }
  if (event.eventType === 'card.action.trigger') {
    let answer: { value: object } | undefined;
    try {
      answer = await withDatabase(deps.onCardAction(event));
    } catch (err) {
      // A callback without its operator or action: refused and counted like any malformed push.
      if (err instanceof PermanentError && err.code === 'malformed_event')
        return refuse(deps, 400, 'malformed_event');
      throw err;
    }
    return answer ? { status: 200, body: answer.value } : refuse(deps, 503, 'database_unavailable');
  }
  if (!(await withDatabase(deps.record(event)))) return refuse(deps, 503, 'database_unavailable');
  return { status: 200, body: {} };
}
