import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { BurstCounts } from '../../domain/burst-summary.js';

/** What someone sent the bot in a direct chat over a span, still in no work group. */
interface UnforwardedDirect {
  /** The direct chat. */
  chatId: string;
  senderOpenId: string;
  /** When the first of them was sent. */
  firstAt: Date;
  counts: BurstCounts;
}

/**
 * Files sent to the bot in a direct chat with their last burst message in [since, until), none of them
 * since sent to a work group (a chat bound to a unit: the same bytes there, from anyone, not recalled),
 * one row per direct chat. Voice notes are left out: in a direct chat they are most often words to the
 * bot, not materials. A direct chat can file nothing (its card says to forward to the work group), so
 * without this they were kept and never asked after, while the group's reminder went on asking for them.
 */
export async function unforwardedDirect(
  db: Db,
  span: { since: Date; until: Date },
): Promise<UnforwardedDirect[]> {
  const rows = await queryRows<{
    chat_id: string;
    sender_open_id: string;
    first_at: string | Date;
    photos: number;
    documents: number;
    videos: number;
  }>(
    db,
    sql`select b.chat_id, b.sender_open_id, min(b.first_at) as first_at,
          count(*) filter (where m.kind = 'photo')::int as photos,
          count(*) filter (where m.kind = 'document')::int as documents,
          count(*) filter (where m.kind = 'video')::int as videos
        from bursts b
        join chats c on c.chat_id = b.chat_id and c.chat_type = 'p2p' and c.active
        join materials m on m.burst_id = b.id and m.status = 'stored' and m.role is distinct from 'cover'
          and m.kind in ('photo', 'document', 'video')
        where b.status = 'closed' and b.last_at >= ${span.since} and b.last_at < ${span.until}
          and not exists (select 1 from materials o
            join chat_bindings cb on cb.chat_id = o.chat_id and cb.status = 'active'
            where o.sha256 = m.sha256 and o.status <> 'recalled')
        group by b.chat_id, b.sender_open_id
        order by min(b.first_at), b.chat_id`,
  );
  return rows.map((r) => ({
    chatId: r.chat_id,
    senderOpenId: r.sender_open_id,
    firstAt: new Date(r.first_at),
    counts: { photo: Number(r.photos), document: Number(r.documents), video: Number(r.videos) },
  }));
}
