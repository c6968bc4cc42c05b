import { desc, eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { InboundEventSource, InboundEventStatus } from '../schema/column-types.js';
import { inboundEvents } from '../schema/events.js';

export interface NewInboundEvent {
  eventId: string;
  eventType: string;
  /** Set for message events: Lark may redeliver one message under a new event id. */
  messageId?: string;
  /** Message events: their chat (bursts wait while their chat has events queued: bursts.ts). */
  chatId?: string;
  source: InboundEventSource;
  /** The v2 envelope as received (decrypted). */
  payload: object;
}

/**
 * The durable acknowledgment: exactly one INSERT. A duplicate (same event_id, or same message_id)
 * inserts nothing. Returns whether the row is new.
 */
export async function insertInboundEvent(
  db: Db,
  e: NewInboundEvent,
  now: Date,
  status: 'pending' | 'done' = 'pending',
): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`insert into inbound_events (event_id, message_id, chat_id, event_type, source, payload, received_at, status,
          next_attempt_at, processed_at)
        values (${e.eventId}, ${e.messageId ?? null}, ${e.chatId ?? null}, ${e.eventType}, ${e.source}, ${JSON.stringify(e.payload)}::jsonb,
          ${now}, ${status}, ${now}, ${status === 'done' ? now : null})
        on conflict do nothing
        returning id::int as id`,
  );
  return rows.length > 0;
}

export interface InboundEventRow {
  id: number;
  eventId: string;
  messageId: string | null;
  eventType: string;
  status: InboundEventStatus;
  attempts: number;
  lastError: string | null;
}

export async function listInboundEvents(
  db: Db,
  filter: { status?: InboundEventStatus; limit?: number } = {},
): Promise<InboundEventRow[]> {
  const e = inboundEvents;
  return db
    .select({
      id: e.id,
      eventId: e.eventId,
      messageId: e.messageId,
      eventType: e.eventType,
      status: e.status,
      attempts: e.attempts,
      lastError: e.lastError,
    })
    .from(e)
    .where(filter.status ? eq(e.status, filter.status) : undefined)
    .orderBy(desc(e.id))
    .limit(filter.limit ?? 50);
}
