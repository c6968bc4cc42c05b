import type { Db } from '../db/client.js';
import { insertAudit, type AuditEntry } from '../db/repos/audit.js';
import { lockTasksLiveRecords, setTasksRetention, tasksOfChecklistItem } from '../db/repos/task-retention.js';
import { getUnitById } from '../db/repos/units.js';
import { RETENTION_LABELS, type Retention } from '../domain/checklist.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

export interface SetRetentionInput {
  unitId: number;
  year: number;
  /** The checklist item (C03, H01): its task in every unit of the subtree, or every household's. */
  itemCode: string;
  retention: Retention;
  actor: string;
  source: AuditEntry['source'];
}

export type SetRetentionOutcome =
  | { status: 'changed' | 'unchanged'; tasks: number; message: string }
  | { status: 'not_found' | 'refused'; message: string };

/**
 * Corrects the 保管期限 of a checklist item's tasks for a year in a unit's subtree (the county archive
 * signed off another period than the checklist had when the campaign was made). The 保管期限 is part
 * of the 档号, which is never renumbered: refused while any item of those tasks holds a live 档号
 * (checked under the items' row locks, which confirmation also takes), the refusal listing every such
 * 档号, one a line, for the archivist to unconfirm each. Audited.
 */
export async function setTaskRetention(
  deps: { db: Db; clock: Clock },
  input: SetRetentionInput,
): Promise<SetRetentionOutcome> {
  const { db } = deps;
  const unit = await getUnitById(db, input.unitId);
  if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
  const itemCode = input.itemCode.trim().toUpperCase();
  const scope = { unitPath: unit.path, year: input.year, itemCode };
  const tasks = await tasksOfChecklistItem(db, scope);
  if (tasks.length === 0)
    return {
      status: 'not_found',
      message: `${unit.name}及下级单位${input.year}年度没有清单项 ${itemCode} 的任务`,
    };
  const label = `「${itemCode} ${tasks[0]!.title}」`;
  const to = RETENTION_LABELS[input.retention];
  const changing = tasks.filter((t) => t.retention !== input.retention);
  const from = [...new Set(changing.map((t) => RETENTION_LABELS[t.retention]))].join('、');
  const now = deps.clock.now();
  return db.transaction(async (tx): Promise<SetRetentionOutcome> => {
    const ids = tasks.map((t) => t.id);
    const live = await lockTasksLiveRecords(tx, ids);
    if (live.length > 0)
      return {
        status: 'refused',
        message: [
          `${label}已有 ${live.length} 件确认归档，档号含保管期限、不重编，不能直接改。` +
            '请逐件撤销确认（archive unconfirm --code 档号 --reason 原因），改好保管期限后重新确认归档；' +
            '撤销确认的档号永久停用，不再使用，重新确认时另编新号。确认归档的有：',
          ...live.map((r) => `  ${r.archivalCode}（${r.unitName}）`),
        ].join('\n'),
      };
    const changed = await setTasksRetention(tx, ids, input.retention);
    if (changed === 0) return { status: 'unchanged', tasks: 0, message: `${label}的保管期限本来就是${to}` };
    await insertAudit(tx, {
      at: now,
      actor: input.actor,
      action: 'retention',
      source: input.source,
      unitId: unit.id,
      details: { itemCode, year: input.year, retention: input.retention, tasks: changed },
    });
    return {
      status: 'changed',
      tasks: changed,
      message: `已把${unit.name}${input.year}年度 ${changed} 个任务${label}的保管期限由${from}改为${to}`,
    };
  });
}
