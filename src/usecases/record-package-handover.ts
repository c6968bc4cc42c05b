import type { Db } from '../db/client.js';
import { insertAudit, type AuditEntry } from '../db/repos/audit.js';
import {
  amendPackageHanded,
  clearPackageHanded,
  packageStateForUpdate,
  setPackageHanded,
  setPackageVoided,
  type PackageState,
} from '../db/repos/package-handover.js';
import { localDay, zonedInstant } from '../domain/working-days.js';
import { plainDay } from '../domain/plain-date.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

/** The longest receiver (a unit and a person's name) and void reason kept. */
export const RECEIVER_MAX = 50;
export const VOID_REASON_MAX = 100;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export type PackageStateOutcome =
  { status: 'done'; message: string } | { status: 'refused'; message: string };

interface Deps {
  db: Db;
  clock: Clock;
  timeZone: string;
}

interface Who {
  actor: string;
  source: AuditEntry['source'];
}

const oneLine = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

/** The reason 作废 and 撤销移交 require, on one line, at most VOID_REASON_MAX characters. */
function requiredReason(raw: string | undefined, words: { missing: string; named: string }): string {
  const reason = oneLine(raw);
  if (!reason) throw new DomainError('no_reason', words.missing);
  if (reason.length > VOID_REASON_MAX)
    throw new DomainError('reason_too_long', `${words.named}太长（最多 ${VOID_REASON_MAX} 字）`);
  return reason;
}

/** The day handed over (YYYY-MM-DD, a real day, not after today) and the receiver, checked. */
function handoverLine(
  input: { day: string; receiver: string },
  timeZone: string,
  today: string,
): { day: string; receiver: string } {
  const receiver = oneLine(input.receiver);
  const day = input.day.trim();
  if (!DAY.test(day) || localDay(zonedInstant(day, '12:00', timeZone), timeZone) !== day)
    throw new DomainError('bad_date', `移交日期 ${day || '（空）'} 不对，写成 2026-12-01 这样`);
  if (day > today) throw new DomainError('bad_date', '移交日期不能晚于今天');
  if (!receiver) throw new DomainError('no_receiver', '请写明接收单位和接收人，如：县档案馆 张三');
  if (receiver.length > RECEIVER_MAX)
    throw new DomainError('receiver_too_long', `接收单位和接收人太长（最多 ${RECEIVER_MAX} 字）`);
  return { day, receiver };
}

/** Why a package can no longer change state (handed over, voided), or undefined when it can. */
function settled(p: PackageState, timeZone: string, today: string): string | undefined {
  if (p.handedAt)
    return (
      `移交包 #${p.id} 已记录为 ${plainDay(localDay(p.handedAt, timeZone), today)} 移交` +
      '（记错了可以改登记或撤销移交）。'
    );
  if (p.voidedAt) return `移交包 #${p.id} 已作废。`;
  return undefined;
}

/**
 * 已移交: the archivist records that a 移交包 made by 导出 was handed to the county archive — the day
 * (YYYY-MM-DD, not before it was made nor after today) and who received it — audited
 * (`package_handed_over`). From then on it is what the archive holds: its 档号 retired later are owed
 * corrections (移交后变更), the item page says 「已随移交包 #N 移交」. A 预检包, a voided package or one
 * recorded already is refused.
 */
export async function recordPackageHandover(
  deps: Deps,
  input: Who & { packageId: number; day: string; receiver: string },
): Promise<PackageStateOutcome> {
  const now = deps.clock.now();
  const today = localDay(now, deps.timeZone);
  const { day, receiver } = handoverLine(input, deps.timeZone, today);
  return deps.db.transaction(async (tx) => {
    const p = await packageStateForUpdate(tx, input.packageId);
    if (!p) return { status: 'refused' as const, message: `没有移交包 #${input.packageId}。` };
    if (p.preCheck)
      return {
        status: 'refused' as const,
        message: `#${p.id} 是预检包（四性检测不通过），不得移交；整改后重新导出。`,
      };
    const done = settled(p, deps.timeZone, today);
    if (done) return { status: 'refused' as const, message: done };
    if (day < localDay(p.createdAt, deps.timeZone))
      throw new DomainError('bad_date', '移交日期不能早于移交包生成的日期');
    const at = zonedInstant(day, '00:00', deps.timeZone);
    if (!(await setPackageHanded(tx, p.id, { at, to: receiver, by: input.actor, recordedAt: now })))
      return { status: 'refused' as const, message: `移交包 #${p.id} 已有人记录过，请刷新后再看。` };
    await insertAudit(tx, {
      at: now,
      actor: input.actor,
      action: 'package_handed_over',
      source: input.source,
      unitId: p.unitId,
      details: { transferPackage: p.id, handedOn: day, receiver },
    });
    return {
      status: 'done' as const,
      message: `已记录：移交包 #${p.id} 于 ${plainDay(day, today)} 移交给 ${receiver}。`,
    };
  });
}

/**
 * 作废: a package made but never handed over is set aside (why, audited `package_voided`); it then drives
 * nothing (no 移交后变更, its 说明文件's statements count for none). Its folder is left as it is (the
 * server's disk is the administrator's to clear). A handed-over package cannot be voided.
 */
export async function voidPackage(
  deps: Deps,
  input: Who & { packageId: number; reason: string },
): Promise<PackageStateOutcome> {
  const reason = requiredReason(input.reason, { missing: '请写明作废原因', named: '作废原因' });
  const now = deps.clock.now();
  const today = localDay(now, deps.timeZone);
  return deps.db.transaction(async (tx) => {
    const p = await packageStateForUpdate(tx, input.packageId);
    if (!p) return { status: 'refused' as const, message: `没有移交包 #${input.packageId}。` };
    const done = settled(p, deps.timeZone, today);
    if (done) return { status: 'refused' as const, message: done };
    if (!(await setPackageVoided(tx, p.id, { at: now, by: input.actor, reason })))
      return { status: 'refused' as const, message: `移交包 #${p.id} 已有人处理过，请刷新后再看。` };
    await insertAudit(tx, {
      at: now,
      actor: input.actor,
      action: 'package_voided',
      source: input.source,
      unitId: p.unitId,
      details: { transferPackage: p.id, reason },
    });
    return {
      status: 'done' as const,
      message: `已作废 #${p.id}（${reason}）。服务器上的文件夹没有删除。`,
    };
  });
}

/**
 * 撤销移交: a package recorded as handed over by mistake (a mis-click, a wrong 包号) is made (已生成)
 * again — why is required, audited (`package_handover_undone`, with the day and receiver taken back).
 * From then on it drives nothing a handed-over package drives (移交后变更, 「已随移交包 #N 移交」); it can
 * be handed over again (the right day) or voided. A later handed-over package of the same scope is no
 * reason to refuse: each package carries its 档号 on its own, nothing is stored from this one's being
 * handed over (the 移交后变更 and warnings are read from the handed-over packages each time), and a
 * 「已报送更正」 mark on a change it carried stays (it counts again if the package is handed over again).
 */
export async function undoPackageHandover(
  deps: Deps,
  input: Who & { packageId: number; reason: string },
): Promise<PackageStateOutcome> {
  const reason = requiredReason(input.reason, { missing: '请写明撤销移交的原因', named: '撤销原因' });
  const now = deps.clock.now();
  const today = localDay(now, deps.timeZone);
  return deps.db.transaction(async (tx) => {
    const p = await packageStateForUpdate(tx, input.packageId);
    if (!p) return { status: 'refused' as const, message: `没有移交包 #${input.packageId}。` };
    if (!p.handedAt)
      return {
        status: 'refused' as const,
        message: p.voidedAt ? `移交包 #${p.id} 已作废。` : `移交包 #${p.id} 还没有记录移交，不用撤销。`,
      };
    const handedOn = localDay(p.handedAt, deps.timeZone);
    if (!(await clearPackageHanded(tx, p.id, p.handedAt)))
      return { status: 'refused' as const, message: `移交包 #${p.id} 已有人处理过，请刷新后再看。` };
    await insertAudit(tx, {
      at: now,
      actor: input.actor,
      action: 'package_handover_undone',
      source: input.source,
      unitId: p.unitId,
      details: { transferPackage: p.id, handedOn, receiver: p.handedTo, reason },
    });
    return {
      status: 'done' as const,
      message:
        `已撤销移交包 #${p.id} 的移交记录（原记为 ${plainDay(handedOn, today)} 移交给 ${p.handedTo ?? '未记录'}；` +
        `${reason}）。它现在是已生成、未记录移交。`,
    };
  });
}

/**
 * 改登记: the day or receiver of a package handed over, corrected (it stays handed over); audited
 * (`package_handover_amended`, before and after). The same checks as 已移交.
 */
export async function amendPackageHandover(
  deps: Deps,
  input: Who & { packageId: number; day?: string; receiver?: string },
): Promise<PackageStateOutcome> {
  const now = deps.clock.now();
  const today = localDay(now, deps.timeZone);
  return deps.db.transaction(async (tx) => {
    const p = await packageStateForUpdate(tx, input.packageId);
    if (!p) return { status: 'refused' as const, message: `没有移交包 #${input.packageId}。` };
    if (!p.handedAt)
      return {
        status: 'refused' as const,
        message: p.voidedAt ? `移交包 #${p.id} 已作废。` : `移交包 #${p.id} 还没有记录移交。`,
      };
    const before = { day: localDay(p.handedAt, deps.timeZone), receiver: p.handedTo };
    const { day, receiver } = handoverLine(
      { day: input.day ?? before.day, receiver: input.receiver ?? before.receiver ?? '' },
      deps.timeZone,
      today,
    );
    if (day < localDay(p.createdAt, deps.timeZone))
      throw new DomainError('bad_date', '移交日期不能早于移交包生成的日期');
    if (day === before.day && receiver === before.receiver)
      return { status: 'refused' as const, message: `移交包 #${p.id} 的移交登记没有变化。` };
    const at = zonedInstant(day, '00:00', deps.timeZone);
    await amendPackageHanded(tx, p.id, { at, to: receiver, by: input.actor, recordedAt: now });
    await insertAudit(tx, {
      at: now,
      actor: input.actor,
      action: 'package_handover_amended',
      source: input.source,
      unitId: p.unitId,
      details: { transferPackage: p.id, before, after: { day, receiver } },
    });
    return {
      status: 'done' as const,
      message: `已改登记：移交包 #${p.id} 于 ${plainDay(day, today)} 移交给 ${receiver}。`,
    };
  });
}
