import { sql } from 'drizzle-orm';
import { storable } from '../../domain/storable-text.js';
import { queryRows, type Db, type Tx } from '../client.js';

export interface NewMessage {
  messageId: string;
  chatId: string;
  chatType: string;
  senderOpenId?: string;
  msgType: string;
  sentAt: Date;
  text?: string;
  parentId?: string;
  rootId?: string;
  forwardRootId?: string;
  upperMessageId?: string;
  /**
   * `chatter`: a text kept that is no caption (domain/chatter.ts); only `captured` texts are read as
   * captions (`late_caption`, set by late-caption.ts: one an answered burst took after its card).
   */
  disposition: 'captured' | 'ignored' | 'command' | 'chatter';
  mentions?: unknown;
}

/**
 * Records a message once (replays and reconciliation insert nothing). Returns whether it is new.
 * `lock`: when the message is new, the transaction-scoped advisory lock of that key is taken in the
 * same statement (a round trip fewer than a statement of its own; the next statement's snapshot is
 * taken after the lock is held).
 */
export async function insertMessage(
  db: Db | Tx,
  m: NewMessage,
  now: Date,
  opts: { lock?: string } = {},
): Promise<boolean> {
  const insert = sql`insert into messages (message_id, chat_id, chat_type, sender_open_id, msg_type, sent_at, text, parent_id,
          root_id, forward_root_id, upper_message_id, disposition, mentions, recorded_at)
        values (${m.messageId}, ${m.chatId}, ${m.chatType}, ${m.senderOpenId ?? null}, ${m.msgType}, ${m.sentAt},
          ${m.text === undefined ? null : storable(m.text)}, ${m.parentId ?? null}, ${m.rootId ?? null}, ${m.forwardRootId ?? null},
          ${m.upperMessageId ?? null}, ${m.disposition}, ${m.mentions ? JSON.stringify(m.mentions) : null}::jsonb, ${now})
        on conflict (message_id) do nothing
        returning message_id`;
  const rows = await queryRows<{ message_id: string }>(
    db,
    opts.lock === undefined
      ? insert
      : sql`with fresh as (${insert})
            select message_id, pg_advisory_xact_lock(hashtext(${opts.lock})) is null as locked from fresh`,
  );
  return rows.length > 0;
}

/** Which of these message ids the bot has already seen (recorded or queued). */
export async function knownMessageIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const list = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select message_id as id from messages where message_id in (${list})
        union select message_id as id from inbound_events where message_id in (${list})`,
  );
  return new Set(rows.map((r) => r.id));
}

/** Texts one sender wrote in a chat in a time range (captions before/within/after a burst). */
export async function textsBetween(
  db: Db,
  q: {
    chatId: string;
    senderOpenId: string;
    from: Date;
    to: Date;
    /** Texts another burst already read as its caption (in its range, recorded before it read them). */
    readBefore?: { from: Date; to: Date; readAt: Date };
  },
): Promise<string[]> {
  const r = q.readBefore;
  const notRead = r
    ? sql`and not (sent_at between ${r.from} and ${r.to} and recorded_at < ${r.readAt})`
    : sql``;
  const rows = await queryRows<{ text: string }>(
    db,
    sql`select text from messages
        where chat_id = ${q.chatId} and sender_open_id = ${q.senderOpenId} and text is not null
          and disposition = 'captured' and sent_at between ${q.from} and ${q.to} ${notRead}
        order by sent_at`,
  );
  return rows.map((r) => r.text);
}

/**
 * A text message's words as kept (null once recalled) and when it was sent, when it is a possible
 * caption (`captured`).
 */
export async function captionTextOf(
  db: Db | Tx,
  messageId: string,
): Promise<{ text: string | null; sentAt: Date } | undefined> {
  const [r] = await queryRows<{ text: string | null; sent_at: Date | string }>(
    db,
    sql`select text, sent_at from messages where message_id = ${messageId} and disposition = 'captured'`,
  );
  return r && { text: r.text, sentAt: new Date(r.sent_at) };
}

/**
 * A text to the bot that named no command (sent directly, or after the @ in a group), as its hint needs
 * it: its words (null once recalled), the chat's type, and whether it is the caption of a burst of its
 * sender there — written from the quiet window before the burst's first material to the burst's close,
 * the range `textsBetween` reads, or taken by the burst late (late-caption.ts).
 */
export async function unclearTextOf(
  db: Db,
  q: { messageId: string; chatId: string; quietWindowMs: number },
): Promise<
  { text: string | null; chatType: string; senderOpenId: string | null; caption: boolean } | undefined
> {
  const [r] = await queryRows<{
    text: string | null;
    chatType: string;
    senderOpenId: string | null;
    caption: boolean;
  }>(
    db,
    sql`select m.text, m.chat_type as "chatType", m.sender_open_id as "senderOpenId", exists (
          select 1 from bursts b
          where b.chat_id = m.chat_id and b.sender_open_id = m.sender_open_id
            and (m.sent_at between b.first_at - ${q.quietWindowMs} * interval '1 millisecond' and b.closes_at
              -- taken late, after the burst's card went out (late-caption.ts)
              or m.disposition = 'late_caption')
        ) as caption
        from messages m where m.message_id = ${q.messageId} and m.chat_id = ${q.chatId}`,
  );
  return r;
}

/** A text an answered burst took as its caption after its card (late-caption.ts): no other burst reads it. */
export async function markLateCaption(db: Db | Tx, messageId: string): Promise<void> {
  await db.execute(
    sql`update messages set disposition = 'late_caption' where message_id = ${messageId} and disposition = 'captured'`,
  );
}
