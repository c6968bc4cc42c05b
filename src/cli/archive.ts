import { parseArgs } from 'node:util';
import { findTaskByCode } from '../db/repos/archive-items.js';
import { listPhotoGroupGaps } from '../db/repos/archive-descriptions.js';
import { getUnitByCode } from '../db/repos/units.js';
import { GAP_LABELS } from '../domain/photo-description.js';
import { AppError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { loadCliSettings } from '../settings.js';
import { archiveCliSetup } from './archive-cli-setup.js';
import { confirmArchive } from '../usecases/confirm-archive.js';
import { dryRunConfirm } from '../usecases/confirm-dry-run.js';
import { checkCorrectionLine, dropRequest, runCorrection } from './archive-corrections.js';
import { regroupLine, runRegroup } from './archive-regroup.js';
import { listTransfers } from './archive-transfers.js';
import { NOTE_MAX, reportTransferCorrection } from '../usecases/report-transfer-correction.js';
import { unreportTransferCorrection } from '../usecases/unreport-transfer-correction.js';
import {
  amendPackageHandover,
  recordPackageHandover,
  undoPackageHandover,
  voidPackage,
} from '../usecases/record-package-handover.js';
import { describeItem } from '../usecases/describe-item.js';
import { unconfirmArchive } from '../usecases/unconfirm-archive.js';
import { unconfirmSeveral } from '../usecases/unconfirm-several.js';
import type { CliCommand, CliContext } from './commands.js';

export const ARCHIVE_USAGE = `用法:
  archive confirm --unit CODE --year YYYY [--task 任务编号] [--dry-run]
                                                                 确认归档，分配档号（--dry-run：只列出将编的
                                                                 档号和不在其内的材料，不写入）
  archive unconfirm (--item ID | --code 档号) [--reason 原因]   撤销确认（件号停用，不再使用）
  archive unconfirm --code 档号 --code 档号 … [--reason 原因]    几件一起撤销确认（也可多个 --item）：
                                                                 有一个不能撤销就一个都不撤销，列出原因
  archive describe --item ID [--reason 事由] [--place 地点] [--people 人物] [--title 题名]
                   [--doc-number 文号] [--responsible 责任者] [--date YYYYMMDD] [--secrecy 密级]
                   [--pages N] [--remarks 备注] [--photographer 摄影者] [--background 背景]
                                                                 著录（--doc-number "" 为没有文号）
  archive describe --item ID --photo 张号 [--note 说明] [--background 背景]
                                                                 一张照片的说明（DA/T 50）
  archive gaps --unit CODE [--year YYYY]                         照片说明缺项清单
  archive transfers [--unit CODE] [--year YYYY]                  移交包记录和移交后变更（已移交后
                                                                 停用的档号，需向县档案馆报送更正）
  archive transfers --reported 条目ID [--note 报送方式]           该条目的移交后变更已向县档案馆报送更正
                                                                 （--note：如函件文号，最多 100 字）
  archive transfers --unmark 条目ID                               撤销该条目的「已报送更正」标记（重新待报送）
  archive transfers --handed 包号 --date YYYY-MM-DD --receiver 接收单位和接收人
                                                                 记录这个移交包已移交县档案馆（导出只是生成，
                                                                 移交后才算县档案馆保存的包）
  archive transfers --void 包号 --reason 原因                     作废一个生成后没有移交的包（文件夹不删除）
  archive transfers --unhand 包号 --reason 原因                   撤销移交记录（记错了包号等）：包回到已生成
  archive transfers --amend 包号 [--date YYYY-MM-DD] [--receiver 接收单位和接收人]
                                                                 改登记：改正已移交包的移交日期或接收人
  archive refile --item ID --task 任务编号 [--year YYYY] [--request 申请号 | --keep-request]
                                                                 改归到本单位另一项任务
  archive unfile --item ID [--reason 原因] [--request 申请号 | --keep-request]
                                                                 撤下（材料保留，可重新归档）
                                                                 这件有一个已同意、待改好的更正申请时，
                                                                 改归、撤下即完成该申请并告知申请人（输出
                                                                 中写明）；有两个时须用 --request 指明；
                                                                 --keep-request：不关闭申请；还没同意的
                                                                 申请不会被关闭
  archive split --item ID --files 文件ID,文件ID                    移出：这些文件成为同一任务的新一件
                                                                 （文件ID 见 archive files --item ID）
  archive merge --item ID --from ID                              并入：--from 那一件的文件排到本件之后，
                                                                 那一件不再单独成件（须同一任务、都未确认）
  archive files --item ID                                        列出一件的文件（文件ID、类型、文件名）
  archive drop-request --item ID [--reason 原因]                 已同意的更正申请「不用改了」：关闭申请，
                                                                 告知申请人材料没有改动
  archive waive --unit CODE --task 任务编号 [--year YYYY] --reason 原因 [--reopen]
                                                                 免交（--reopen 恢复为需提交）
  archive retention --unit CODE --task 清单项编号 --year YYYY --to 永久|30年|10年
                                                                 改保管期限（本单位及下级的这一清单项；
                                                                 已确认归档的件须先撤销确认）`;

const OPTIONS = {
  unit: { type: 'string' },
  year: { type: 'string' },
  task: { type: 'string' },
  item: { type: 'string' },
  // Several with `unconfirm` (several 件 at once); --item too, there only (unconfirmLine).
  code: { type: 'string', multiple: true },
  reason: { type: 'string' },
  place: { type: 'string' },
  people: { type: 'string' },
  title: { type: 'string' },
  'doc-number': { type: 'string' },
  responsible: { type: 'string' },
  date: { type: 'string' },
  secrecy: { type: 'string' },
  pages: { type: 'string' },
  remarks: { type: 'string' },
  photographer: { type: 'string' },
  background: { type: 'string' },
  photo: { type: 'string' },
  note: { type: 'string' },
  reopen: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  to: { type: 'string' },
  reported: { type: 'string' },
  files: { type: 'string' },
  from: { type: 'string' },
  unmark: { type: 'string' },
  handed: { type: 'string' },
  receiver: { type: 'string' },
  void: { type: 'string' },
  unhand: { type: 'string' },
  amend: { type: 'string' },
  request: { type: 'string' },
  'keep-request': { type: 'boolean' },
} as const;

const usage = () => new AppError('usage', ARCHIVE_USAGE);

/** A positive whole number option (ids, 页数), or undefined when absent; anything else is a usage error. */
function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new AppError('usage', `--${name} 须为正整数，收到 "${value}"`);
  return n;
}

function yearOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}$/.test(value.trim())) throw new AppError('usage', `--year 须为四位年份，收到 "${value}"`);
  return Number(value.trim());
}

/**
 * An `archive …` line checked without the database (run-cli.ts calls it first, through wellFormed):
 * its options, their numbers, and the options each subcommand cannot do without. It opened and
 * migrated the database first, so a typo upgraded it.
 */
function archiveLine(args: readonly string[]) {
  const [sub, ...rest] = args;
  let v: Record<string, string | undefined>;
  let parsed: Record<string, string | string[] | undefined>;
  try {
    const options = sub === 'unconfirm' ? { ...OPTIONS, item: { type: 'string', multiple: true } } : OPTIONS;
    parsed = parseArgs({ args: rest, options: options as typeof OPTIONS }).values as Record<
      string,
      string | string[] | undefined
    >;
    v = { ...parsed, item: undefined, code: undefined } as Record<string, string | undefined>;
    if (sub !== 'unconfirm') v.item = parsed.item as string | undefined;
    if (v.reopen !== undefined && sub !== 'waive') throw usage();
    if (v['dry-run'] !== undefined && sub !== 'confirm') throw usage();
    if ((v.reported !== undefined || v.unmark !== undefined) && sub !== 'transfers') throw usage();
    if (v.reported !== undefined && v.unmark !== undefined) throw usage();
    // --handed N --date D --receiver R: 已移交; --void N --reason R: 作废; --unhand N --reason R: 撤销移交;
    // --amend N [--date D] [--receiver R]: 改登记 (transfers only, one at a time).
    const marks = [v.reported, v.unmark, v.handed, v.void, v.unhand, v.amend].filter(
      (x) => x !== undefined,
    ).length;
    const states = [v.handed, v.void, v.unhand, v.amend].some((x) => x !== undefined);
    if (states && (sub !== 'transfers' || marks > 1)) throw usage();
    if (sub === 'transfers' && v.handed !== undefined && (v.date === undefined || v.receiver === undefined))
      throw usage();
    if (sub === 'transfers' && v.amend !== undefined && v.date === undefined && v.receiver === undefined)
      throw usage();
    const dated = v.handed !== undefined || v.amend !== undefined;
    if (v.receiver !== undefined && !dated) throw usage();
    if (sub === 'transfers' && v.date !== undefined && !dated) throw usage();
    const why = v.void !== undefined || v.unhand !== undefined;
    if (sub === 'transfers' && why && v.reason === undefined) throw usage();
    if (sub === 'transfers' && v.reason !== undefined && !why) throw usage();
    if (v.files !== undefined && sub !== 'split') throw usage();
    if (v.from !== undefined && sub !== 'merge') throw usage();
    if ((v.request !== undefined || v['keep-request'] !== undefined) && sub !== 'refile' && sub !== 'unfile')
      throw usage();
    // --note: a photo's 说明 (describe), or how a correction was reported (transfers --reported).
    if (v.note !== undefined && sub !== 'describe' && !(sub === 'transfers' && v.reported !== undefined))
      throw usage();
  } catch {
    throw usage();
  }
  const year = yearOption(v.year);
  const item = positiveInt('item', v.item);
  const pages = positiveInt('pages', v.pages);
  const photo = positiveInt('photo', v.photo);
  const reported = positiveInt('reported', v.reported);
  const unmark = positiveInt('unmark', v.unmark);
  const handed = positiveInt('handed', v.handed);
  const voided = positiveInt('void', v.void);
  const unhand = positiveInt('unhand', v.unhand);
  const amend = positiveInt('amend', v.amend);
  positiveInt('request', v.request);
  if (sub === 'transfers' && v.note !== undefined && v.note.replace(/\s+/g, ' ').trim().length > NOTE_MAX)
    throw new AppError('usage', `--note 太长：报送方式最多 ${NOTE_MAX} 字`);
  if ((sub === 'confirm' && (!v.unit || year === undefined)) || (sub === 'gaps' && !v.unit)) throw usage();
  if ((sub === 'describe' || sub === 'drop-request') && item === undefined) throw usage();
  const unconfirm = sub === 'unconfirm' ? unconfirmLine(parsed) : undefined;
  checkCorrectionLine(sub, v, item, year);
  const regroup = regroupLine(sub, v, item);
  const handover = { handed, voided, unhand, amend };
  return { sub, v, year, item, pages, photo, reported, unmark, handover, regroup, unconfirm };
}

/**
 * `unconfirm`'s 件: one (--item, --code, or both naming the same 件), or several (--code repeated, or
 * --item repeated, not mixed: which item was meant to pair with which 档号 would be a guess).
 */
function unconfirmLine(parsed: Record<string, string | string[] | undefined>) {
  const list = (x: string | string[] | undefined) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
  const codes = list(parsed.code).map((c) => c.trim());
  const items = list(parsed.item).map((i) => positiveInt('item', i)!);
  if (codes.length + items.length === 0 || codes.some((c) => !c)) throw usage();
  if (codes.length + items.length > 2 && codes.length > 0 && items.length > 0)
    throw new AppError(
      'usage',
      '几件一起撤销确认时只用 --code（每个档号一个），或只用 --item（每个条目一个）',
    );
  return { codes, items };
}

/** `npm run cli -- archive …`: confirm / unconfirm / describe / gaps from the command line. */
export async function runArchiveCommand(args: string[], ctx: CliContext): Promise<void> {
  const { sub, v, year, item, pages, photo, reported, unmark, handover, regroup, unconfirm } =
    archiveLine(args);
  const deps = { db: ctx.db, clock: systemClock };
  const unitOf = async () => {
    const unit = v.unit ? await getUnitByCode(ctx.db, v.unit) : undefined;
    if (!unit) throw v.unit ? new AppError('usage', `找不到单位 ${v.unit}`) : usage();
    return unit;
  };
  if (sub === 'confirm') {
    const unit = await unitOf();
    if (year === undefined) throw usage();
    const task = v.task ? await findTaskByCode(ctx.db, unit.id, v.task, year) : undefined;
    if (v.task && !task) throw new AppError('usage', `${unit.name}${year}年度没有任务 ${v.task}`);
    if (v['dry-run']) {
      // archive.yaml only: the file store is not opened, nothing is written.
      const rules = loadCliSettings(ctx.env).archive.settings();
      const dry = await dryRunConfirm({ db: ctx.db, rules }, { unitId: unit.id, year, taskId: task?.id });
      // Under archive.yaml's sample fonds: the refusal, exit 1, as the confirmation itself.
      if (dry.status === 'refused') throw new AppError('sample_fonds', dry.message);
      for (const l of dry.lines) ctx.out(l);
      return;
    }
    const setup = await archiveCliSetup(loadCliSettings(ctx.env));
    const res = await confirmArchive(
      { ...deps, rules: setup.config, blobs: setup.blobs },
      { unitId: unit.id, year, taskId: task?.id, actor: 'cli', source: 'cli' },
    );
    // Refused (archive.yaml's sample fonds): nothing numbered, exit 1 with what to do.
    if (res.status === 'refused') throw new AppError('sample_fonds', res.message);
    ctx.out(res.message);
    return;
  }
  if (sub === 'unconfirm' && unconfirm) {
    const { codes, items } = unconfirm;
    const timeZone = loadCliSettings(ctx.env).timeZone;
    const who = { reason: v.reason, actor: 'cli', source: 'cli' } as const;
    const several = codes.length + items.length > 1 && !(codes.length === 1 && items.length === 1);
    const res = several
      ? await unconfirmSeveral({ ...deps, timeZone }, { ...who, archivalCodes: codes, itemIds: items })
      : await unconfirmArchive({ ...deps, timeZone }, { ...who, itemId: items[0], archivalCode: codes[0] });
    // Nothing retired: a mistyped id or 档号 is a failure (exit 1), not a line a script reads past; so is
    // any refusal of several (none of them retired).
    if (res.status === 'not_found' || res.status === 'refused' || (several && res.status !== 'withdrawn'))
      throw new AppError(res.status, res.message);
    ctx.out(res.message);
    return;
  }
  if (sub === 'describe') {
    if (item === undefined) throw usage();
    const res = await describeItem(deps, {
      itemId: item,
      reason: v.reason,
      place: v.place,
      people: v.people,
      title: v.title,
      docNumber: v['doc-number'],
      responsible: v.responsible,
      date: v.date,
      secrecy: v.secrecy,
      pages,
      remarks: v.remarks,
      photographer: v.photographer,
      background: v.background,
      photo,
      note: v.note,
      actor: 'cli',
      source: 'cli',
    });
    ctx.out(res.message);
    return;
  }
  if (sub === 'drop-request') {
    if (item === undefined) throw usage();
    await dropRequest(ctx, item, v.reason);
    return;
  }
  if (sub === 'refile' || sub === 'unfile' || sub === 'waive' || sub === 'retention') {
    await runCorrection(
      sub,
      {
        ...v,
        reopen: v.reopen ? 'yes' : undefined,
        'keep-request': v['keep-request'] ? 'yes' : undefined,
      },
      item,
      year,
      ctx,
    );
    return;
  }
  if (regroup) {
    await runRegroup(regroup, ctx);
    return;
  }
  if (sub === 'transfers') {
    if (reported !== undefined) {
      // The county archive was sent the correction of this item's retired 档号 (移交后变更).
      const res = await reportTransferCorrection(deps, {
        itemId: reported,
        note: v.note,
        actor: 'cli',
        source: 'cli',
      });
      if (res.status === 'not_found') throw new AppError('not_found', `条目 ${reported} ${res.message}`);
      ctx.out(res.message);
      return;
    }
    if (unmark !== undefined) {
      // 撤销标记: a mark made by mistake; the item's corrections are owed again.
      const res = await unreportTransferCorrection(deps, { itemId: unmark, actor: 'cli', source: 'cli' });
      if (res.status === 'not_found') throw new AppError('not_found', `条目 ${unmark} ${res.message}`);
      ctx.out(res.message);
      return;
    }
    const { handed, voided, unhand, amend } = handover;
    if (handed !== undefined || voided !== undefined || unhand !== undefined || amend !== undefined) {
      // 已移交 (the day and who received it), 作废, 撤销移交 or 改登记 of one recorded package.
      const stateDeps = { ...deps, timeZone: loadCliSettings(ctx.env).timeZone };
      const who = { actor: 'cli', source: 'cli' as const };
      const res =
        handed !== undefined
          ? await recordPackageHandover(stateDeps, {
              ...who,
              packageId: handed,
              day: v.date!,
              receiver: v.receiver!,
            })
          : unhand !== undefined
            ? await undoPackageHandover(stateDeps, { ...who, packageId: unhand, reason: v.reason! })
            : amend !== undefined
              ? await amendPackageHandover(stateDeps, {
                  ...who,
                  packageId: amend,
                  ...(v.date !== undefined ? { day: v.date } : {}),
                  ...(v.receiver !== undefined ? { receiver: v.receiver } : {}),
                })
              : await voidPackage(stateDeps, { ...who, packageId: voided!, reason: v.reason! });
      if (res.status === 'refused') throw new AppError('refused', res.message);
      ctx.out(res.message);
      return;
    }
    const unit = v.unit ? await unitOf() : undefined;
    await listTransfers(ctx, { unit, year }, loadCliSettings(ctx.env).timeZone);
    return;
  }
  if (sub === 'gaps') {
    const unit = await unitOf();
    const gaps = await listPhotoGroupGaps(ctx.db, { unitPath: unit.path, year });
    for (const g of gaps)
      ctx.out(`${g.itemId}\t${g.unitName}\t${g.title}\t缺：${g.gaps.map((x) => GAP_LABELS[x]).join('、')}`);
    ctx.out(`共 ${gaps.length} 组照片说明不完整`);
    return;
  }
  throw usage();
}

/** For the dispatcher's COMMANDS table: `archive`. */
export const archiveCommand: CliCommand = {
  usage: ARCHIVE_USAGE,
  subcommands: [
    'confirm',
    'unconfirm',
    'describe',
    'refile',
    'unfile',
    'split',
    'merge',
    'files',
    'waive',
    'retention',
    'gaps',
    'transfers',
    'drop-request',
  ],
  // Options left out or mistyped are said before the database is opened (and migrated).
  wellFormed: (args) => archiveLine(args) !== undefined,
  summary:
    '档号、说明和更正：confirm、unconfirm、describe、gaps、refile、unfile、split、merge、files、waive、retention、transfers、drop-request',
  // `transfers --reported N` / `--unmark N` write (mark a correction reported, or take it back), as do
  // `--handed N` / `--void N` / `--unhand N` / `--amend N` (a package handed over, voided, its handover
  // taken back or corrected); the listing only reads.
  readsOnly: (args) =>
    args[0] === 'files' ||
    (args[0] === 'transfers' &&
      !args.some((a) =>
        ['--reported', '--unmark', '--handed', '--void', '--unhand', '--amend'].some(
          (o) => a === o || a.startsWith(`${o}=`),
        ),
      )),
  run: runArchiveCommand,
};
