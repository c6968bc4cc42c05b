import { boolean, pgTable, text, timestamptz } from './columns.js';

/**
 * One row per alert kind (dead rows, silent connection, low disk, …): whether it is firing, and
 * whether the operations chat was told. Shared by all instances, so a restart or a second instance
 * neither repeats an alert nor misses its 恢复正常.
 */
export const opsAlerts = pgTable('ops_alerts', {
  kind: text('kind').primaryKey(),
  firing: boolean('firing').notNull().default(false),
  /** The operations chat was told it fires (so it gets one 恢复正常 when it clears). */
  notified: boolean('notified').notNull().default(false),
  detail: text('detail').notNull().default(''),
  since: timestamptz('since'),
  /** Last alert sent for this kind (at most one per interval). */
  lastSentAt: timestamptz('last_sent_at'),
  updatedAt: timestamptz('updated_at').notNull(),
});
