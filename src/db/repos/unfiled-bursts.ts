import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/** A closed burst with stored materials that no task holds and nobody set aside (不归档). */
export interface UnfiledBurst {
  id: number;
  chatId: string;
  senderOpenId: string;
  firstMessageId: string;
  firstAt: Date;
  lastAt: Date;
  /** Stored materials (video covers not counted). */
  stored: number;
  photos: number;
  /** Voice notes and other recordings. */
  audio: number;
  videos: number;
  /** The newest filing card of the burst (its first answer, or a card sent again since). */
  lastCardAt: Date;
  /**
   * A part of a split burst: the parts card it shares with the other parts (its first answer), so
   * the parts are sent again as one card (oneCardEach); null for any other burst.
   */
  partsCard: string | null;
}

/** One burst per card: a split burst's parts are sent again on one parts card, not a card each. */
export function oneCardEach<T extends { partsCard: string | null }>(bursts: readonly T[]): T[] {
  const seen = new Set<string>();
  return bursts.filter((b) => b.partsCard === null || (!seen.has(b.partsCard) && !!seen.add(b.partsCard)));
}

/**
 * The newest card of burst `b` (SQL on its row): its first answer, a filing card sent again for it, or a
 * parts card sent again for its parts (a `parts_card` naming a burst that shares its first answer).
 */
const lastCardOf = sql`greatest(b.ack_claimed_at,
    (select max(bm.created_at) from bot_messages bm where bm.burst_id = b.id and bm.purpose = 'filing_card'),
    (select max(bm.created_at) from bot_messages bm join bursts p on p.id = bm.burst_id
     where bm.purpose = 'parts_card' and p.ack_message_id = b.ack_message_id))`;

interface Filter {
  /** Only these bursts. */
  burstIds?: readonly number[];
  /** Only these chats (bound or not). */
  chatIds?: readonly string[];
  /** Only bursts of this sender. */
  senderOpenId?: string;
  /** Only bursts whose last item arrived before this. */
  lastBefore?: Date;
  /** Only bursts whose newest card was sent before this. */
  cardBefore?: Date;
  limit?: number;
}

/**
 * Bursts waiting to be filed, oldest first: closed and answered, at least one stored material, no
 * live filing, and not set aside (the newest of 不归档 / 重新选择任务 decides). Chats whose binding
 * ended or paused are left out: nobody can file there.
 */
export async function unfiledBursts(db: Db, f: Filter = {}): Promise<UnfiledBurst[]> {
  const chats = f.chatIds
    ? sql`and b.chat_id in (${sql.join(
        f.chatIds.map((c) => sql`${c}`),
        sql`, `,
      )})`
    : sql``;
  if (f.chatIds && f.chatIds.length === 0) return [];
  if (f.burstIds && f.burstIds.length === 0) return [];
  const ids = f.burstIds
    ? sql`and b.id in (${sql.join(
        f.burstIds.map((i) => sql`${i}`),
        sql`, `,
      )})`
    : sql``;
  const rows = await queryRows<{
    id: number | string;
    chat_id: string;
    sender_open_id: string;
    first_message_id: string;
    first_at: string | Date;
    last_at: string | Date;
    stored: number | string;
    photos: number | string;
    audio: number | string;
    videos: number | string;
    last_card_at: string | Date;
    parts_card: string | null;
  }>(
    db,
    sql`select b.id, b.chat_id, b.sender_open_id, b.first_message_id, b.first_at, b.last_at,
          s.stored, s.photos, s.audio, s.videos, ${lastCardOf} as last_card_at,
          case when exists (select 1 from bursts o where o.ack_message_id = b.ack_message_id and o.id <> b.id
                              and o.status <> 'split')
            then b.ack_message_id end as parts_card
        from bursts b
        join lateral (select count(*)::int as stored,
                        count(*) filter (where m.kind = 'photo')::int as photos,
                        count(*) filter (where m.kind = 'audio')::int as audio,
                        count(*) filter (where m.kind = 'video')::int as videos
                      from materials m
                      where m.burst_id = b.id and m.status = 'stored' and m.role is distinct from 'cover') s
          on s.stored > 0
        where b.status = 'closed' and b.ack_message_id is not null
          ${chats}
          ${ids}
          ${f.senderOpenId ? sql`and b.sender_open_id = ${f.senderOpenId}` : sql``}
          ${f.lastBefore ? sql`and b.last_at < ${f.lastBefore}` : sql``}
          and exists (select 1 from chat_bindings cb where cb.chat_id = b.chat_id and cb.status = 'active')
          and not exists (select 1 from filing_items fi where fi.burst_id = b.id and fi.undone_at is null)
          and coalesce((select a.action from audit_log a
                        where a.burst_id = b.id and a.action in ('set_aside', 'reopen')
                        order by a.at desc, a.id desc limit 1), 'reopen') <> 'set_aside'
          ${f.cardBefore ? sql`and ${lastCardOf} < ${f.cardBefore}` : sql``}
        order by b.first_at, b.id
        limit ${f.limit ?? 200}`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    chatId: r.chat_id,
    senderOpenId: r.sender_open_id,
    firstMessageId: r.first_message_id,
    firstAt: new Date(r.first_at),
    lastAt: new Date(r.last_at),
    stored: Number(r.stored),
    photos: Number(r.photos),
    audio: Number(r.audio),
    videos: Number(r.videos),
    lastCardAt: new Date(r.last_card_at),
    partsCard: r.parts_card,
  }));
}

/**
 * Whether a message is one of the burst's filing cards sent again by the chase (or, for a part of a
 * split burst, its parts card sent again), so its taps count.
 */
export async function isFilingCardOf(db: Db, messageId: string, burstId: number): Promise<boolean> {
  const rows = await queryRows<{ one: number }>(
    db,
    sql`select 1 as one from bot_messages bm
        where bm.message_id = ${messageId}
          and ((bm.purpose = 'filing_card' and bm.burst_id = ${burstId})
            or (bm.purpose = 'parts_card' and exists (
                  select 1 from bursts p join bursts b on b.ack_message_id = p.ack_message_id
                  where p.id = bm.burst_id and b.id = ${burstId})))`,
  );
  return rows.length > 0;
}

/**
 * Every card of the burst the bot sent: its reply, then the copies sent again (bot_messages' filing
 * cards, and a part's parts cards sent again).
 */
export async function cardsOfBurst(db: Db, burstId: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select ack_message_id as id from bursts where id = ${burstId} and ack_message_id is not null
        union
        select message_id as id from bot_messages where purpose = 'filing_card' and burst_id = ${burstId}
        union
        select bm.message_id as id from bot_messages bm join bursts p on p.id = bm.burst_id
          join bursts b on b.ack_message_id = p.ack_message_id
        where bm.purpose = 'parts_card' and b.id = ${burstId}`,
  );
  return rows.map((r) => r.id);
}
