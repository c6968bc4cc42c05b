import { localDay, zonedInstant } from '../../domain/working-days.js';
import { eq, sql, type SQL } from 'drizzle-orm';
import { decideBurst } from '../../domain/burst.js';
import { queryRows, type Db, type Tx } from '../client.js';
import type { BurstStatus } from '../schema/column-types.js';
import { bursts } from '../schema/materials.js';

/** The advisory lock (per chat and sender) under which an item is placed in a burst. */
export const burstLockKey = (chatId: string, senderOpenId: string) => `burst:${chatId}:${senderOpenId}`;

export interface BurstItem {
  chatId: string;
  senderOpenId: string;
  messageId: string;
  at: Date;
  quietWindowMs: number;
}

/**
 * Puts an item into the sender's open burst in this chat, or starts one; returns the burst's id. The
 * caller holds the (chat, sender) advisory lock in this transaction (see `burstPlacement`).
 */
export async function placeInBurst(tx: Tx, item: BurstItem, now: Date): Promise<number> {
  const [row] = await queryRows<{ id: number }>(
    tx,
    sql`with ${await burstPlacement(tx, item, now)} select id::int as id from burst`,
  );
  return Number(row!.id);
}

/**
 * Decides which burst an item goes into: the sender's open burst in this chat, or a new one
 * (`decideBurst`). Returns CTEs (for the caller's `with`, before its own) that record it, the last named
 * `burst` with the burst's `id`: the open burst updated, or a new one inserted. The caller holds the
 * (chat, sender) advisory lock (`burstLockKey`) in this transaction, taken in an earlier statement, so
 * concurrent workers agree on one burst: this read's snapshot is taken after the lock is held and sees
 * the placement of whoever held it before. The closer (`closeDueBursts`) does not take that lock: it may
 * close the burst between this read and the update. The update then matches nothing (it requires the
 * burst still open), and the item starts a new burst, as if none had been open, so it is never put into
 * a burst whose reply is already on its way without it.
 */
export async function burstPlacement(tx: Tx, item: BurstItem, now: Date): Promise<SQL> {
  const [open] = await queryRows<{ id: number; first_at: Date; last_at: Date; closes_at: Date }>(
    tx,
    sql`select id::int as id, first_at, last_at, closes_at from bursts
        where chat_id = ${item.chatId} and sender_open_id = ${item.senderOpenId} and status = 'open'
        order by id desc limit 1`,
  );
  const incoming = { chatId: item.chatId, senderOpenId: item.senderOpenId, at: item.at };
  const decision = decideBurst(
    open
      ? {
          chatId: item.chatId,
          senderOpenId: item.senderOpenId,
          firstAt: new Date(open.first_at),
          lastAt: new Date(open.last_at),
          closesAt: new Date(open.closes_at),
        }
      : undefined,
    incoming,
    item.quietWindowMs,
  );
  const start = decideBurst(undefined, incoming, item.quietWindowMs);
  const insert = (when: SQL) =>
    sql`insert into bursts (chat_id, sender_open_id, first_message_id, first_at, last_at, closes_at, created_at)
      select ${item.chatId}, ${item.senderOpenId}, ${item.messageId}, ${start.lastAt}::timestamptz,
        ${start.lastAt}::timestamptz, ${start.closesAt}::timestamptz, ${now}::timestamptz ${when}
      returning id`;
  if (decision.action === 'join' && open) {
    const first = decision.becomesFirst ? sql`, first_message_id = ${item.messageId}` : sql``;
    return sql`joined as (
        update bursts set first_at = ${decision.firstAt}, last_at = ${decision.lastAt},
          closes_at = greatest(closes_at, ${decision.closesAt}) ${first}
        where id = ${Number(open.id)} and status = 'open'
        returning id),
      started as (${insert(sql`where not exists (select 1 from joined)`)}),
      burst as (select id from joined union all select id from started)`;
  }
  return sql`burst as (${insert(sql``)})`;
}

export interface BurstRow {
  id: number;
  chatId: string;
  senderOpenId: string;
  firstMessageId: string;
  firstAt: Date;
  lastAt: Date;
  closesAt: Date;
  status: BurstStatus;
  caption: string | null;
  ackMessageId: string | null;
}

const burstColumns = {
  id: bursts.id,
  chatId: bursts.chatId,
  senderOpenId: bursts.senderOpenId,
  firstMessageId: bursts.firstMessageId,
  firstAt: bursts.firstAt,
  lastAt: bursts.lastAt,
  closesAt: bursts.closesAt,
  status: bursts.status,
  caption: bursts.caption,
  ackMessageId: bursts.ackMessageId,
};

export async function getBurst(db: Db | Tx, id: number): Promise<BurstRow | undefined> {
  const [row] = await db.select(burstColumns).from(bursts).where(eq(bursts.id, id));
  return row;
}

/**
 * The sender's burst before this one in the chat, once its caption was read: the range of texts it
 * may have read (`lookBackMs` before its first item — a text with a task code, LATE_CAPTION_MS — to its
 * close) and when it read them.
 */
export async function previousBurstCaption(
  db: Db | Tx,
  b: BurstRow,
  lookBackMs: number,
): Promise<{ from: Date; to: Date; readAt: Date } | undefined> {
  const [r] = await queryRows<{ first_at: Date; closes_at: Date; ack_claimed_at: Date }>(
    db,
    sql`select first_at, closes_at, ack_claimed_at from bursts
        where chat_id = ${b.chatId} and sender_open_id = ${b.senderOpenId} and first_at < ${b.firstAt}
          and id <> ${b.id} and ack_claimed_at is not null
        order by first_at desc limit 1`,
  );
  if (!r) return undefined;
  const from = new Date(new Date(r.first_at).getTime() - lookBackMs);
  return { from, to: new Date(r.closes_at), readAt: new Date(r.ack_claimed_at) };
}

/**
 * The burst of the sender's newest material in the chat sent since `since`, when its reply was claimed
 * (its caption read) and it is not split nor a split burst's part (they share one card): a text recorded now was not read into its caption. Whether the
 * text is its late caption is the caller's (domain/burst.ts isLateCaptionOf); whether its card is still
 * untapped, the late-caption job's. Read through `materials_chat_sent_idx` (recent materials of one chat).
 */
export async function answeredBurstOfSender(
  db: Db | Tx,
  q: { chatId: string; senderOpenId: string; since: Date },
): Promise<{ id: number; firstAt: Date; lastAt: Date; ackMessageId: string | null } | undefined> {
  const [r] = await queryRows<{
    id: number;
    first_at: Date | string;
    last_at: Date | string;
    ack_message_id: string | null;
    ok: boolean;
  }>(
    db,
    sql`select b.id::int as id, b.first_at, b.last_at, b.ack_message_id,
          b.ack_claimed_at is not null and b.status <> 'split' as ok
        from bursts b where not exists (
            select 1 from bursts o where o.ack_message_id = b.ack_message_id and o.id <> b.id)
          and b.id = (
          select m.burst_id from materials m
          where m.chat_id = ${q.chatId} and m.sent_at >= ${q.since} and m.sender_open_id = ${q.senderOpenId}
            and m.burst_id is not null
          order by m.sent_at desc, m.id desc limit 1)`,
  );
  return r?.ok
    ? {
        id: Number(r.id),
        firstAt: new Date(r.first_at),
        lastAt: new Date(r.last_at),
        ackMessageId: r.ack_message_id,
      }
    : undefined;
}

/**
 * The sender's bursts in the chat newer than `burstId` that started by `sentAt` plus `withinMs`: whether
 * each started within `quietWindowMs` of it (`near`), its reply was claimed, and the caption it read.
 */
export async function newerBurstsOf(
  db: Db | Tx,
  q: { burstId: number; sentAt: Date; withinMs: number; quietWindowMs: number },
): Promise<{ near: boolean; claimed: boolean; caption: string | null }[]> {
  return queryRows<{ near: boolean; claimed: boolean; caption: string | null }>(
    db,
    sql`select b.first_at - ${q.quietWindowMs} * interval '1 millisecond' <= ${q.sentAt} as near,
          b.ack_claimed_at is not null as claimed, b.caption
        from bursts b join bursts a on a.id = ${q.burstId}
        where b.chat_id = a.chat_id and b.sender_open_id = a.sender_open_id and b.id <> a.id
          and b.first_at > a.first_at
          and b.first_at - ${q.withinMs} * interval '1 millisecond' <= ${q.sentAt}`,
  );
}

/** Whether the burst's reply was claimed: its card went out, or is going out now. */
export async function burstReplyClaimed(db: Db | Tx, id: number): Promise<boolean> {
  const [row] = await db.select({ at: bursts.ackClaimedAt }).from(bursts).where(eq(bursts.id, id));
  return !!row?.at;
}

/**
 * Merged forwards of the burst whose contents are still being read (their `expand-forward` job waits
 * for a retry or runs): their files are not materials yet, but will be.
 */
export async function forwardsBeingRead(db: Db | Tx, burstId: number): Promise<number> {
  const [r] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from jobs j where j.kind = 'expand-forward'
          and j.status in ('pending', 'processing') and (j.payload->>'burstId')::bigint = ${burstId}`,
  );
  return Number(r?.n ?? 0);
}

/**
 * Closes bursts whose quiet window has passed and whose items are all settled (downloaded or
 * finally refused, forwards expanded), or whose last item was recorded more than `maxWaitMs` ago
 * regardless (BURST_DOWNLOAD_WAIT_SECONDS: the reply then says what is still downloading). (Recorded,
 * not sent: a message that reaches the bot hours late — a Lark retry, the reconciliation sweep — still
 * waits for its download.) While its chat's events wait to be taken in, a burst stays open: after a
 * restart or a flood (Lark redelivering with the original send times), one sender's photos still make
 * one burst (one card), not one each. Returns the closed bursts (each closed exactly once, whatever
 * the number of instances).
 */
export async function closeDueBursts(db: Db, now: Date, maxWaitMs: number): Promise<BurstRow[]> {
  const giveUp = new Date(now.getTime() - maxWaitMs);
  const b = bursts;
  return db
    .update(b)
    .set({ status: 'closed' })
    .where(
      sql`${b.id} in (
          select id from bursts where status = 'open' and closes_at <= ${now}
          order by closes_at limit 200 for update skip locked)
          and (greatest(${b.closesAt}, ${b.createdAt},
                 (select max(m.created_at) from materials m where m.burst_id = ${b.id})) <= ${giveUp} or (
            not exists (select 1 from materials m where m.burst_id = ${b.id} and m.status = 'pending')
            and not exists (select 1 from jobs j where j.kind = 'expand-forward'
              and j.status in ('pending', 'processing') and (j.payload->>'burstId')::bigint = ${b.id})
            -- A backlog (a restart, a flood): the chat's messages not taken in yet may be more of it.
            -- Only first attempts count, so one failing event holds nothing up.
            and not exists (select 1 from inbound_events e where e.chat_id = ${b.chatId}
              and e.status in ('pending', 'processing') and e.chat_id is not null
              and e.attempts <= (case when e.status = 'pending' then 0 else 1 end))))`,
    )
    .returning(burstColumns);
}

/**
 * Records that the burst's reply is about to be sent (before the send), once, with the burst's caption
 * (filing it now, automatically by #code or keyword, takes the caption as 题名): returns when the claim
 * was first recorded, or undefined when the reply is already recorded as sent.
 */
export async function claimBurstAck(
  db: Db,
  id: number,
  now: Date,
  caption: string | null,
): Promise<Date | undefined> {
  const [r] = await queryRows<{ at: string | Date }>(
    db,
    sql`update bursts set ack_claimed_at = coalesce(ack_claimed_at, ${now}), caption = ${caption}
        where id = ${id} and ack_message_id is null
        returning ack_claimed_at as at`,
  );
  return r ? new Date(r.at) : undefined;
}

export async function setBurstAck(
  db: Db,
  id: number,
  ackMessageId: string,
  caption: string | null,
): Promise<void> {
  await db.execute(
    sql`update bursts set ack_message_id = ${ackMessageId}, caption = ${caption} where id = ${id}`,
  );
}

/**
 * Locks the burst's row in the caller's transaction and returns its status: a filing and a split
 * (分开归档) of one burst take this lock, so never both happen.
 */
export async function lockBurstStatus(tx: Db, id: number): Promise<BurstStatus | undefined> {
  const [row] = await tx
    .select({ status: bursts.status })
    .from(bursts)
    .where(eq(bursts.id, id))
    .for('update');
  return row?.status;
}

/**
 * Whether the sender already had a burst answered today (local day) with a compressed photo in it:
 * its card said how to send originals (原图), so today's later cards need not say it again.
 */
export async function compressedNoteGivenToday(
  db: Db,
  burst: { id: number; senderOpenId: string },
  now: Date,
  timeZone: string,
): Promise<boolean> {
  const dayStart = zonedInstant(localDay(now, timeZone), '00:00', timeZone);
  const rows = await queryRows<{ one: number }>(
    db,
    sql`select 1 as one from bursts b
        where b.sender_open_id = ${burst.senderOpenId} and b.id <> ${burst.id}
          and b.ack_claimed_at >= ${dayStart} and b.ack_claimed_at <= ${now}
          and exists (select 1 from materials m where m.burst_id = b.id and m.status = 'stored'
                        and m.kind = 'photo' and m.quality = 'compressed' and m.role is distinct from 'cover')
        limit 1`,
  );
  return rows.length > 0;
}

/**
 * The sender's bursts in the chat that started before `burstId` and at most `withinMs` before its first
 * item, newest first: when each ended, whether its card is out and nobody has touched it (answered, not
 * split, its card its own — not a part —, no caption of its own, never filed: an undone filing counts),
 * and whether the sender wrote a text (not a file's) after its first item and before `burstId`'s first.
 */
export async function earlierBurstsOf(
  db: Db | Tx,
  q: { burstId: number; withinMs: number },
): Promise<{ id: number; lastAt: Date; firstAt: Date; untouched: boolean; textAfter: boolean }[]> {
  const rows = await queryRows<{
    id: number;
    first_at: Date | string;
    last_at: Date | string;
    untouched: boolean;
    text_after: boolean;
  }>(
    db,
    sql`select b.id::int as id, b.first_at, b.last_at,
          (b.status = 'closed' and b.ack_message_id is not null and coalesce(b.caption, '') = ''
            and not exists (select 1 from bursts o where o.ack_message_id = b.ack_message_id and o.id <> b.id)
            and not exists (select 1 from filing_items f where f.burst_id = b.id)) as untouched,
          exists (select 1 from messages t
            where t.chat_id = a.chat_id and t.sender_open_id = a.sender_open_id and t.text is not null
              and t.disposition in ('captured', 'late_caption')
              and t.sent_at > b.first_at and t.sent_at < a.first_at
              and not exists (select 1 from materials m where m.message_id = t.message_id)) as text_after
        from bursts b join bursts a on a.id = ${q.burstId}
        where b.chat_id = a.chat_id and b.sender_open_id = a.sender_open_id and b.id <> a.id
          and b.first_at < a.first_at
          and b.first_at >= a.first_at - ${q.withinMs} * interval '1 millisecond'
        order by b.first_at desc, b.id desc`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    firstAt: new Date(r.first_at),
    lastAt: new Date(r.last_at),
    untouched: !!r.untouched,
    textAfter: !!r.text_after,
  }));
}
