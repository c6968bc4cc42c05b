import { sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import type { Retention } from '../../domain/checklist.js';

/** A task of one checklist item (its village task, or each household's) in a unit's subtree. */
export interface ChecklistItemTask {
  id: number;
  title: string;
  retention: Retention;
}

/**
 * The tasks of checklist item `itemCode` (C03; a household item's H01 names every household's task)
 * in the campaigns of `year`, in the unit's subtree.
 */
export async function tasksOfChecklistItem(
  db: Db,
  scope: { unitPath: string; year: number; itemCode: string },
): Promise<ChecklistItemTask[]> {
  return queryRows<ChecklistItemTask>(
    db,
    sql`select t.id::int as id, t.title, t.retention
        from tasks t join campaigns c on c.id = t.campaign_id join units u on u.id = t.unit_id
        where u.path like ${`${scope.unitPath}%`} and c.year = ${scope.year}
          and upper(t.item_code) = upper(${scope.itemCode})
        order by t.id`,
  );
}

/**
 * Locks the live items of the tasks (as confirmation does, so none is numbered meanwhile) and returns
 * every live 档号 they hold, with its unit's name, in 档号 order. Call in the transaction that
 * changes the tasks.
 */
export async function lockTasksLiveRecords(
  tx: Tx,
  taskIds: number[],
): Promise<{ archivalCode: string; unitName: string }[]> {
  const ids = `{${taskIds.join(',')}}`;
  await tx.execute(
    sql`select id from filing_items where task_id = any(${ids}::bigint[]) and undone_at is null for update`,
  );
  return queryRows<{ archivalCode: string; unitName: string }>(
    tx,
    sql`select ar.archival_code as "archivalCode", u.name as "unitName"
        from archive_records ar join filing_items fi on fi.id = ar.item_id
          join tasks t on t.id = fi.task_id join units u on u.id = t.unit_id
        where fi.task_id = any(${ids}::bigint[]) and ar.status = 'confirmed'
        order by ar.archival_code`,
  );
}

/** Sets the tasks' 保管期限; returns how many changed. */
export async function setTasksRetention(tx: Tx, taskIds: number[], retention: Retention): Promise<number> {
  const rows = await queryRows<{ id: number }>(
    tx,
    sql`update tasks set retention = ${retention}
        where id = any(${`{${taskIds.join(',')}}`}::bigint[]) and retention <> ${retention}
        returning id::int as id`,
  );
  return rows.length;
}

/** A task's 保管期限, its checklist item code (what `setTaskRetention` names) and its campaign's year. */
export async function taskRetentionOf(
  db: Db,
  taskId: number,
): Promise<{ retention: Retention; itemCode: string; year: number } | undefined> {
  const [r] = await queryRows<{ retention: Retention; item_code: string; year: number }>(
    db,
    sql`select t.retention, t.item_code, c.year::int as year
        from tasks t join campaigns c on c.id = t.campaign_id where t.id = ${taskId}`,
  );
  return r && { retention: r.retention, itemCode: r.item_code, year: Number(r.year) };
}
