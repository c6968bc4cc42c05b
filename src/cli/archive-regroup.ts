import { itemFilesList } from '../db/repos/item-regroup.js';
import { AppError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { mergeItems } from '../usecases/merge-items.js';
import { splitItem } from '../usecases/split-item.js';
import type { CliContext } from './commands.js';

/** A checked `archive split | merge | files` line. */
type RegroupLine =
  | { sub: 'split'; itemId: number; materialIds: number[] }
  | { sub: 'merge'; itemId: number; fromId: number }
  | { sub: 'files'; itemId: number };

const USAGE = {
  split: '用法: archive split --item ID --files 文件ID,文件ID（文件ID 见 archive files --item ID）',
  merge: '用法: archive merge --item ID --from ID（--from 那一件并入 --item 这一件）',
  files: '用法: archive files --item ID',
} as const;

const idOf = (text: string): number | undefined => {
  const n = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/**
 * `archive split | merge | files` checked before the database is opened (run-cli's wellFormed): the
 * options each cannot do without, as numbers. Undefined for the other subcommands.
 */
export function regroupLine(
  sub: string | undefined,
  v: Record<string, string | undefined>,
  itemId: number | undefined,
): RegroupLine | undefined {
  if (sub !== 'split' && sub !== 'merge' && sub !== 'files') return undefined;
  if (itemId === undefined) throw new AppError('usage', USAGE[sub]);
  if (sub === 'files') return { sub, itemId };
  if (sub === 'merge') {
    const fromId = idOf(v.from ?? '');
    if (fromId === undefined) throw new AppError('usage', USAGE.merge);
    return { sub, itemId, fromId };
  }
  const ids = (v.files ?? '')
    .split(/[,，\s]+/)
    .filter(Boolean)
    .map(idOf);
  if (ids.length === 0 || ids.some((id) => id === undefined)) throw new AppError('usage', USAGE.split);
  return { sub, itemId, materialIds: ids as number[] };
}

/**
 * `archive split` (移出), `archive merge` (并入) and `archive files` (the file ids 移出 names) as `cli`
 * in the audit trail. A refusal (confirmed, another task, every file, not found) is exit 1 with its
 * reason; a confirmed item's adds the command that unconfirms it.
 */
export async function runRegroup(line: RegroupLine, ctx: CliContext): Promise<void> {
  const deps = { db: ctx.db, clock: systemClock };
  if (line.sub === 'files') {
    const files = await itemFilesList(ctx.db, line.itemId);
    if (!files) throw new AppError('not_found', `找不到件 #${line.itemId}`);
    for (const f of files) ctx.out(`${f.materialId}\t${f.kind}\t${f.name ?? ''}`);
    ctx.out(`共 ${files.length} 个文件`);
    return;
  }
  const res =
    line.sub === 'split'
      ? await splitItem(deps, {
          itemId: line.itemId,
          materialIds: line.materialIds,
          actor: 'cli',
          source: 'cli',
        })
      : await mergeItems(deps, {
          intoItemId: line.itemId,
          fromItemId: line.fromId,
          actor: 'cli',
          source: 'cli',
        });
  if (res.status === 'refused')
    throw new AppError(
      'refused',
      res.reason === 'confirmed'
        ? `${res.message}：archive unconfirm --item 件号 --reason 原因`
        : res.message,
    );
  ctx.out(res.message);
}
