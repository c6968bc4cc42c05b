import { bigint, boolean, integer, pgTable, primaryKey, timestamptz } from './columns.js';

/**
 * Task counts per unit, campaign and due time, so a progress page reads a few rows instead of every
 * task below it: `subtree = false` counts the unit's own tasks, `subtree = true` those of the unit and
 * everything below it. complete/partly use the filed count derived from live items (as the direct
 * computation does); overdue at any moment is total − waived − complete over the rows due before it.
 * Written only by the triggers of migration 0014 (`progress_counts_apply`), in the transaction that
 * adds, changes or moves a task, files or undoes an item, or moves a unit; never by the application.
 */
export const unitProgressCounts = pgTable(
  'unit_progress_counts',
  {
    unitId: bigint('unit_id', { mode: 'number' }).notNull(),
    subtree: boolean('subtree').notNull(),
    campaignId: bigint('campaign_id', { mode: 'number' }).notNull(),
    dueAt: timestamptz('due_at').notNull(),
    total: integer('total').notNull(),
    waived: integer('waived').notNull(),
    complete: integer('complete').notNull(),
    partly: integer('partly').notNull(),
  },
  (t) => [
    primaryKey({
      name: 'unit_progress_counts_pkey',
      columns: [t.unitId, t.subtree, t.campaignId, t.dueAt],
    }),
  ],
);
