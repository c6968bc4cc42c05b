import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { isPartsCardSql } from './burst-split.js';
import { lastCardOf } from './unfiled-bursts.js';

/**
 * Bursts filed to the task (a live item) with a card sent at or after `since`: their filed cards name
 * the task and show its progress. A part of a split burst carries the parts card it shares
 * (`partsCard`, for oneCardEach); null for any other burst.
 */
export async function filedBurstsOfTask(
  db: Db,
  taskId: number,
  since: Date,
): Promise<{ id: number; partsCard: string | null }[]> {
  const rows = await queryRows<{ id: number | string; parts_card: string | null }>(
    db,
    sql`select b.id, case when ${isPartsCardSql(sql`b.ack_message_id`)} then b.ack_message_id end as parts_card
        from bursts b join filing_items fi on fi.burst_id = b.id and fi.undone_at is null
        where fi.task_id = ${taskId} and b.ack_message_id is not null and ${lastCardOf} >= ${since}
        order by b.id`,
  );
  return rows.map((r) => ({ id: Number(r.id), partsCard: r.parts_card }));
}

/** The 「任务 C03」 cards of the task (bot_messages `task_card`) sent at or after `since`, oldest first. */
export async function taskCardsOf(db: Db, taskId: number, since: Date): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select message_id as id from bot_messages
        where purpose = 'task_card' and task_ids @> ${JSON.stringify([taskId])}::jsonb and created_at >= ${since}
        order by created_at, message_id`,
  );
  return rows.map((r) => r.id);
}
