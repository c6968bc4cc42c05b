import type { Db } from '../client.js';
import { currentCliOperator } from '../../cli-operator.js';
import { auditLog } from '../schema/index.js';

export type AuditAction =
  | 'file'
  | 'split'
  | 'undo'
  | 'refile'
  | 'unfile'
  | 'waive'
  | 'unwaive'
  | 'bind'
  | 'unbind'
  | 'pause'
  | 'resume'
  | 'confirm'
  | 'grant_role'
  | 'revoke_role'
  | 'correction_request'
  | 'correction_answer'
  /** An approved 申请更正 carried out: the item corrected afterwards (details: requestId, what changed). */
  | 'correction_done'
  /** An approved 申请更正 closed without a change (不用改了; details: requestId, the reason if given). */
  | 'correction_dropped'
  | 'urge'
  /** 不归档 on a filing card: the burst is kept but no longer chased. */
  | 'set_aside'
  /** 重新选择任务 after 不归档: the burst is chased again until it is filed. */
  | 'reopen'
  /** A file of a filed burst stored after the filing joined its item (actor `bot`). */
  | 'join_late'
  /**
   * A message recalled (撤回) in the chat: its materials left the archive path (actor: the sender when
   * they recalled it, else `lark:<recall_type>`); details name ids and times, never content.
   */
  | 'recall'
  /** `archive retention`: a checklist item's 保管期限 corrected for a year in a unit's subtree. */
  | 'retention'
  /** `units retire` / `units restore`: a unit merged or abolished (撤并), or back again. */
  | 'retire_unit'
  | 'restore_unit'
  /** 「已报送更正」: a 移交后变更's correction marked as sent to the county archive (details: 档号, package). */
  | 'transfer_correction'
  /** 撤销标记: a 「已报送更正」 mark taken back, the correction owed again (details: the mark taken back). */
  | 'transfer_correction_undone'
  /** 已移交 / 作废: a package recorded as handed over to the county archive (date, receiver), or voided (reason). */
  | 'package_handed_over'
  | 'package_voided'
  /** 撤销移交 (back to 已生成, details: the day and receiver taken back, why) / 改登记 (details: before, after). */
  | 'package_handover_undone'
  | 'package_handover_amended'
  /** 移出: files of an item taken out into a new item (details: toItemId, materialIds); on the new item `split_from`. */
  | 'split_out'
  | 'split_from'
  /** 并入: another item's files joined this one (details: fromItemId, materialIds); on the ended item `merged_into`. */
  | 'merge_in'
  | 'merged_into';

export type ActionSource = 'chat' | 'card' | 'cli';

export interface AuditEntry {
  at: Date;
  /** open_id, 'cli', or 'bot' (the bot's own follow-ups) */
  actor: string;
  action: AuditAction;
  /** `page`: the web pages (督办, 更正著录). */
  source: ActionSource | 'page';
  unitId?: number | null;
  taskId?: number | null;
  itemId?: number | null;
  burstId?: number | null;
  chatId?: string | null;
  details?: Record<string, unknown>;
}

/** Appends one audit row (returns its id); call it inside the transaction that made the change. */
export async function insertAudit(tx: Db, e: AuditEntry): Promise<number> {
  const [row] = await tx
    .insert(auditLog)
    .values({ ...e, details: auditDetails(e.source, e.details) })
    .returning({ id: auditLog.id });
  return row!.id;
}

/**
 * An audit row's details: a command-line action's (source `cli`) also name the operating-system user
 * who ran the command (`osUser`, and `sudoUser` when run through sudo: cli-operator.ts), which the
 * actor `cli` alone does not.
 */
export function auditDetails(
  source: AuditEntry['source'],
  details: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const operator = source === 'cli' ? currentCliOperator() : undefined;
  return { ...(details ?? {}), ...(operator ?? {}) };
}
