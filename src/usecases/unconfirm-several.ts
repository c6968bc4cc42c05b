import type { ArchiveRecordRow } from '../db/repos/archive-records.js';
import {
  alreadyWithdrawn,
  mayUnconfirm,
  recordToUnconfirm,
  withdrawAudited,
  withdrawnOutcome,
  type UnconfirmDeps,
  type UnconfirmInput,
} from './unconfirm-archive.js';
import type { PackageHolding } from '../db/repos/transfer-packages.js';

interface UnconfirmSeveralInput extends Pick<UnconfirmInput, 'reason' | 'actor' | 'source'> {
  /** The 件 to unconfirm, each by its 档号 (typed loosely) or by its item id. */
  archivalCodes?: string[];
  itemIds?: number[];
}

type UnconfirmSeveralOutcome =
  | { status: 'withdrawn'; archivalCodes: string[]; message: string }
  /** Nothing was retired: every 档号 or item that could not be, and why. */
  | { status: 'not_found' | 'not_confirmed' | 'refused'; message: string };

/** Thrown inside the transaction to roll back every number it retired. */
class RetiredMeanwhile extends Error {
  constructor(readonly record: ArchiveRecordRow) {
    super('retired meanwhile');
  }
}

/**
 * 撤销确认 of several 件 at once (`archive unconfirm --code A --code B …`): all or nothing. Every 档号 or
 * item is looked up first; one unknown, not confirmed, named twice or not the actor's retires none of
 * them, and the answer lists each that failed and why, so the corrected line can be run again as it is
 * (a retired number is never used again: half a line done would leave the archivist to work out which
 * half). Then one transaction retires them all (in record order, so two such lines never deadlock),
 * each audited as a single 撤销确认 is; one retired meanwhile rolls the whole line back.
 */
export async function unconfirmSeveral(
  deps: UnconfirmDeps,
  input: UnconfirmSeveralInput,
): Promise<UnconfirmSeveralOutcome> {
  const targets = [
    ...(input.archivalCodes ?? []).map((archivalCode) => ({ archivalCode, label: archivalCode })),
    ...(input.itemIds ?? []).map((itemId) => ({ itemId, label: `条目 ${itemId}` })),
  ];
  const single = { reason: input.reason, actor: input.actor, source: input.source };
  const records: ArchiveRecordRow[] = [];
  const problems: string[] = [];
  let status: 'not_found' | 'not_confirmed' | 'refused' = 'not_found';
  for (const t of targets) {
    const found = await recordToUnconfirm(deps.db, t);
    if (!('record' in found)) {
      problems.push(`${t.label}：${found.message}`);
      continue;
    }
    if (records.some((r) => r.id === found.record.id)) {
      problems.push(`${t.label}：与前面的档号 ${found.record.archivalCode} 是同一件，写了两次`);
      continue;
    }
    if (!(await mayUnconfirm(deps.db, found.record, { ...single, ...t }))) {
      status = 'refused';
      problems.push(`${t.label}：只有档案员才能撤销归档确认`);
      continue;
    }
    records.push(found.record);
  }
  if (problems.length > 0)
    return {
      status,
      message:
        `没有撤销任何档号：${targets.length} 个中有 ${problems.length} 个不能撤销，改正后再一起撤销。\n` +
        problems.map((p) => `  ${p}`).join('\n'),
    };
  const now = deps.clock.now();
  records.sort((a, b) => a.id - b.id);
  let done: { packages: PackageHolding[]; made: number[] }[];
  try {
    done = await deps.db.transaction(async (tx) => {
      const packages: { packages: PackageHolding[]; made: number[] }[] = [];
      for (const record of records) {
        const res = await withdrawAudited(tx, record, single, now);
        if (!res) throw new RetiredMeanwhile(record);
        packages.push(res);
      }
      return packages;
    });
  } catch (err) {
    if (!(err instanceof RetiredMeanwhile)) throw err;
    const why = await alreadyWithdrawn(deps.db, err.record);
    return { status: 'not_confirmed', message: `没有撤销任何档号：${why.message}（刚刚被停用）` };
  }
  return {
    status: 'withdrawn',
    archivalCodes: records.map((r) => r.archivalCode),
    message: records
      .map((r, i) => withdrawnOutcome(deps, r, done[i]!.packages, now, done[i]!.made).message)
      .join('\n'),
  };
}
