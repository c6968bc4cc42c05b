import type { AlertSend } from './column-types.js';
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
  /**
   * A notice decided (an alert or 恢复正常) that no process has yet seen Lark take: every alert round of
   * any instance sends it again under the same uuid (so a copy that got through is not repeated) until
   * one does. Null: nothing owed. Kept in the row, not in a process, so a restart or a database that
   * refused a later write loses nothing.
   */
  pendingSend: text('pending_send').$type<AlertSend>(),
  /** The pending notice's spell start: with the kind and the send, its uuid. */
  pendingSince: timestamptz('pending_since'),
  /** When the pending notice was decided: the time on its card. */
  pendingAt: timestamptz('pending_at'),
});
