import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamptz,
  uniqueIndex,
} from './columns.js';
import type { JobStatus } from './column-types.js';

/**
 * Background work other than event processing (downloads, replies, sends …). `key` makes
 * enqueueing idempotent: the same logical job is inserted once.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    key: text('key').notNull(),
    payload: jsonb('payload').notNull(),
    /** pending | processing | done | dead */
    status: text('status').$type<JobStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(8),
    /** Due jobs are claimed by priority, then run_at (0 first: domain/job-type.ts JOB_PRIORITY). */
    priority: smallint('priority').notNull().default(1),
    lastError: text('last_error'),
    runAt: timestamptz('run_at').notNull(),
    lockedAt: timestamptz('locked_at'),
    lockedBy: text('locked_by'),
    /** The claim's own stamp (set by the claim, not by renewals): a statement of that claim matches it exactly. */
    claimedAt: timestamptz('claimed_at'),
    createdAt: timestamptz('created_at').notNull(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [
    uniqueIndex('jobs_kind_key_key').on(t.kind, t.key),
    index('jobs_due_idx')
      .on(t.priority, t.runAt)
      .where(sql`status = 'pending'`),
    index('jobs_processing_idx')
      .on(t.lockedAt)
      .where(sql`status = 'processing'`),
    index('jobs_dead_idx')
      .on(t.id)
      .where(sql`status = 'dead'`),
    index('jobs_finished_idx')
      .on(t.finishedAt)
      .where(sql`status = 'done'`),
  ],
);
