import { sql } from 'drizzle-orm';
import { LATE_CAPTION_MS } from '../../domain/burst.js';
import { queryRows, type Db } from '../client.js';

/** A recalled message's own text as the bot kept it (read before the recall drops it). */
export interface RecalledText {
  text: string;
  chatId: string;
  senderOpenId: string;
  sentAt: Date;
}

export async function recalledTextOf(tx: Db, messageId: string): Promise<RecalledText | undefined> {
  const [row] = await queryRows<{
    text: string;
    chat_id: string;
    sender_open_id: string;
    sent_at: Date | string;
  }>(
    tx,
    sql`select text, chat_id, sender_open_id, sent_at from messages
        where message_id = ${messageId} and text is not null and sender_open_id is not null
          and disposition in ('captured', 'late_caption')`,
  );
  return (
    row && {
      text: row.text,
      chatId: row.chat_id,
      senderOpenId: row.sender_open_id,
      sentAt: new Date(row.sent_at),
    }
  );
}

/**
 * The sender's bursts in the chat whose caption may hold the text (a caption gathers the sender's texts
 * from the quiet window before the burst to its close, BURST_QUIET_SECONDS at most an hour, and a text
 * taken late up to LATE_CAPTION_MS after its last item: late-caption.ts), locked unless `lock` is false
 * (the recall reads them first and locks them with its own bursts in one statement, in id order).
 */
export async function captionBurstsNear(
  tx: Db,
  t: RecalledText,
  lock = true,
): Promise<{ id: number; caption: string }[]> {
  const rows = await queryRows<{ id: number; caption: string }>(
    tx,
    sql`select id::int as id, caption from bursts
        where chat_id = ${t.chatId} and sender_open_id = ${t.senderOpenId} and caption is not null
          and ${t.sentAt} between first_at - interval '1 hour'
            and greatest(closes_at, last_at + ${LATE_CAPTION_MS} * interval '1 millisecond')
        order by id ${lock ? sql`for update` : sql``}`,
  );
  return rows.map((r) => ({ id: Number(r.id), caption: r.caption }));
}

export async function setBurstCaption(tx: Db, burstId: number, caption: string | null): Promise<void> {
  await tx.execute(sql`update bursts set caption = ${caption} where id = ${burstId}`);
}

/** A live filing of a burst, with what its 题名 was derived from and its live 档号. */
export interface BurstItemTitle {
  itemId: number;
  burstId: number;
  unitId: number;
  taskId: number;
  title: string;
  taskTitle: string;
  householdName: string | null;
  archivalCode: string | null;
}

/** The live filings of the bursts, their rows locked (as a correction or a confirmation locks them). */
export async function liveItemsOfBursts(tx: Db, burstIds: number[]): Promise<BurstItemTitle[]> {
  if (burstIds.length === 0) return [];
  const rows = await queryRows<BurstItemTitle>(
    tx,
    sql`select fi.id::int as "itemId", fi.burst_id::int as "burstId", fi.unit_id::int as "unitId",
          fi.task_id::int as "taskId", fi.title, t.title as "taskTitle", h.head_name as "householdName",
          (select ar.archival_code from archive_records ar
            where ar.item_id = fi.id and ar.status = 'confirmed') as "archivalCode"
        from filing_items fi join tasks t on t.id = fi.task_id
        left join households h on h.id = t.household_id
        where fi.burst_id = any(${`{${burstIds.join(',')}}`}::bigint[]) and fi.undone_at is null
        order by fi.id for update of fi`,
  );
  return rows.map((r) => ({
    ...r,
    itemId: Number(r.itemId),
    burstId: Number(r.burstId),
    unitId: Number(r.unitId),
    taskId: Number(r.taskId),
  }));
}

export async function setItemTitle(tx: Db, itemId: number, title: string): Promise<void> {
  await tx.execute(sql`update filing_items set title = ${title} where id = ${itemId}`);
}
