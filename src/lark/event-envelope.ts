/**
 * Lark's v2 event envelope and the one shape both intake paths (webhook, long connection) hand to
 * `recordInboundEvent`: the original envelope as the payload, plus the keys we dedupe on.
 */
export interface InboundLarkEvent {
  eventId: string;
  eventType: string;
  /** Set for `im.message.receive_v1` only: Lark says to dedupe messages on message_id (not event_id). */
  messageId?: string;
  /** The message's chat (message and recall events): a burst stays open while its chat has events queued. */
  chatId?: string;
  /** The v2 envelope `{schema:'2.0', header:{…}, event:{…}}`, as Lark sent it. */
  payload: object;
  source: 'webhook' | 'ws' | 'reconcile';
  /** `header.create_time` in ms (Lark sends ms, sometimes µs); undefined when absent or unreadable. */
  createTimeMs?: number;
}

export interface LarkEnvelopeHeader {
  event_id: string;
  event_type: string;
  create_time?: string;
  token?: string;
  app_id?: string;
  tenant_key?: string;
}

export interface LarkEnvelope {
  schema: '2.0';
  header: LarkEnvelopeHeader;
  event: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Given a parsed (decrypted) v2 envelope, the InboundLarkEvent to record. Throws on anything else. */
export function inboundFromEnvelope(envelope: unknown, source: InboundLarkEvent['source']): InboundLarkEvent {
  if (!isRecord(envelope) || !isRecord(envelope.header)) {
    throw new Error('not a Lark v2 event envelope: no header object');
  }
  const { event_id: eventId, event_type: eventType, create_time: createTime } = envelope.header;
  if (typeof eventId !== 'string' || eventId === '') {
    throw new Error('not a Lark v2 event envelope: header.event_id is missing');
  }
  if (typeof eventType !== 'string' || eventType === '') {
    throw new Error(`not a Lark v2 event envelope: header.event_type is missing (event ${eventId})`);
  }
  const event = isRecord(envelope.event) ? envelope.event : {};
  const message = isRecord(event.message) ? event.message : undefined;
  // Only the receive event: other im.message.* events (updated, recalled, read) share the message id and
  // would be dropped as duplicates of the original message if recorded under it.
  const messageId =
    eventType === 'im.message.receive_v1' && typeof message?.message_id === 'string'
      ? message.message_id
      : undefined;
  // A recall names its chat at the top of the event: queued, it holds the chat's open burst back like a
  // message does, so a card is not drawn with a file that is being recalled.
  const chatId =
    messageId !== undefined && typeof message?.chat_id === 'string'
      ? message.chat_id
      : eventType === 'im.message.recalled_v1' && typeof event.chat_id === 'string'
        ? event.chat_id
        : undefined;
  return {
    eventId,
    eventType,
    messageId,
    ...(chatId !== undefined ? { chatId } : {}),
    payload: envelope,
    source,
    createTimeMs: createTimeMs(createTime),
  };
}

/** `"1608725989000"` (ms) or `"1603977298000000"` (µs, seen in callback samples) → ms. */
function createTimeMs(value: unknown): number | undefined {
  const n = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return n > 1e14 ? Math.floor(n / 1000) : n;
}

const HEADER_KEYS = ['event_id', 'event_type', 'create_time', 'token', 'app_id', 'tenant_key'] as const;

/**
 * Keys that exist in both header and event of some event types. The SDK flattens as
 * `{...rest, ...header, ...event}`, so the event's value wins and the header's is gone.
 * `card.action.trigger`: `event.token` is the callback token ("c-…"); header.token is lost.
 */
const EVENT_OWNED_KEYS: Record<string, readonly string[]> = { 'card.action.trigger': ['token'] };

/**
 * Rebuilds the v2 envelope from what the SDK's EventDispatcher hands a handler: for a `schema` envelope it
 * is `{[Symbol(event-type)]: type, schema, ...header, ...event}` (RequestHandle.parse, lib/index.js:100848).
 * Exact for the events we subscribe to, whose event bodies share no key with the header, except for
 * card.action.trigger (see EVENT_OWNED_KEYS).
 */
export function toInboundEvent(data: object, source: InboundLarkEvent['source'] = 'ws'): InboundLarkEvent {
  const flat = data as Record<string, unknown>;
  const eventType = typeof flat.event_type === 'string' ? flat.event_type : '';
  const eventOwned = EVENT_OWNED_KEYS[eventType] ?? [];
  const header: Record<string, unknown> = {};
  const event: Record<string, unknown> = {};
  for (const key of Object.keys(flat)) {
    if (key === 'schema') continue;
    const isHeader = (HEADER_KEYS as readonly string[]).includes(key) && !eventOwned.includes(key);
    (isHeader ? header : event)[key] = flat[key];
  }
  const envelope = { schema: typeof flat.schema === 'string' ? flat.schema : '2.0', header, event };
  return inboundFromEnvelope(envelope, source);
}
