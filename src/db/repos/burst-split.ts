import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { bursts, materials as materialsTable } from '../schema/index.js';

/** Most files one burst may be split into (one row each on the parts card). */
export const MAX_SPLIT_PARTS = 9;

export type SplitRefusal = 'gone' | 'split' | 'filed' | 'too_few' | 'too_many';

/**
 * Splits a closed burst into one burst per stored file (a video's cover goes with its video),
 * inside the caller's transaction: the burst row is locked first (fileBurst takes the same lock),
 * so a filing and a split never both happen. Refused, changing nothing, when the burst is filed
 * (its files would end up in two items), already split, or has fewer than 2 or more than
 * MAX_SPLIT_PARTS files. Files not stored stay with the original burst, which is marked `split`.
 * The parts are answered already: their card is `cardMessageId`, one card listing them all (a card
 * per part flooded a busy group with up to 9 messages).
 */
export async function splitBurstRows(
  tx: Db,
  burstId: number,
  now: Date,
  /** The card the parts are listed on (the message 分开交 was tapped on): each part's card. */
  cardMessageId: string,
): Promise<{ children: { burstId: number; materialIds: number[] }[] } | { refused: SplitRefusal }> {
  const [burst] = await queryRows<{ status: string; live: boolean }>(
    tx,
    sql`select status,
          exists (select 1 from filing_items fi where fi.burst_id = b.id and fi.undone_at is null) as live
        from bursts b where id = ${burstId} for update`,
  );
  if (!burst) return { refused: 'gone' };
  if (burst.status === 'split') return { refused: 'split' };
  if (burst.live) return { refused: 'filed' };
  const materials = await queryRows<{
    id: number;
    message_id: string;
    role: string;
    sent_at: Date | string;
    live: boolean;
  }>(
    tx,
    sql`select m.id::int as id, m.message_id, m.role, m.sent_at,
          exists (select 1 from filing_item_materials fim join filing_items fi on fi.id = fim.item_id
                  where fim.material_id = m.id and fi.undone_at is null) as live
        from materials m where m.burst_id = ${burstId} and m.status = 'stored' order by m.sent_at, m.id`,
  );
  if (materials.some((m) => m.live)) return { refused: 'filed' };
  const mains = materials.filter((m) => m.role !== 'cover');
  if (mains.length < 2) return { refused: 'too_few' };
  if (mains.length > MAX_SPLIT_PARTS) return { refused: 'too_many' };
  const children: { burstId: number; materialIds: number[] }[] = [];
  for (const m of mains) {
    const covers = materials.filter((c) => c.role === 'cover' && c.message_id === m.message_id);
    const at = new Date(m.sent_at).toISOString();
    const [child] = await queryRows<{ id: number }>(
      tx,
      sql`insert into bursts (chat_id, sender_open_id, first_message_id, first_at, last_at, closes_at, status,
            caption, created_at, ack_claimed_at, ack_message_id)
          select chat_id, sender_open_id, ${m.message_id}, ${at}::timestamptz, ${at}::timestamptz, closes_at,
            'closed', caption, ${now}, ${now}, ${cardMessageId}
          from bursts where id = ${burstId}
          returning id::int as id`,
    );
    const ids = [m.id, ...covers.map((c) => c.id)];
    await tx
      .update(materialsTable)
      .set({ burstId: Number(child!.id) })
      .where(inArray(materialsTable.id, ids));
    children.push({ burstId: Number(child!.id), materialIds: ids });
  }
  await tx.update(bursts).set({ status: 'split' }).where(eq(bursts.id, burstId));
  return { children };
}

/**
 * The one rule of a parts card, as SQL: the bursts listed on card `card` (SQL giving its message id) are
 * those answered by it (`ack_message_id`), the split burst they came from left out; a card listing fewer
 * than PARTS_AT_LEAST is no parts card (a burst's own card is never shared otherwise). partsOfCard and
 * the 未归档 list (unfiled-bursts.ts: one line per parts card, and its count of parts) both read it here.
 */
export const partsOnCardSql = (card: SQL) =>
  sql`select o.id from bursts o where o.ack_message_id = ${card} and o.status <> 'split'`;
export const PARTS_AT_LEAST = 2;

/** Whether card `card` (SQL) is a parts card: partsOnCardSql lists at least PARTS_AT_LEAST bursts. */
export const isPartsCardSql = (card: SQL) =>
  sql`(select count(*) from (${partsOnCardSql(card)}) parts) >= ${PARTS_AT_LEAST}`;

/**
 * The parts of a split burst whose shared card is `messageId` (partsOnCardSql; none for any other
 * card): the parts card 分开交 drew (their `ack_message_id`), or one sent again for them (a `parts_card`
 * in bot_messages, naming one of the parts).
 */
export async function partsOfCard(db: Db, messageId: string): Promise<number[]> {
  const card = sql`coalesce(
      (select p.ack_message_id from bot_messages bm join bursts p on p.id = bm.burst_id
       where bm.message_id = ${messageId} and bm.purpose = 'parts_card'),
      ${messageId})`;
  const rows = await queryRows<{ id: number }>(
    db,
    sql`select id::int as id from (${partsOnCardSql(card)}) parts order by id`,
  );
  return rows.length >= PARTS_AT_LEAST ? rows.map((r) => Number(r.id)) : [];
}

/** Who marked the burst 不用交 (the audit row's actor), when its last 不用交 / 重新选择任务 was 不用交. */
export async function setAsideBy(db: Db, burstId: number): Promise<string | undefined> {
  const [r] = await queryRows<{ action: string; actor: string }>(
    db,
    sql`select action, actor from audit_log where burst_id = ${burstId} and action in ('set_aside', 'reopen')
        order by at desc, id desc limit 1`,
  );
  return r?.action === 'set_aside' ? r.actor : undefined;
}

/** A part's files by name and kind, recalled ones included (a recalled part is still named on its row). */
export async function partFiles(
  db: Db,
  burstId: number,
): Promise<{ originalName: string | null; kind: string }[]> {
  const rows = await queryRows<{ original_name: string | null; kind: string }>(
    db,
    sql`select original_name, kind from materials
        where burst_id = ${burstId} and role is distinct from 'cover' order by sent_at, id`,
  );
  return rows.map((r) => ({ originalName: r.original_name, kind: r.kind }));
}

/**
 * The parts card of a split burst (the card its parts share: the copy 分开交 was tapped on); undefined
 * for a burst split before the parts card, whose parts each got a card of their own.
 */
export async function partsCardOfSplit(db: Db, burstId: number): Promise<string | undefined> {
  const [r] = await queryRows<{ card: string }>(
    db,
    sql`select b.ack_message_id as card from bursts b
        where b.id in (select (p->>'burstId')::bigint from audit_log a, jsonb_array_elements(a.details->'parts') p
                       where a.action = 'split' and a.burst_id = ${burstId})
          and b.ack_message_id is not null
        group by b.ack_message_id having count(*) >= 2 limit 1`,
  );
  return r?.card;
}

/**
 * The burst a part of a split burst was split from (its 分开交 audit row names the parts); undefined
 * for any other burst.
 */
export async function splitFrom(db: Db, partId: number): Promise<number | undefined> {
  const [r] = await queryRows<{ id: number }>(
    db,
    sql`select a.burst_id::int as id from audit_log a, jsonb_array_elements(a.details->'parts') p
        where a.action = 'split' and a.burst_id is not null and (p->>'burstId')::bigint = ${partId}
        order by a.at desc, a.id desc limit 1`,
  );
  return r ? Number(r.id) : undefined;
}
