import type { Db, Tx } from '../db/client.js';
import type { ActionSource } from '../db/repos/audit.js';
import {
  insertArchiveAudit,
  liveRecordOfItem,
  recordByCode,
  recordsByLooseCode,
  withdrawRecord,
  type ArchiveRecordRow,
} from '../db/repos/archive-records.js';
import { getFilingItem } from '../db/repos/filings.js';
import {
  madePackagesOfRecord,
  packagesHoldingRecord,
  type PackageHolding,
} from '../db/repos/transfer-packages.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getUnitById } from '../db/repos/units.js';
import { looseArchivalCode } from '../domain/typed-archival-code.js';
import { plainDate } from '../domain/plain-date.js';
import { madeNotHandedWarning, transferredAfter, transfersPath } from '../domain/transfer-changes.js';
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
  | {
      status: 'withdrawn';
      itemId: number;
      archivalCode: string;
      message: string;
      /** The 档号 went out in a 移交包: what to send the county archive (also the message's last line). */
      transferred?: string;
      /** A 移交包 only made (已生成) carries it: record its handover first if it was handed over. */
      notHanded?: string;
    }
  | { status: 'not_confirmed'; message: string }
  /** No such item or 档号, or the two name different records: nothing was changed. */
  | { status: 'not_found'; message: string }
  | { status: 'refused'; message: string };

/**
 * The record a typed 档号 names: as written, else its loose form (any separator look-alike for any
 * other, full-width characters, lower case …; typed-archival-code.ts), so a code typed with 「·」 where
 * archive.yaml prints 「.」, or the other way round, is found and not taken for one never confirmed.
 */
async function recordOfCode(
  db: Db,
  typed: string,
): Promise<{ record: ArchiveRecordRow } | { status: 'not_found'; message: string }> {
  const exact = await recordByCode(db, typed);
  if (exact) return { record: exact };
  const loose = await recordsByLooseCode(db, looseArchivalCode(typed));
  if (loose.length === 1) return { record: loose[0]! };
  if (loose.length > 1)
    return {
      status: 'not_found',
      message: `档号 ${typed} 可能是 ${loose.map((r) => r.archivalCode).join('、')}，请照归档文件目录写全`,
    };
  return {
    status: 'not_found',
    message: `找不到档号 ${typed}：请照归档文件目录或条目页核对（「·」「.」「-」可以互换，不分大小写）`,
  };
}

/** Why a withdrawn number cannot be unconfirmed, with the item's number now when it has one. */
export async function alreadyWithdrawn(
  db: Db,
  record: ArchiveRecordRow,
): Promise<{ status: 'not_confirmed'; message: string }> {
  const now = await liveRecordOfItem(db, record.itemId);
  return {
    status: 'not_confirmed',
    message: `档号 ${record.archivalCode} 已经停用${now ? `（该件现档号 ${now.archivalCode}）` : ''}`,
  };
}

/**
 * The record an unconfirmation names: by 档号 (typed loosely), else the item's live one; an item and a
 * 档号 given together must name the same record. Anything else is the outcome to say (nothing changed).
 */
export async function recordToUnconfirm(
  db: Db,
  input: Pick<UnconfirmInput, 'itemId' | 'archivalCode'>,
): Promise<{ record: ArchiveRecordRow } | Exclude<UnconfirmOutcome, { status: 'withdrawn' }>> {
  let record: ArchiveRecordRow | undefined;
  if (input.archivalCode?.trim()) {
    const found = await recordOfCode(db, input.archivalCode.trim());
    if (!('record' in found)) return found;
    record = found.record;
    if (input.itemId !== undefined && record.itemId !== input.itemId)
      return {
        status: 'not_found',
        message: `档号 ${record.archivalCode} 是条目 ${record.itemId} 的，不是条目 ${input.itemId} 的；没有撤销。请只写 --item 或 --code 其中一个`,
      };
    if (record.status !== 'confirmed') return alreadyWithdrawn(db, record);
  } else if (input.itemId !== undefined) {
    if (!(await getFilingItem(db, input.itemId)))
      return { status: 'not_found', message: `找不到条目 ${input.itemId}` };
    record = await liveRecordOfItem(db, input.itemId);
  } else {
    throw new DomainError('usage', '请指定条目或档号');
  }
  if (!record) return { status: 'not_confirmed', message: '这条材料还没有确认归档' };
  return { record };
}

/** Whether the actor may unconfirm the record: the command line, or an archivist or admin of its unit. */
export async function mayUnconfirm(
  db: Db,
  record: ArchiveRecordRow,
  input: UnconfirmInput,
): Promise<boolean> {
  if (input.source === 'cli') return true;
  const unit = await getUnitById(db, record.unitId);
  return !!unit && (await hasUnitRole(db, input.actor, unit, ['archivist', 'admin']));
}

/**
 * Retires the record's number inside the caller's transaction, audited (naming the 移交包 that carried
 * it): the packages, or false when it was retired meanwhile.
 */
export async function withdrawAudited(
  tx: Tx,
  record: ArchiveRecordRow,
  input: UnconfirmInput,
  now: Date,
): Promise<{ packages: PackageHolding[]; made: number[] } | false> {
  const reason = input.reason?.trim() || null;
  if (!(await withdrawRecord(tx, record.id, input.actor, now, reason))) return false;
  // The county archive holds a package naming this 档号: the audit says which (移交后变更).
  const packages = await packagesHoldingRecord(tx, record.id);
  // Packages only made that carry it: handed over perhaps, not recorded (said with the result).
  const made = await madePackagesOfRecord(tx, record.id);
  await insertArchiveAudit(tx, [
    {
      at: now,
      actor: input.actor,
      action: 'unconfirm',
      source: input.source,
      unitId: record.unitId,
      itemId: record.itemId,
      details: {
        archivalCode: record.archivalCode,
        classKey: record.classKey,
        reason,
        ...(packages.length > 0
          ? { transferPackages: packages.map((p) => p.id), correctionToArchive: true }
          : {}),
      },
    },
  ]);
  return { packages, made };
}

/** What a retired number's result says: retired, and what to send the county archive when it went out. */
export function withdrawnOutcome(
  deps: UnconfirmDeps,
  record: ArchiveRecordRow,
  packages: PackageHolding[],
  now: Date,
  made: number[] = [],
): Extract<UnconfirmOutcome, { status: 'withdrawn' }> {
  const first = packages[0];
  const transferred =
    first &&
    transferredAfter(
      plainDate(first.handedAt, now, deps.timeZone),
      record.archivalCode,
      deps.pageUrl?.(transfersPath(record.unitId)),
    );
  const notHanded = made.length > 0 ? madeNotHandedWarning(made) : undefined;
  return {
    status: 'withdrawn',
    itemId: record.itemId,
    archivalCode: record.archivalCode,
    message:
      `已撤销确认：档号 ${record.archivalCode} 停用（件号不再使用，目录中保留并注明）` +
      (transferred ? `\n${transferred}` : '') +
      (notHanded ? `\n${notHanded}` : ''),
    ...(transferred ? { transferred } : {}),
    ...(notHanded ? { notHanded } : {}),
  };
}

/** `pageUrl`: PUBLIC_URL's pages, when set (then the result links the unit's 移交包 page). */
export interface UnconfirmDeps {
  db: Db;
  clock: Clock;
  timeZone: string;
  pageUrl?: (path: string) => string | undefined;
}

/**
 * Takes back a confirmation. The number is retired, not freed: its row stays (status
 * `withdrawn`), the class keeps 1..N without gaps, and a later confirmation of the item takes a new
 * number. Audited in the same transaction. An item and a 档号 given together must name the same
 * record: a number is never retired on one of them alone when the other names something else.
 */
export async function unconfirmArchive(
  deps: UnconfirmDeps,
  input: UnconfirmInput,
): Promise<UnconfirmOutcome> {
  const { db } = deps;
  const found = await recordToUnconfirm(db, input);
  if (!('record' in found)) return found;
  const { record } = found;
  if (!(await mayUnconfirm(db, record, input)))
    return { status: 'refused', message: '只有档案员才能撤销归档确认' };
  const now = deps.clock.now();
  const done = await db.transaction((tx) => withdrawAudited(tx, record, input, now));
  if (!done) return alreadyWithdrawn(db, record);
  return withdrawnOutcome(deps, record, done.packages, now, done.made);
}
