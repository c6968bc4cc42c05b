import { SCHEDULED_SEND_JOB } from '../../domain/job-types.js';
import { eq, sql } from 'drizzle-orm';
import { storable } from '../../domain/storable-text.js';
import { URGES_PER_CHAT_A_DAY } from '../../domain/urge-period.js';
import { queryRows, type Db } from '../client.js';
import type {
  ReceiveIdType,
  ScheduledSendKind,
  ScheduledSendMsgType,
  ScheduledSendStatus,
} from '../schema/column-types.js';
import { scheduledSends } from '../schema/schedules.js';

/** A scheduled message, rendered, about to be claimed under (kind, target, period). */
export interface NewScheduledSend {
  kind: ScheduledSendKind;
  target: string;
  period: string;
  receiveIdType: ReceiveIdType;
  receiveId: string;
  msgType: ScheduledSendMsgType;
  content: string;
  unitId?: number;
  taskIds: number[];
  notAfter: Date;
}

export interface ScheduledSend extends NewScheduledSend {
  id: number;
  status: ScheduledSendStatus;
  messageId: string | null;
  /** When a post may first have reached Lark unanswered (`markSendUnsure`); null: none did. */
  unsureSince: Date | null;
}

const BATCH = 500;

/**
 * The start of `last_error` of a send closed because Lark would not show the chat's history, so a post
 * whose answer was lost could not be looked for (`deliverScheduled`): the pages say 「无法确认」.
 */
export const HISTORY_UNREADABLE = 'chat history unreadable: ';

/**
 * Claims each send under its unique (kind, target, period) and enqueues its delivery job, in one
 * transaction per batch (a crash leaves no claim without a job). Deliveries are spread at
 * `perSecond` from `startAt`, so 10,000 reminders take minutes, whichever instance sends them.
 * Already-claimed sends are skipped; returns how many were new.
 *
 * `again` (督办): a send of the same key that was closed undelivered (`failed`: Lark refused it or
 * every attempt failed; `expired`) is claimed again — rendered anew, `pending`, with a delivery job of
 * its own — and counted; one sent or still pending is skipped as before. The update re-checks the
 * status under the row's lock, so two presses at once claim it once. The Lark uuid stays the send's
 * key and `unsure_since` is kept: a first attempt that did reach Lark unseen is answered with that
 * message within Lark's de-dup hour, and found in the chat's history after it (`deliverScheduled`),
 * instead of the officers getting the 督办 twice — unless the chat's history could not be read
 * (HISTORY_UNREADABLE): the page asked the leader to look in the chat, so a press means it is not
 * there, and it is posted without looking.
 *
 * `urge` (督办, keyed by `urgePeriod`): a send is not claimed for a chat that already has
 * URGES_PER_CHAT_A_DAY other 督办 that day (sent, queued, or closed after a post that may have arrived:
 * `unsure_since`), nor one task's 督办 where the village's (which names every overdue task) was sent or
 * queued that day. The chats' claims are serialized under an advisory lock, so two presses at
 * once cannot both pass the count.
 */
export async function claimSends(
  db: Db,
  sends: NewScheduledSend[],
  opts: { now: Date; startAt: Date; perSecond: number; again?: boolean; urge?: boolean },
): Promise<number> {
  let claimed = 0;
  for (let i = 0; i < sends.length; i += BATCH) {
    const batch = sends.slice(i, i + BATCH).map((s, j) => ({
      kind: s.kind,
      target: s.target,
      period: s.period,
      receive_id_type: s.receiveIdType,
      receive_id: s.receiveId,
      msg_type: s.msgType,
      content: s.content,
      unit_id: s.unitId ?? null,
      task_ids: s.taskIds,
      not_after: s.notAfter.toISOString(),
      run_at: new Date(opts.startAt.getTime() + Math.floor((i + j) / opts.perSecond) * 1000).toISOString(),
    }));
    claimed += await db.transaction(async (tx) => {
      if (opts.urge)
        await queryRows(
          tx,
          sql`select pg_advisory_xact_lock(hashtext('urge:' || t))::text as locked
              from (select distinct t from jsonb_array_elements_text(${JSON.stringify(batch.map((b) => b.target))}::jsonb) t
                    order by t) o`,
        );
      const rows = await queryRows<{ n: number }>(
        tx,
        sql`with input as (
              select * from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as x(
                kind text, target text, period text, receive_id_type text, receive_id text, msg_type text,
                content text, unit_id bigint, task_ids jsonb, not_after timestamptz, run_at timestamptz)
              where ${opts.urge ? urgeAllowed : sql`true`}),
            claimed as (
              insert into scheduled_sends (kind, target, period, receive_id_type, receive_id, msg_type, content,
                unit_id, task_ids, not_after, created_at)
              select kind, target, period, receive_id_type, receive_id, msg_type, content, unit_id, task_ids,
                not_after, ${opts.now} from input
              on conflict (kind, target, period) do nothing
              returning id, kind, target, period),
            again as (
              update scheduled_sends s set receive_id_type = i.receive_id_type, receive_id = i.receive_id,
                msg_type = i.msg_type, content = i.content, unit_id = i.unit_id, task_ids = i.task_ids,
                not_after = i.not_after, status = 'pending', message_id = null, sent_at = null,
                last_error = null, created_at = ${opts.now},
                unsure_since = case when s.last_error like ${`${HISTORY_UNREADABLE}%`} then null
                  else s.unsure_since end
              from input i
              where ${sql.raw(opts.again ? 'true' : 'false')} and s.status in ('failed', 'expired')
                and s.kind = i.kind and s.target = i.target and s.period = i.period
              returning s.id, s.kind, s.target, s.period),
            queued as (
              insert into jobs (kind, key, payload, run_at, max_attempts, created_at)
              select ${SCHEDULED_SEND_JOB.name}, c.kind || ':' || c.target || ':' || c.period || c.round,
                jsonb_build_object('sendId', c.id), i.run_at, 10, ${opts.now}
              from (select id, kind, target, period, '' as round from claimed
                    union all
                    -- Claimed again: a job key of its own (the first job keeps its key, done or dead).
                    select id, kind, target, period, '@again-' || gen_random_uuid()::text from again) c
                join input i using (kind, target, period)
              on conflict (kind, key) do nothing
              returning id)
            select count(*)::int as n from queued`,
      );
      return Number(rows[0]?.n ?? 0);
    });
  }
  return claimed;
}

/** A 督办 that counts for its day: sent, queued, or closed after a post that may have arrived. */
const LIVE = sql`(s.status in ('pending', 'sent') or s.unsure_since is not null)`;

/** `claimSends` `urge`: the chat's other 督办 that day under the cap, and no task's over the village's. */
const urgeAllowed = sql`(select count(*) from scheduled_sends s where s.kind = x.kind and s.target = x.target
      and s.period <> x.period and split_part(s.period, ':', 1) = split_part(x.period, ':', 1) and ${LIVE})
      < ${URGES_PER_CHAT_A_DAY}
    and (position(':' in x.period) = 0 or not exists (select 1 from scheduled_sends s where s.kind = x.kind
      and s.target = x.target and s.period = split_part(x.period, ':', 1) and s.status in ('pending', 'sent')))`;

export async function getScheduledSend(db: Db, id: number): Promise<ScheduledSend | undefined> {
  const s = scheduledSends;
  const [r] = await db
    .select({
      id: s.id,
      kind: s.kind,
      target: s.target,
      period: s.period,
      receiveIdType: s.receiveIdType,
      receiveId: s.receiveId,
      msgType: s.msgType,
      content: s.content,
      unitId: s.unitId,
      taskIds: s.taskIds,
      notAfter: s.notAfter,
      status: s.status,
      messageId: s.messageId,
      unsureSince: s.unsureSince,
    })
    .from(s)
    .where(eq(s.id, id));
  if (!r) return undefined;
  return { ...r, unitId: r.unitId ?? undefined, taskIds: (r.taskIds as unknown[]).map(Number) };
}

/**
 * The escalation sent to `openId` as Lark's message `messageId` (its card as drawn, and its day), or
 * undefined: a message the bot did not send them as one (a copy forwarded elsewhere has another id).
 */
export async function escalationOf(
  db: Db,
  openId: string,
  messageId: string,
): Promise<{ content: string; period: string } | undefined> {
  const [r] = await queryRows<{ content: string; period: string }>(
    db,
    sql`select content, period from scheduled_sends
        where kind = 'escalation' and target = ${openId} and message_id = ${messageId} and status = 'sent'`,
  );
  return r;
}

/** pending → sent with Lark's message id (false when it was not pending any more). */
export async function markSendSent(db: Db, id: number, messageId: string, now: Date): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update scheduled_sends set status = 'sent', message_id = ${messageId}, sent_at = ${now}, last_error = null
        where id = ${id} and status = 'pending' returning id::int as id`,
  );
  return rows.length > 0;
}

/**
 * A post of the send whose answer was lost (network failure, 5xx): Lark may have delivered it. The
 * first such time is kept, through later attempts and a 督办 claimed again.
 */
export async function markSendUnsure(db: Db, id: number, triedAt: Date): Promise<void> {
  await db.execute(
    sql`update scheduled_sends set unsure_since = coalesce(unsure_since, ${triedAt}) where id = ${id}`,
  );
}

/** pending → expired (too late to be useful) or failed (Lark refused for good). */
export async function closeSend(
  db: Db,
  id: number,
  status: 'expired' | 'failed',
  reason: string,
): Promise<void> {
  await db.execute(
    sql`update scheduled_sends set status = ${status}, last_error = ${storable(reason).slice(0, 2000)}
        where id = ${id} and status = 'pending'`,
  );
}

/** What `closeDeadSend` leaves in `last_error`: `jobs retry` reopens only such a send. */
export const DIED_ON_LAST_ATTEMPT = 'interrupted on its last attempt (its process died)';

/**
 * pending → failed when its delivery job died with its process on the last attempt (the job's onDead).
 * A send another job still holds (a quiet-hours deferral, a 督办 pressed again) is left to that job.
 * It may have died after Lark took the post, so it is unsure since its claim at the latest.
 * True when it was closed.
 */
export async function closeDeadSend(db: Db, id: number): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update scheduled_sends set status = 'failed', last_error = ${DIED_ON_LAST_ATTEMPT},
          unsure_since = coalesce(unsure_since, created_at)
        where id = ${id} and status = 'pending'
          and not exists (select 1 from jobs where kind = ${SCHEDULED_SEND_JOB.name}
            and status in ('pending', 'processing') and payload->>'sendId' = ${String(id)})
        returning id::int as id`,
  );
  return rows.length > 0;
}

/** failed → pending for the sends whose delivery job died (`closeDeadSend`) and is retried now. */
export async function reopenDeadSends(db: Db, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update scheduled_sends set status = 'pending', last_error = null
        where status = 'failed' and last_error = ${DIED_ON_LAST_ATTEMPT}
          and id = any(${`{${ids.map(Number).join(',')}}`}::bigint[])
        returning id::int as id`,
  );
  return rows.length;
}

export interface SendCounts {
  kind: ScheduledSendKind;
  status: ScheduledSendStatus;
  n: number;
}

/** How many sends of a period are in each state (CLI, tests, metrics). */
export async function sendCounts(db: Db, period: string): Promise<SendCounts[]> {
  const s = scheduledSends;
  return db
    .select({ kind: s.kind, status: s.status, n: sql<number>`count(*)::int` })
    .from(s)
    .where(eq(s.period, period))
    .groupBy(s.kind, s.status)
    .orderBy(s.kind, s.status);
}
