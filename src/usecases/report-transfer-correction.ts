import type { Db } from '../db/client.js';
import { insertAudit, type AuditEntry } from '../db/repos/audit.js';
import { changesAfterTransfer, markCorrectionReported } from '../db/repos/transfer-packages.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

export interface ReportCorrectionInput {
  /** Only 移交后变更 of this unit subtree (the page's unit). */
  unitPath?: string;
  /** One retired 档号 (the page's button)… */
  recordId?: number;
  /** …or every owed one of this item (`archive transfers --reported N`). */
  itemId?: number;
  /** How it was reported (e.g. the letter's 文号), as the archivist wrote it; optional. */
  note?: string;
  actor: string;
  source: AuditEntry['source'];
}

/** The longest note of how a correction was reported (a letter's 文号 and date fit many times). */
export const NOTE_MAX = 100;

export type ReportCorrectionOutcome =
  { status: 'reported'; archivalCodes: string[]; message: string } | { status: 'not_found'; message: string };

/**
 * 「已报送更正」: the archivist says the county archive was sent the correction of a 移交后变更 (a 档号 a
 * 移交包 carried, retired since). Marked once per retired number (transfer_corrections) and audited
 * (`transfer_correction`), with how it was reported when said (`note`, at most NOTE_MAX characters),
 * so the list of what is still owed shrinks; one already marked, or not a 移交后变更 of the scope,
 * changes nothing. A mark made by mistake is taken back by unreportTransferCorrection.
 */
export async function reportTransferCorrection(
  deps: { db: Db; clock: Clock },
  input: ReportCorrectionInput,
): Promise<ReportCorrectionOutcome> {
  const note = input.note?.replace(/\s+/g, ' ').trim() || null;
  if (note && note.length > NOTE_MAX)
    throw new DomainError('note_too_long', `报送说明太长（最多 ${NOTE_MAX} 字）`);
  const now = deps.clock.now();
  const done = await deps.db.transaction(async (tx) => {
    const owed = (
      await changesAfterTransfer(tx, { unitPath: input.unitPath, itemId: input.itemId, owed: true })
    ).filter((c) => input.recordId === undefined || c.recordId === input.recordId);
    const codes: string[] = [];
    const seen = new Set<number>();
    for (const c of owed) {
      if (seen.has(c.recordId)) continue;
      seen.add(c.recordId);
      if (!(await markCorrectionReported(tx, c.recordId, input.actor, now, note))) continue;
      await insertAudit(tx, {
        at: now,
        actor: input.actor,
        action: 'transfer_correction',
        source: input.source,
        unitId: c.unitId,
        itemId: c.itemId,
        details: {
          archivalCode: c.archivalCode,
          transferPackage: c.packageId,
          recordId: c.recordId,
          ...(note ? { note } : {}),
        },
      });
      codes.push(c.archivalCode);
    }
    return codes;
  });
  if (done.length === 0)
    return { status: 'not_found', message: '没有需要报送更正的档号（可能已标记为已报送）。' };
  return {
    status: 'reported',
    archivalCodes: done,
    message: `已标记为已报送更正：${done.join('、')}`,
  };
}
