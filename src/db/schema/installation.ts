import { integer, pgTable, text, timestamptz } from './columns.js';

/**
 * One row per database: who this install is. `install_id` goes into every Lark send `uuid`, so a
 * reinstalled bot or a second install of the same app never has a real send dropped as a repeat;
 * `installed_at` tells the scheduler which slots could never have run (before the install).
 */
export const installation = pgTable('installation', {
  /** Always 1: the table holds one row. */
  id: integer('id').primaryKey().default(1),
  installId: text('install_id').notNull(),
  installedAt: timestamptz('installed_at').notNull(),
});
