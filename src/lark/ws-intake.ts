import { isLarkAppId, LARK_APP_ID_RULE } from './app-id.js';
import type { Config } from '../config.js';
import { AppError, errorMessage, PermanentError } from '../errors.js';
import { scrubText } from '../log-redaction.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';
import { larkUnreachableText } from '../domain/lark-unreachable-text.js';
import { withDatabase } from './database-time-limit.js';
import { toInboundEvent, type InboundLarkEvent } from './event-envelope.js';
import { lark } from './sdk.js';

export interface WsIntakeDeps {
  config: Config['lark'];
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** The record step (one idempotent insert). Throwing makes the SDK answer 500, so Lark pushes again. */
  onEvent: (event: InboundLarkEvent) => Promise<void>;
  /**
   * A `card.action.trigger` callback (same shape as the webhook path hands over: payload = v2 envelope);
   * the answer (toast / card) goes back over the socket. 3 s budget: the database gets RECORD_TIME_LIMIT_MS.
   * A callback it cannot read throws PermanentError 'malformed_event' (answered 无法识别的回调).
   */
  onCardAction: (event: InboundLarkEvent) => Promise<object | undefined>;
}

export interface WsIntake {
  /** The SDK's socket is open (it says nothing about a peer that stopped answering; see lastActivityAt). */
  connected(): boolean;
  lastEventAt(): Date | undefined;
  /** Last sign of life from Lark: an event, a callback, a pong or a (re)connect. */
  lastActivityAt(): Date | undefined;
  /** The silence check the timer runs; exposed for health checks and tests. */
  checkSilence(): void;
  close(): Promise<void>;
}

/** A card callback without the ids it needs (counted as malformed_event). */
export const CARD_UNREADABLE = { toast: { type: 'error', content: '无法识别的回调' } };
/**
 * A tap the database could not take within the time limit (counted as database_unavailable). Its
 * work may still land; tapping again is safe (handlers are idempotent).
 */
export const CARD_BUSY = {
  toast: { type: 'warning', content: '系统正忙，这次没有答复，请稍后再点一次（已办成的不会重复办理）' },
};

/** Events written to inbound_events. */
export const RECORDED_EVENT_TYPES = [
  'im.message.receive_v1',
  'im.message.recalled_v1',
  'im.chat.member.bot.added_v1',
  'im.chat.member.bot.deleted_v1',
  'im.chat.member.user.added_v1',
  'im.chat.member.user.deleted_v1',
  'im.chat.member.user.withdrawn_v1',
  'application.bot.menu_v6',
] as const;
/** Subscribed in some consoles but of no use here: acknowledged and dropped. */
export const IGNORED_EVENT_TYPES = ['im.message.message_read_v1'] as const;

/**
 * Receives events and card callbacks over Lark's long connection (SDK `WSClient`), facts from SDK 1.74:
 * - A handler that throws makes the SDK answer the frame with `{"code":500}` instead of 200 (it catches the
 *   error itself, no unhandled rejection). Lark's long-connection guide: an event not handled within 3 s
 *   without an error is pushed again. So a failed insert is logged here and rethrown: nothing is lost, and
 *   the redelivery is deduped by the insert. (Unregistered types are answered 200 "no … handle": dropped.)
 * - `card.action.trigger` arrives as a `type: event` frame and goes through the same EventDispatcher; the
 *   handler's return value is sent back base64-encoded in the answer frame. `type: card` frames are ignored.
 * - `wsConfig.pingTimeout` (s) terminates the socket when nothing arrives within that time after a ping, which
 *   starts the normal reconnect loop. The timer is re-armed by every ping, so it only works when it is shorter
 *   than Lark's PingInterval (120 s today); the silence watchdog below is the backstop.
 * - Pongs are invisible to the caller. We run the SDK logger at trace and take its "receive pong" trace line
 *   as a sign of life. SDK warn/error go to our log, info goes to debug, debug/trace are dropped (they
 *   carry the ws URL with its ticket).
 */
export async function startWsIntake(deps: WsIntakeDeps): Promise<WsIntake> {
  const { config, logger, metrics, clock } = deps;
  if (!isLarkAppId(config.appId)) {
    // The SDK would log and silently never connect (loadConfig refuses it too; this guards other callers).
    throw new Error(`LARK_APP_ID ${config.appId} ${LARK_APP_ID_RULE}，长连接不接受它`);
  }
  const log = logger.child({ component: 'lark-ws' });
  const startedAt = clock.now();
  const silenceMs = config.wsSilenceAlertMinutes * 60_000;
  let lastEvent: Date | undefined;
  let lastActivity: Date | undefined;
  let silent = false;
  const inflight = new Set<Promise<unknown>>();
  const tracked =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const p = fn(...args);
      inflight.add(p);
      void p.then(
        () => inflight.delete(p),
        () => inflight.delete(p),
      );
      return p;
    };

  metrics.set('lark_ws_connected', 0, {}, 'Long connection to Lark open (1) or not (0)');
  metrics.set('lark_ws_silent', 0, {}, `Nothing from Lark for ${config.wsSilenceAlertMinutes} min (1)`);
  metrics.inc('lark_ws_reconnects_total', {}, 0, 'Long connection re-established after a drop');

  const touch = (isEvent: boolean) => {
    const now = clock.now();
    lastActivity = now;
    if (isEvent) lastEvent = now;
    if (silent) {
      silent = false;
      metrics.set('lark_ws_silent', 0);
      log.info('long connection active again');
    }
  };

  const checkSilence = () => {
    const since = lastActivity ?? startedAt;
    if (silent || clock.now().getTime() - since.getTime() < silenceMs) return;
    silent = true;
    metrics.set('lark_ws_silent', 1);
    log.error(
      { since: since.toISOString() },
      `long connection silent for ${config.wsSilenceAlertMinutes} min`,
    );
  };

  /**
   * Counted and logged as the webhook counts its refusals (lark_events_refused_total, reason), so the
   * doctor's 飞书推送 line shows them; the log names the reason and the event type, never the content.
   */
  const refuse = (reason: string, data: object) => {
    metrics.inc('lark_events_refused_total', { reason });
    const type = (data as { event_type?: unknown }).event_type;
    log.warn(
      { reason, eventType: typeof type === 'string' ? type.slice(0, 80) : undefined },
      'long-connection event refused',
    );
  };

  const record = async (data: object) => {
    touch(true);
    let inbound: InboundLarkEvent;
    try {
      inbound = toInboundEvent(data, 'ws');
    } catch {
      // No event id or type: it can never be recorded, so it is acknowledged (a 500 would only bring
      // the same unreadable event back) and reported like a malformed webhook push.
      refuse('malformed_event', data);
      return;
    }
    let recorded: { value: void } | undefined;
    try {
      // The webhook's 2.5 s limit: a hanging database is answered 500 in time and Lark pushes again.
      recorded = await withDatabase(deps.onEvent(inbound));
    } catch (err) {
      metrics.inc('lark_ws_event_errors_total', { event_type: inbound.eventType });
      log.error(
        { err, eventId: inbound.eventId, eventType: inbound.eventType },
        'recording a long-connection event failed; answering 500 so Lark pushes it again',
      );
      throw err;
    }
    if (!recorded) {
      metrics.inc('lark_ws_event_errors_total', { event_type: inbound.eventType });
      refuse('database_unavailable', data);
      throw new Error('database unavailable; answering 500 so Lark pushes the event again');
    }
    metrics.inc('lark_ws_events_total', { event_type: inbound.eventType });
  };

  const cardAction = async (data: object) => {
    touch(true);
    let event: InboundLarkEvent;
    try {
      event = toInboundEvent(data, 'ws');
    } catch {
      refuse('malformed_event', data);
      return CARD_UNREADABLE;
    }
    let answer: { value: object | undefined } | undefined;
    try {
      // Lark wants the answer within 3 s: the database gets the webhook's 2.5 s, then the tapper hears so.
      answer = await withDatabase(deps.onCardAction(event));
    } catch (err) {
      // A callback without its operator or action, as the webhook refuses it (400 there).
      if (err instanceof PermanentError && err.code === 'malformed_event') {
        refuse('malformed_event', data);
        return CARD_UNREADABLE;
      }
      log.error({ err, eventId: event.eventId }, 'card callback failed; answering 500');
      throw err;
    }
    if (!answer) {
      refuse('database_unavailable', data);
      return CARD_BUSY;
    }
    return answer.value;
  };

  // The SDK's start() never fails: it connects in the background. Start-up waits for the first outcome:
  // open (resolve), refused for good (reject: the bot must not run deaf), or a failure the SDK retries
  // (resolve with a warning, like an unreachable Lark at start-up elsewhere).
  let settleStart: (outcome: 'open' | 'retrying' | Error) => void = () => {};
  const started = new Promise<'open' | 'retrying' | Error>((resolve) => {
    let settled = false;
    settleStart = (outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
  });
  const sdkLogger = bridgeSdkLogger(
    log,
    () => touch(false),
    () => settleStart('retrying'),
  );
  const dispatcher = new lark.EventDispatcher({ logger: sdkLogger, loggerLevel: lark.LoggerLevel.warn });
  const handlers: Record<string, (data: object) => Promise<unknown>> = {};
  for (const type of RECORDED_EVENT_TYPES) handlers[type] = tracked(record);
  for (const type of IGNORED_EVENT_TYPES) handlers[type] = async () => touch(true);
  handlers['card.action.trigger'] = tracked(cardAction);
  dispatcher.register<Record<string, (data: object) => Promise<unknown>>>(handlers);

  const setConnected = (up: boolean) => metrics.set('lark_ws_connected', up ? 1 : 0);
  const client = new lark.WSClient({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    logger: sdkLogger,
    loggerLevel: lark.LoggerLevel.trace,
    autoReconnect: true,
    handshakeTimeoutMs: config.httpTimeoutMs,
    wsConfig: { pingTimeout: config.wsPingTimeoutSeconds },
    onReady: () => {
      touch(false);
      setConnected(true);
      settleStart('open');
      log.info('long connection open');
    },
    onReconnecting: () => {
      setConnected(false);
      log.warn('long connection lost; reconnecting');
    },
    onReconnected: () => {
      touch(false);
      setConnected(true);
      metrics.inc('lark_ws_reconnects_total');
      log.info('long connection re-established');
    },
    onError: (err) => {
      setConnected(false);
      settleStart(err);
      log.error({ err }, 'long connection gave up');
    },
  });

  const timer = setInterval(checkSilence, Math.min(60_000, Math.max(20, silenceMs / 4)));
  timer.unref();
  await client.start({ eventDispatcher: dispatcher });
  const startDeadline = setTimeout(() => settleStart('retrying'), config.httpTimeoutMs);
  const outcome = await started;
  clearTimeout(startDeadline);
  if (outcome instanceof Error) {
    clearInterval(timer);
    client.close({ force: true });
    throw new AppError(
      'lark_ws_refused',
      `飞书拒绝了长连接（${scrubText(outcome.message)}）：请检查开发者后台 → 事件与回调 → 订阅方式（长连接）和应用凭证`,
    );
  }
  if (outcome === 'retrying') log.warn(larkUnreachableText(config.domain));

  return {
    connected: () => client.getConnectionStatus().state === 'connected',
    lastEventAt: () => lastEvent,
    lastActivityAt: () => lastActivity,
    checkSilence,
    /** Lets handlers in flight finish (≤ 3 s, Lark's budget) so their answers go out, then drops the socket. */
    close: async () => {
      clearInterval(timer);
      if (inflight.size > 0) {
        let giveUp: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inflight]),
          new Promise((resolve) => (giveUp = setTimeout(resolve, 3000))),
        ]);
        clearTimeout(giveUp);
        // The SDK sends the answer frame a few microtasks after the handler settles.
        await new Promise((resolve) => setImmediate(resolve));
      }
      client.close({ force: true });
      setConnected(false);
    },
  };
}

type SdkLog = (...msg: unknown[]) => void;

/** The SDK calls `logger.level(argsArray)`. Warn and error go to pino; the pong trace is a heartbeat. */
function bridgeSdkLogger(
  log: Logger,
  onPong: () => void,
  onConnectFailed: () => void,
): Record<'error' | 'warn' | 'info' | 'debug' | 'trace', SdkLog> {
  const text = (msg: unknown[]) =>
    msg
      .flat()
      .map((m) => scrubText(typeof m === 'string' ? m : errorMessage(m)))
      .join(' ');
  return {
    error: (...msg) => {
      const line = text(msg);
      // Our handler already logged it with the event id.
      if (line.includes('invoke event failed')) return;
      // A failure the SDK retries by itself (network, Lark busy).
      if (line.includes('connect failed')) onConnectFailed();
      log.error({ sdk: true }, line);
    },
    warn: (...msg) => log.warn({ sdk: true }, text(msg)),
    info: (...msg) => log.debug({ sdk: true }, text(msg)),
    debug: () => {},
    trace: (...msg) => {
      if (text(msg).includes('receive pong')) onPong();
    },
  };
}
