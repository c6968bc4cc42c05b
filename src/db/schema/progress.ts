import { bigint, boolean, index, integer, pgTable, primaryKey, timestamptz } from './columns.js';

/** The key (unit, subtree, campaign, due time) and the four counts: both tables hold the same rows. */
const progressColumns = () => ({
  unitId: bigint('unit_id', { mode: 'number' }).notNull(),
  subtree: boolean('subtree').notNull(),
  campaignId: bigint('campaign_id', { mode: 'number' }).notNull(),
  dueAt: timestamptz('due_at').notNull(),
  total: integer('total').notNull(),
  waived: integer('waived').notNull(),
  complete: integer('complete').notNull(),
  partly: integer('partly').notNull(),
});

/**
 * Task counts per unit, campaign and due time, so a progress page reads a few rows instead of every
 * task below it: `subtree = false` counts the unit's own tasks, `subtree = true` those of the unit and
 * everything below it. complete/partly use the filed count derived from live items (as the direct
 * computation does); overdue at any moment is total − waived − complete over the rows due before it.
 * Written only by `progress_counts_fold()` (migration 0016), which moves the pending
 * unit_progress_deltas in; read through the `unit_progress_rows` view (these rows and the deltas, to
 * be summed), never alone.
 */
export const unitProgressCounts = pgTable('unit_progress_counts', progressColumns(), (t) => [
  primaryKey({
    name: 'unit_progress_counts_pkey',
    columns: [t.unitId, t.subtree, t.campaignId, t.dueAt],
  }),
]);

/**
 * Changes to unit_progress_counts not yet folded in: the triggers of migration 0014, through
 * `progress_counts_apply` (as migration 0016 redefines it), append one row per key in the transaction that adds, changes or moves a
 * task, files or undoes an item, or moves a unit. Appending instead of updating the counts keeps
 * concurrent filings off the shared rows of the township, county and province above them (they
 * queued there until each other's commit). A timer folds them in every few seconds.
 */
export const unitProgressDeltas = pgTable('unit_progress_deltas', progressColumns(), (t) => [
  index('unit_progress_deltas_unit_idx').on(t.unitId, t.subtree),
]);
