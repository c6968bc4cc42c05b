import { boolean, pgTable, text, timestamptz } from './columns.js';

/** Chats the bot is (or was) in. Removal pauses a chat; nothing is deleted. */
export const chats = pgTable('chats', {
  chatId: text('chat_id').primaryKey(),
  /** group | p2p | topic */
  chatType: text('chat_type').notNull().default('group'),
  name: text('name'),
  active: boolean('active').notNull().default(true),
  addedBy: text('added_by'),
  addedAt: timestamptz('added_at'),
  removedAt: timestamptz('removed_at'),
  lastMessageAt: timestamptz('last_message_at'),
  updatedAt: timestamptz('updated_at').notNull(),
});
