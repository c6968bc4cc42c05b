import type { Db } from '../db/client.js';
import type { ActionSource } from '../db/repos/audit.js';
import {
  insertArchiveAudit,
  liveRecordOfItem,
  recordByCode,
  withdrawRecord,
  type ArchiveRecordRow,
} from '../db/repos/archive-records.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getUnitById } from '../db/repos/units.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

export interface UnconfirmInput {
  /** The item, or its 档号. */
  itemId?: number;
  archivalCode?: string;
  reason?: string;
  actor: string;
  source: ActionSource;
}

export type UnconfirmOutcome =
  | { status: 'withdrawn'; itemId: number; archivalCode: string; message: string }
  | { status: 'not_confirmed'; message: string }
  | { status: 'refused'; message: string };

/**
 * Takes back a confirmation. The number is retired, not freed: its row stays (status
 * `withdrawn`), the class keeps 1..N without gaps, and a later confirmation of the item takes a new
 * number. Audited in the same transaction.
 */
export async function unconfirmArchive(
  deps: { db: Db; clock: Clock },
  input: UnconfirmInput,
): Promise<UnconfirmOutcome> {
  const { db } = deps;
  let record: ArchiveRecordRow | undefined;
  if (input.archivalCode) {
    record = await recordByCode(db, input.archivalCode.trim());
    if (record && record.status !== 'confirmed')
      return { status: 'not_confirmed', message: `档号 ${record.archivalCode} 已经停用` };
  } else if (input.itemId !== undefined) {
    record = await liveRecordOfItem(db, input.itemId);
  } else {
    throw new DomainError('usage', '请指定条目或档号');
  }
  if (!record) return { status: 'not_confirmed', message: '这条材料还没有确认归档' };
  const unit = await getUnitById(db, record.unitId);
  if (input.source !== 'cli' && !(unit && (await hasUnitRole(db, input.actor, unit, ['archivist', 'admin']))))
    return { status: 'refused', message: '只有档案员才能撤销归档确认' };
  const now = deps.clock.now();
  const reason = input.reason?.trim() || null;
  const done = await db.transaction(async (tx) => {
    if (!(await withdrawRecord(tx, record.id, input.actor, now, reason))) return false;
    await insertArchiveAudit(tx, [
      {
        at: now,
        actor: input.actor,
        action: 'unconfirm',
        source: input.source,
        unitId: record.unitId,
        itemId: record.itemId,
        details: { archivalCode: record.archivalCode, classKey: record.classKey, reason },
      },
    ]);
    return true;
  });
  if (!done) return { status: 'not_confirmed', message: `档号 ${record.archivalCode} 已经停用` };
  return {
    status: 'withdrawn',
    itemId: record.itemId,
    archivalCode: record.archivalCode,
    message: `已撤销确认：档号 ${record.archivalCode} 停用（件号不再使用，目录中保留并注明）`,
  };
}
