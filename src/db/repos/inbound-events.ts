import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

export interface NewInboundEvent {
  eventId: string;
  eventType: string;
  /** Set for message events: Lark may redeliver one message under a new event id. */
  messageId?: string;
  source: 'webhook' | 'ws' | 'reconcile' | 'card';
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
    sql`insert into inbound_events (event_id, message_id, event_type, source, payload, received_at, status,
          next_attempt_at, processed_at)
        values (${e.eventId}, ${e.messageId ?? null}, ${e.eventType}, ${e.source}, ${JSON.stringify(e.payload)}::jsonb,
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
  status: string;
  attempts: number;
  lastError: string | null;
}

export async function listInboundEvents(
  db: Db,
  filter: { status?: string; limit?: number } = {},
): Promise<InboundEventRow[]> {
  const rows = await queryRows<any>(
    db,
    sql`select id::int as id, event_id, message_id, event_type, status, attempts, last_error
        from inbound_events
        where ${filter.status ? sql`status = ${filter.status}` : sql`true`}
        order by id desc limit ${filter.limit ?? 50}`,
  );
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    messageId: r.message_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
  }));
}
