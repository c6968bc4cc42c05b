import { sql } from 'drizzle-orm';
import { captionWithLate } from '../../domain/burst.js';
import { CAPTION_MAX_CHARS } from '../../domain/caption-without.js';
import { queryRows, type Db } from '../client.js';
import { setAsideBy } from './burst-split.js';
import { forwardsBeingRead } from './bursts.js';
import { getLiveFilingOfBurst } from './filings.js';

/**
 * Moves every material of a burst not answered yet (`from`) into an answered burst (`into`) of the same
 * chat and sender whose card nobody has tapped — not filed (an undone filing offers the tasks again), not
 * set aside (不用交), not split, not a part, not wholly recalled, first answered after `answeredSince` (its
 * card can still be drawn again) — and drops `from`, which then holds nothing. Both rows are locked (in
 * id order), `into`'s being the lock fileBurst, 分开交 and 不用交 take: a tap at the same moment either
 * came first (nothing is moved) or files all the files. `into` takes `from`'s caption (its lines after
 * its own, captionWithLate), last item, close and caption read time (previousBurstCaption: its texts are not read again by the sender's next burst).
 * False, changing nothing, when either does not qualify (`from` answered meanwhile, or a merged forward
 * of it still being read: its files would come to `from`).
 */
export async function joinBurstInto(
  tx: Db,
  q: { from: number; into: number; caption: string | null; answeredSince: Date; now: Date },
): Promise<boolean> {
  const rows = await queryRows<{
    id: number;
    chat_id: string;
    sender_open_id: string;
    status: string;
    ack_message_id: string | null;
    ack_claimed_at: Date | string | null;
    caption: string | null;
  }>(
    tx,
    sql`select id::int as id, chat_id, sender_open_id, status, ack_message_id, ack_claimed_at, caption from bursts
        where id in (${q.from}, ${q.into}) order by id for update`,
  );
  const from = rows.find((r) => Number(r.id) === q.from);
  const into = rows.find((r) => Number(r.id) === q.into);
  if (!from || !into) return false;
  if (from.chat_id !== into.chat_id || from.sender_open_id !== into.sender_open_id) return false;
  if (from.status !== 'closed' || from.ack_claimed_at !== null || from.ack_message_id !== null) return false;
  if (into.status !== 'closed' || into.ack_message_id === null || into.ack_claimed_at === null) return false;
  if (new Date(into.ack_claimed_at).getTime() < q.answeredSince.getTime()) return false;
  const [facts] = await queryRows<{ shared: boolean; kept: boolean; moving: boolean }>(
    tx,
    sql`select
          exists (select 1 from bursts o where o.ack_message_id = ${into.ack_message_id} and o.id <> ${q.into})
            as shared,
          exists (select 1 from materials m where m.burst_id = ${q.into} and m.status <> 'recalled'
            and m.role is distinct from 'cover') as kept,
          exists (select 1 from materials m where m.burst_id = ${q.from}) as moving`,
  );
  if (!facts || facts.shared || !facts.kept || !facts.moving) return false;
  if (await getLiveFilingOfBurst(tx, q.into)) return false;
  if ((await setAsideBy(tx, q.into)) !== undefined) return false;
  if ((await forwardsBeingRead(tx, q.from)) > 0) return false;
  await tx.execute(sql`update materials set burst_id = ${q.into} where burst_id = ${q.from}`);
  let caption = into.caption;
  for (const line of q.caption?.split('\n') ?? [])
    caption = captionWithLate(caption, line, CAPTION_MAX_CHARS);
  await tx.execute(
    sql`update bursts a set caption = ${caption}, last_at = greatest(a.last_at, b.last_at),
          closes_at = greatest(a.closes_at, b.closes_at), ack_claimed_at = greatest(a.ack_claimed_at, ${q.now})
        from bursts b where a.id = ${q.into} and b.id = ${q.from}`,
  );
  await tx.execute(sql`delete from bursts where id = ${q.from}`);
  return true;
}
