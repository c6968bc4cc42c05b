import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { isPartsCardSql, partsOfCard } from './burst-split.js';

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

/**
 * One burst per card: a split burst's parts are sent again on one parts card, not a card each. `seen`:
 * the parts cards already taken (shared across the pages of a walk through all).
 */
export function oneCardEach<T extends { partsCard: string | null }>(
  bursts: readonly T[],
  seen = new Set<string>(),
): T[] {
  return bursts.filter((b) => b.partsCard === null || (!seen.has(b.partsCard) && !!seen.add(b.partsCard)));
}

/**
 * The newest card of burst `b` (SQL on its row): its first answer, a filing card sent again for it, or a
 * parts card sent again for its parts (a `parts_card` naming a burst that shares its first answer).
 */
export const lastCardOf = sql`greatest(b.ack_claimed_at,
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
  /** Only bursts whose first item arrived before this. */
  firstBefore?: Date;
  /** Only bursts whose newest card was sent before this. */
  cardBefore?: Date;
  /** Only bursts with a card sent at or after this (one Lark still lets the bot redraw). */
  cardSince?: Date;
  /** Only bursts of chats whose unit has an open task: something to file them to. */
  fileable?: boolean;
  /**
   * Only bursts after burst `after` in unfiledBursts' order (first_at, id; its first_at read from its row,
   * as stored): the next page of a walk through all.
   */
  after?: number;
  limit?: number;
}

type UnfiledRow = {
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
};

const unfiledOf = (r: UnfiledRow): UnfiledBurst => ({
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
});

/** The select of unfiledBursts (no order, no limit); undefined when the filter leaves nothing. */
function unfiledSelect(f: Filter) {
  if (f.chatIds && f.chatIds.length === 0) return undefined;
  if (f.burstIds && f.burstIds.length === 0) return undefined;
  const chats = f.chatIds
    ? sql`and b.chat_id in (${sql.join(
        f.chatIds.map((c) => sql`${c}`),
        sql`, `,
      )})`
    : sql``;
  const ids = f.burstIds
    ? sql`and b.id in (${sql.join(
        f.burstIds.map((i) => sql`${i}`),
        sql`, `,
      )})`
    : sql``;
  return sql`select b.id, b.chat_id, b.sender_open_id, b.first_message_id, b.first_at, b.last_at,
          s.stored, s.photos, s.audio, s.videos, ${lastCardOf} as last_card_at,
          case when ${isPartsCardSql(sql`b.ack_message_id`)} then b.ack_message_id end as parts_card
        from bursts b
        join lateral (select count(*)::int as stored,
                        count(*) filter (where m.kind = 'photo')::int as photos,
                        count(*) filter (where m.kind = 'audio')::int as audio,
                        count(*) filter (where m.kind = 'video')::int as videos
                      from materials m
                      where m.burst_id = b.id and m.status = 'stored' and m.role is distinct from 'cover'
                        -- A file in a live item waits for nothing: a burst whose filing was 并入 another
                        -- item (its files now there) is not chased.
                        and not exists (select 1 from filing_item_materials fim
                                          join filing_items fi on fi.id = fim.item_id and fi.undone_at is null
                                        where fim.material_id = m.id)) s
          on s.stored > 0
        where b.status = 'closed' and b.ack_message_id is not null
          ${chats}
          ${ids}
          ${f.senderOpenId ? sql`and b.sender_open_id = ${f.senderOpenId}` : sql``}
          ${f.lastBefore ? sql`and b.last_at < ${f.lastBefore}` : sql``}
          ${f.firstBefore ? sql`and b.first_at < ${f.firstBefore}` : sql``}
          ${f.after !== undefined ? sql`and (b.first_at, b.id) > (select k.first_at, k.id from bursts k where k.id = ${f.after})` : sql``}
          and exists (select 1 from chat_bindings cb where cb.chat_id = b.chat_id and cb.status = 'active')
          and not exists (select 1 from filing_items fi where fi.burst_id = b.id and fi.undone_at is null)
          and coalesce((select a.action from audit_log a
                        where a.burst_id = b.id and a.action in ('set_aside', 'reopen')
                        order by a.at desc, a.id desc limit 1), 'reopen') <> 'set_aside'
          ${f.cardBefore ? sql`and ${lastCardOf} < ${f.cardBefore}` : sql``}
          ${f.cardSince ? sql`and ${lastCardOf} >= ${f.cardSince}` : sql``}
          ${
            f.fileable
              ? sql`and exists (select 1 from chat_bindings cb join tasks t on t.unit_id = cb.unit_id
                                where cb.chat_id = b.chat_id and cb.status = 'active' and t.state = 'open')`
              : sql``
          }`;
}

/**
 * Bursts waiting to be filed, oldest first: closed and answered, at least one stored material in no
 * live item (a burst 并入 another item waits for nothing), no live filing, and not set aside (the
 * newest of 不归档 / 重新选择任务 decides). Chats whose binding ended or paused are left out: nobody
 * can file there.
 */
export async function unfiledBursts(db: Db, f: Filter = {}): Promise<UnfiledBurst[]> {
  const select = unfiledSelect(f);
  if (!select) return [];
  const rows = await queryRows<UnfiledRow>(
    db,
    sql`${select} order by b.first_at, b.id limit ${f.limit ?? 200}`,
  );
  return rows.map(unfiledOf);
}

/** How many bursts wait to be filed (every one: unfiledBursts reads at most its limit). */
export async function countUnfiledBursts(db: Db, f: Omit<Filter, 'limit'>): Promise<number> {
  const select = unfiledSelect(f);
  if (!select) return 0;
  const [r] = await queryRows<{ n: number | string }>(db, sql`select count(*) as n from (${select}) u`);
  return Number(r?.n ?? 0);
}

/** A line of the 未归档 list: a burst, or for a split burst its first part still waiting. */
export interface UnfiledCard {
  burst: UnfiledBurst;
  /** A split burst's parts: all of them, and those still waiting (oneCardEach's one line for them). */
  parts?: { total: number; waiting: number };
}

/**
 * One page of what waits to be filed, one entry per card (a split burst's parts still waiting are one,
 * at the first of them), oldest first: up to `limit` entries after the entry of burst `after` (from the
 * start without it), how many entries there are in all (every one, not a page's worth) and how many
 * come before the page. A parts card's counts are its parts by partsOfCard and, of them, those
 * unfiledBursts finds waiting: the rules the parts card and its 选任务 go by, not a second copy here.
 */
export async function unfiledCardsPage(
  db: Db,
  f: Omit<Filter, 'limit'>,
  page: { after?: number; limit: number },
): Promise<{ cards: UnfiledCard[]; total: number; before: number }> {
  const select = unfiledSelect(f);
  if (!select) return { cards: [], total: 0, before: 0 };
  const after = page.after ?? 0;
  const rows = await queryRows<Partial<UnfiledRow> & { total: number | string; before: number | string }>(
    db,
    sql`with u as (${select}),
        c as (select u.*,
                row_number() over (partition by coalesce(u.parts_card, u.id::text) order by u.first_at, u.id) as rn
              from u),
        d as (select * from c where rn = 1),
        k as (select first_at, id from bursts where id = ${after})
        select t.total, t.before, p.*
        from (select count(*) as total,
                count(*) filter (where exists (select 1 from k where (d.first_at, d.id) <= (k.first_at, k.id)))
                  as before
              from d) t
        left join lateral (select * from d
                           where not exists (select 1 from k where (d.first_at, d.id) <= (k.first_at, k.id))
                           order by d.first_at, d.id limit ${page.limit}) p on true
        order by p.first_at, p.id`,
  );
  const [first] = rows;
  const cards: UnfiledCard[] = [];
  for (const r of rows) {
    if (r.id === null || r.id === undefined) continue;
    const burst = unfiledOf(r as UnfiledRow);
    if (!burst.partsCard) {
      cards.push({ burst });
      continue;
    }
    const parts = await partsOfCard(db, burst.partsCard);
    const waiting = await unfiledBursts(db, { ...f, burstIds: parts, limit: parts.length });
    cards.push({ burst, parts: { total: parts.length, waiting: waiting.length } });
  }
  return { total: Number(first?.total ?? 0), before: Number(first?.before ?? 0), cards };
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
