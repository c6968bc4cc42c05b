import type { Db } from '../db/client.js';
import { insertAudit, type AuditEntry } from '../db/repos/audit.js';
import { changesAfterTransfer, unmarkCorrectionReported } from '../db/repos/transfer-packages.js';
import type { Clock } from '../ports/clock.js';

interface UnreportCorrectionInput {
  /** Only 移交后变更 of this unit subtree (the page's unit). */
  unitPath?: string;
  /** One retired 档号 (the page's button)… */
  recordId?: number;
  /** …or every marked one of this item (`archive transfers --unmark N`). */
  itemId?: number;
  actor: string;
  source: AuditEntry['source'];
}

export type UnreportCorrectionOutcome =
  { status: 'unmarked'; archivalCodes: string[]; message: string } | { status: 'not_found'; message: string };

/**
 * 撤销标记: takes back 「已报送更正」 marked by mistake on one retired 档号 (`recordId`) among the
 * 移交后变更 of `unitPath`'s subtree, or on every marked one of an item (`itemId`): each
 * transfer_corrections row is deleted, so the correction is owed again (listed as 待报送; the item page
 * says 更正未报送). Audited `transfer_correction_undone` per 档号 with the mark it took back (who marked
 * it, when, the note). One not marked, or not of the scope, changes nothing.
 */
export async function unreportTransferCorrection(
  deps: { db: Db; clock: Clock },
  input: UnreportCorrectionInput,
): Promise<UnreportCorrectionOutcome> {
  // Never every mark of the scope at once: one 档号, or one item's.
  if (input.recordId === undefined && input.itemId === undefined)
    throw new Error('unreportTransferCorrection: a recordId or an itemId');
  const now = deps.clock.now();
  const codes = await deps.db.transaction(async (tx) => {
    const marked = (
      await changesAfterTransfer(tx, { unitPath: input.unitPath, itemId: input.itemId })
    ).filter((c) => c.reported && (input.recordId === undefined || c.recordId === input.recordId));
    const done: string[] = [];
    const seen = new Set<number>();
    for (const change of marked) {
      if (seen.has(change.recordId)) continue;
      seen.add(change.recordId);
      const mark = await unmarkCorrectionReported(tx, change.recordId);
      if (!mark) continue;
      await insertAudit(tx, {
        at: now,
        actor: input.actor,
        action: 'transfer_correction_undone',
        source: input.source,
        unitId: change.unitId,
        itemId: change.itemId,
        details: {
          archivalCode: change.archivalCode,
          transferPackage: change.packageId,
          recordId: change.recordId,
          reportedBy: mark.reportedBy,
          reportedAt: mark.reportedAt.toISOString(),
          ...(mark.note ? { note: mark.note } : {}),
        },
      });
      done.push(change.archivalCode);
    }
    return done;
  });
  if (codes.length === 0)
    return { status: 'not_found', message: '这条更正没有标记为已报送（可能已撤销标记）。' };
  return {
    status: 'unmarked',
    archivalCodes: codes,
    message: `已撤销「已报送更正」标记：${codes.join('、')} 的更正重新列为待报送。`,
  };
}
