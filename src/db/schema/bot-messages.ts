import { bigint, index, jsonb, pgTable, text, timestamptz } from './columns.js';

/**
 * Messages and cards the bot sent that mean something later: a reply to a task card or a reminder
 * files materials to its task(s); a filing card belongs to a burst.
 */
export const botMessages = pgTable(
  'bot_messages',
  {
    messageId: text('message_id').primaryKey(),
    chatId: text('chat_id'),
    /** task_card | reminder | filing_card | onboarding | … */
    purpose: text('purpose').notNull(),
    unitId: bigint('unit_id', { mode: 'number' }),
    burstId: bigint('burst_id', { mode: 'number' }),
    /** Tasks the message is about (one for a task card, several for a reminder). */
    taskIds: jsonb('task_ids').notNull().default([]),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [index('bot_messages_burst_idx').on(t.burstId)],
);
