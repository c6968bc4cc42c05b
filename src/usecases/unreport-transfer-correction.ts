import type { Db } from '../db/client.js';
import { insertAudit, type AuditEntry } from '../db/repos/audit.js';
import { changesAfterTransfer, unmarkCorrectionReported } from '../db/repos/transfer-packages.js';
import type { Clock } from '../ports/clock.js';

export type UnreportCorrectionOutcome =
  { status: 'unmarked'; archivalCode: string; message: string } | { status: 'not_found'; message: string };

/**
 * 撤销标记: takes back 「已报送更正」 marked by mistake on one retired 档号 (`recordId`) among the
 * 移交后变更 of `unitPath`'s subtree: its transfer_corrections row is deleted, so the correction is owed
 * again (listed as 待报送; the item page says 更正未报送). Audited `transfer_correction_undone` with the
 * mark it took back (who marked it, when, the note). One not marked, or not of the scope, changes nothing.
 */
export async function unreportTransferCorrection(
  deps: { db: Db; clock: Clock },
  input: { unitPath: string; recordId: number; actor: string; source: AuditEntry['source'] },
): Promise<UnreportCorrectionOutcome> {
  const now = deps.clock.now();
  const code = await deps.db.transaction(async (tx) => {
    const change = (await changesAfterTransfer(tx, { unitPath: input.unitPath })).find(
      (c) => c.recordId === input.recordId && c.reported,
    );
    if (!change) return undefined;
    const mark = await unmarkCorrectionReported(tx, change.recordId);
    if (!mark) return undefined;
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
    return change.archivalCode;
  });
  if (!code) return { status: 'not_found', message: '这条更正没有标记为已报送（可能已撤销标记）。' };
  return {
    status: 'unmarked',
    archivalCode: code,
    message: `已撤销「已报送更正」标记：${code} 的更正重新列为待报送。`,
  };
}
