import { pgTable, text, timestamptz } from './columns.js';

/**
 * Lark's rate limits shared by every instance on one PostgreSQL database: per limiter key (an API,
 * an API per minute, a chat), the theoretical arrival time of the next call (GCRA). A call reserves
 * its slot with one upsert and waits until it; rows are scratch state, pruned when long past.
 */
export const larkPacing = pgTable('lark_pacing', {
  key: text('key').primaryKey(),
  tat: timestamptz('tat').notNull(),
});
