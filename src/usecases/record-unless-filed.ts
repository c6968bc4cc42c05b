import { insertAudit, type AuditEntry } from '../db/repos/audit.js';
import { lockBurstStatus } from '../db/repos/bursts.js';
import { getLiveFilingOfBurst, type FilingItemRow } from '../db/repos/filings.js';
import type { BotDeps } from './deps.js';

/**
 * Records 不用交 (`set_aside`) or 重新选择任务 (`reopen`) of a burst unless it has a live filing,
 * which is returned instead (nothing written). The check and the audit row are one transaction under
 * the burst's row lock, the lock `fileBurst` takes before it files: two copies of one filing card
 * tapped at once (不用交 or 重新选择任务 on one, a task on the other) are decided one after the
 * other. Without it, this tap could read "not filed", the filing commit, and the set-aside or reopen
 * be written after a filing it never saw (the card saying 「已标记为不用交」 beside a live filing,
 * and the burst treated as set aside once that filing is undone). A filing that comes after the row
 * files as before: it supersedes the set-aside.
 */
export async function recordUnlessFiled(
  deps: Pick<BotDeps, 'db'>,
  entry: AuditEntry & { action: 'set_aside' | 'reopen'; burstId: number },
): Promise<FilingItemRow | undefined> {
  return deps.db.transaction(async (tx) => {
    await lockBurstStatus(tx, entry.burstId);
    const live = await getLiveFilingOfBurst(tx, entry.burstId);
    if (live) return live;
    await insertAudit(tx, entry);
    return undefined;
  });
}
