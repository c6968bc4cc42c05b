import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamptz, uniqueIndex } from './columns.js';
import type { InboundEventSource, InboundEventStatus } from './column-types.js';

/**
 * Every accepted Lark event: the intake log and the dedupe key store. Processed rows are pruned after
 * RETENTION_DAYS (wiring/retention.ts); message ids stay in `messages`.
 * The row is also the processing job (status/attempts/next_attempt_at), so accepting an event is
 * exactly one INSERT.
 */
export const inboundEvents = pgTable(
  'inbound_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull(),
    /** Lark says to dedupe message events on message_id (retries may carry a new event_id). */
    messageId: text('message_id'),
    /** Message events: their chat. A burst stays open while its chat has events waiting (bursts.ts). */
    chatId: text('chat_id'),
    eventType: text('event_type').notNull(),
    /** webhook | ws | reconcile | card */
    source: text('source').$type<InboundEventSource>().notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamptz('received_at').notNull(),
    /** pending | processing | done | ignored | dead */
    status: text('status').$type<InboundEventStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: timestamptz('next_attempt_at').notNull(),
    lockedAt: timestamptz('locked_at'),
    lockedBy: text('locked_by'),
    /** The claim's own stamp (set by the claim, not by renewals): a statement of that claim matches it exactly. */
    claimedAt: timestamptz('claimed_at'),
    processedAt: timestamptz('processed_at'),
  },
  (t) => [
    uniqueIndex('inbound_events_event_id_key').on(t.eventId),
    uniqueIndex('inbound_events_message_id_key').on(t.messageId),
    index('inbound_events_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`status = 'pending'`),
    index('inbound_events_queued_chat_idx')
      .on(t.chatId)
      .where(sql`status in ('pending', 'processing') and chat_id is not null`),
    index('inbound_events_processing_idx')
      .on(t.lockedAt)
      .where(sql`status = 'processing'`),
    // /metrics counts dead rows and retention prunes finished ones without reading the whole table.
    index('inbound_events_dead_idx')
      .on(t.id)
      .where(sql`status = 'dead'`),
    index('inbound_events_finished_idx')
      .on(t.processedAt)
      .where(sql`status in ('done', 'ignored')`),
  ],
);
