import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, text } from './columns.js';
import { filingItems } from './tasks.js';

/**
 * What search reads for an item: `doc`, every text the item is found by (its title and description,
 * 档号, who filed it, the burst's caption, its task, its unit and its materials' captions, file names
 * and senders; one line each), under a GIN index of `search_grams(doc)`, the lower-cased single
 * characters and character pairs of `doc` (none across whitespace): a word's pairs narrow the search to
 * a few items before `doc` is matched with ILIKE. The pairs live in the index only (stored beside the
 * text they made the table 3.5 times larger). Written only by the triggers of migration 0013 (`item_search_refresh`)
 * whenever one of those texts changes, in the same transaction; never by the application.
 */
export const itemSearch = pgTable(
  'item_search',
  {
    itemId: bigint('item_id', { mode: 'number' })
      .primaryKey()
      .references(() => filingItems.id),
    doc: text('doc').notNull(),
  },
  () => [index('item_search_grams_idx').using('gin', sql`search_grams(doc)`)],
);
