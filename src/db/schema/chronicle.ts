import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  pgTable,
  text,
  timestamptz,
  uniqueIndex,
} from './columns.js';

/**
 * 大事记 edits: the chronology of a unit and year is built from filed items; an archivist's change to
 * an entry (its date or wording, or hiding it) is a row here, keyed by the item. Entries without an
 * item are added by hand.
 */
export const chronicleEntries = pgTable(
  'chronicle_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    unitId: bigint('unit_id', { mode: 'number' }).notNull(),
    year: integer('year').notNull(),
    itemId: bigint('item_id', { mode: 'number' }),
    /** YYYY-MM-DD */
    day: text('day').notNull(),
    event: text('event').notNull(),
    hidden: boolean('hidden').notNull().default(false),
    editedBy: text('edited_by').notNull(),
    editedAt: timestamptz('edited_at').notNull(),
  },
  (t) => [
    uniqueIndex('chronicle_entries_item_key')
      .on(t.unitId, t.year, t.itemId)
      .where(sql`item_id is not null`),
    index('chronicle_entries_unit_year_idx').on(t.unitId, t.year),
  ],
);
