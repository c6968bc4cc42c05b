import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamptz,
  uniqueIndex,
} from './columns.js';
import type {
  ReceiveIdType,
  ScheduledSendKind,
  ScheduledSendMsgType,
  ScheduledSendStatus,
  ScheduleRunStatus,
} from './column-types.js';

/**
 * One row per (job, slot): node-cron fires in every instance, and the instance whose insert wins
 * runs the slot. A failed or abandoned run (status `running` past its lease) may be claimed again;
 * what it sends is claimed again per message (scheduled_sends), so a re-run never sends twice.
 */
export const scheduleRuns = pgTable(
  'schedule_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The job's name in src/scheduler/jobs.ts. */
    job: text('job').notNull(),
    /** The scheduled instant (wall-clock time in the configured zone). */
    slot: timestamptz('slot').notNull(),
    /** running | done | failed | missed (the process was down that day: skipped, not caught up) */
    status: text('status').$type<ScheduleRunStatus>().notNull(),
    /** Which process claimed it (host-pid-random). */
    instance: text('instance'),
    attempts: integer('attempts').notNull().default(1),
    claimedAt: timestamptz('claimed_at').notNull(),
    finishedAt: timestamptz('finished_at'),
    /** What the run did: { sends: 12 } or { skipped: 'not a working day' }. */
    outcome: jsonb('outcome'),
    lastError: text('last_error'),
  },
  (t) => [uniqueIndex('schedule_runs_job_slot_key').on(t.job, t.slot)],
);

/**
 * The outbox of scheduled messages (reminders, escalations, digests). A row is the claim of one
 * logical send under (kind, target, period), made before anything is sent; the `scheduled-send` job
 * delivers it with Lark's uuid = sendKey(kind, target, period) and records the message id.
 */
export const scheduledSends = pgTable(
  'scheduled_sends',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** reminder | escalation | digest */
    kind: text('kind').$type<ScheduledSendKind>().notNull(),
    /** A chat id (reminders), an open_id (escalations), open_id:unit id (digests). */
    target: text('target').notNull(),
    /** 2026-11-26 (a day) or 2026-W48 (an ISO week). */
    period: text('period').notNull(),
    receiveIdType: text('receive_id_type').$type<ReceiveIdType>().notNull(),
    receiveId: text('receive_id').notNull(),
    msgType: text('msg_type').$type<ScheduledSendMsgType>().notNull(),
    /** Lark's `content` JSON string, rendered when the slot ran. */
    content: text('content').notNull(),
    unitId: bigint('unit_id', { mode: 'number' }),
    /** Tasks the message lists: a reply to a reminder files to them (bot_messages). */
    taskIds: jsonb('task_ids').notNull().default([]),
    /** pending | sent | expired | failed */
    status: text('status').$type<ScheduledSendStatus>().notNull().default('pending'),
    /** Not sent after this (a reminder belongs to its day). */
    notAfter: timestamptz('not_after').notNull(),
    messageId: text('message_id'),
    lastError: text('last_error'),
    createdAt: timestamptz('created_at').notNull(),
    sentAt: timestamptz('sent_at'),
    /**
     * When a post of this send first may have reached Lark without the bot learning its message id (the
     * answer lost: a network failure, a 5xx, the process died mid-attempt). Kept when a 督办 is claimed
     * again: past Lark's uuid de-dup window the delivery looks for that message before posting.
     */
    unsureSince: timestamptz('unsure_since'),
  },
  (t) => [
    uniqueIndex('scheduled_sends_kind_target_period_key').on(t.kind, t.target, t.period),
    index('scheduled_sends_period_idx').on(t.period, t.kind),
  ],
);

/**
 * Completeness of every unit's subtree at the weekly digest, so "change since last week" compares
 * with what was true then (undone filings and waivers make it impossible to recompute).
 */
export const completenessSnapshots = pgTable(
  'completeness_snapshots',
  {
    unitId: bigint('unit_id', { mode: 'number' }).notNull(),
    /** ISO week of the digest, 2026-W48. */
    week: text('week').notNull(),
    total: integer('total').notNull(),
    /** complete + waived */
    done: integer('done').notNull(),
    overdue: integer('overdue').notNull(),
    takenAt: timestamptz('taken_at').notNull(),
  },
  (t) => [primaryKey({ name: 'completeness_snapshots_pkey', columns: [t.unitId, t.week] })],
);
