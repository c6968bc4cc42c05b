import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import type { ExportJobPayload } from './export-command.js';
import type { DocxToPdf } from '../archive/docx-to-pdf.js';
import type { VirusScanner } from '../archive/virus-scan.js';
import { removeDeadLeftovers } from '../archive/package-folder.js';
import { outputLockPath, removeDeadOutputLock, takeOutputLock } from '../archive/output-lock.js';
import { zipFolder } from '../archive/zip-store.js';
import type { Db } from '../db/client.js';
import { forgetTransferPackagesAt, markTransferPackageSent } from '../db/repos/transfer-packages.js';
import { chatTypeOf } from '../db/repos/chats.js';
import { getUnitById, type UnitRow } from '../db/repos/units.js';
import { DomainError, LarkApiError, PermanentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ChatGateway, OutgoingMessage } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';
import { chatWhere, confirmCommandText, exportAgainCommand, sentAs } from '../domain/export-again.js';
import { failingItemLines } from '../domain/four-properties.js';
import { sanitizeFileName } from '../storage/sanitize-file-name.js';
import { packageFondsOf } from './package-fonds.js';
import { exportTransferPackage, type ExportResult } from './export-transfer-package.js';
import { replyText } from './reply-text.js';
import { fitsChatUpload } from '../domain/chat-upload.js';
import { packageSizeText, sizeText } from '../domain/package-size-text.js';
import { packagePath, transfersPath } from '../domain/transfer-changes.js';
import type { UnitCalled } from '../domain/pick-unit.js';
import { unitCalled } from './unit-naming.js';
import {
  directMessageRefused,
  DirectMessageRefused,
  directRefusedText,
  exportRefusedByLarkText,
} from './export-refused-by-lark.js';

export interface ExportForChatDeps {
  db: Db;
  gateway: ChatGateway;
  clock: Clock;
  blobs: BlobStore;
  config: ArchiveConfig;
  timeZone: string;
  /** Where chat-requested packages are written (DATA_DIR/exports). */
  exportsDir: string;
  virusScan?: VirusScanner;
  docxToPdf?: DocxToPdf;
  /** PUBLIC_URL's pages, when set: the answer links the unit's 移交包 page. */
  pageUrl?: (path: string) => string | undefined;
}

export type ExportForChatOutcome = { outDir: string; zip?: string; sent: boolean; refused?: string };

/** The folders of a chat-requested package under exportsDir: as a 移交包, and as a 预检包. */
async function packageDirs(
  deps: Pick<ExportForChatDeps, 'db' | 'config' | 'exportsDir'>,
  unit: UnitRow,
  p: ExportJobPayload,
): Promise<{ name: string; outDir: string; preName: string; preDir: string }> {
  // One safe path segment whatever the unit code holds: the folder is removed and rewritten below.
  const fonds = await packageFondsOf(deps.db, deps.config, unit, []);
  const name = sanitizeFileName(`${fonds.unit.code}-${unit.code}-${p.year}-移交包-${p.messageId.slice(-8)}`);
  const preName = name.replace('-移交包-', '-预检包-');
  return { name, outDir: join(deps.exportsDir, name), preName, preDir: join(deps.exportsDir, preName) };
}

/**
 * What an attempt of this export may have left: its folders and their ZIPs. Its `.partial` folder is
 * left to exportTransferPackage, which removes it only once the process that wrote it is gone.
 */
async function removeOutputs(outDir: string, preDir: string): Promise<void> {
  for (const dir of [outDir, preDir]) await rm(dir, { recursive: true, force: true });
  for (const dir of [outDir, preDir])
    for (const zip of [`${dir}.zip`, `${dir}.zip.partial`]) await rm(zip, { force: true });
}

type OutputPaths = { outDir: string; preDir: string };

/**
 * Where an attempt writes, recorded under exportsDir as it starts (`.export-<message>.json`): if its
 * process dies, exportDied cleans up these paths, not ones rebuilt from fonds settings that may have
 * changed since. Removed when the job ends.
 */
const attemptRecord = (exportsDir: string, messageId: string) =>
  join(exportsDir, `.export-${sanitizeFileName(messageId)}.json`);

async function recordAttemptOutputs(exportsDir: string, messageId: string, paths: OutputPaths) {
  await mkdir(exportsDir, { recursive: true });
  await writeFile(attemptRecord(exportsDir, messageId), JSON.stringify(paths));
}

async function recordedOutputs(exportsDir: string, messageId: string): Promise<OutputPaths | undefined> {
  try {
    const v = JSON.parse(
      await readFile(attemptRecord(exportsDir, messageId), 'utf8'),
    ) as Partial<OutputPaths>;
    return typeof v.outDir === 'string' && typeof v.preDir === 'string'
      ? { outDir: v.outDir, preDir: v.preDir }
      : undefined;
  } catch {
    return undefined;
  }
}

const forgetAttempt = (exportsDir: string, messageId: string) =>
  rm(attemptRecord(exportsDir, messageId), { force: true });

/**
 * The `archive-export` job: writes the package under exportsDir (into `<name>.partial`, renamed when
 * whole: to `…-预检包-…` when the 四性 check fails), then answers the requester with the package as a ZIP
 * when it fits Lark's upload limit, and always with a summary saying where it is (asked in a group:
 * by direct message, the group getting a note; finishForChat). A retry starts
 * over (this export's earlier output, finished or not, is removed first), holding the folders'
 * lock (archive/output-lock.ts) from before that removal until the answer is sent: a second run of
 * the same folders meanwhile is refused with its own chat message and removes nothing.
 */
async function exportForChat(
  deps: ExportForChatDeps,
  p: ExportJobPayload,
  log: Logger,
): Promise<ExportForChatOutcome> {
  const unit = await getUnitById(deps.db, p.unitId);
  if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
  const { name, outDir, preName, preDir } = await packageDirs(deps, unit, p);
  // Held until the ZIP is sent: a second export of these folders must not remove them meanwhile.
  await mkdir(deps.exportsDir, { recursive: true });
  const lock = await takeOutputLock(outputLockPath(deps.exportsDir, name));
  if (!lock) {
    await replyText(
      deps.gateway,
      p.messageId,
      '导出失败：同一个导出正在进行（上一次的导出还没有完成），本次没有开始；请等它完成后再看结果',
      `export-busy-${p.messageId}`,
    );
    return { outDir, sent: false, refused: 'another export holds these output folders' };
  }
  try {
    return await exportLocked(deps, p, log, unit, { name, outDir, preName, preDir });
  } finally {
    await lock.release();
  }
}

async function exportLocked(
  deps: ExportForChatDeps,
  p: ExportJobPayload,
  log: Logger,
  unit: UnitRow,
  { name, outDir, preName, preDir }: { name: string; outDir: string; preName: string; preDir: string },
): Promise<ExportForChatOutcome> {
  await recordAttemptOutputs(deps.exportsDir, p.messageId, { outDir, preDir });
  await removeOutputs(outDir, preDir);
  // What an earlier attempt wrote there is gone: so is its record.
  await forgetTransferPackagesAt(deps.db, [outDir, preDir]);
  let res;
  try {
    res = await exportTransferPackage(
      { ...deps, software: 'lark-archive-bot（归档助手）', removedLeftover: logRemoved(log) },
      {
        unitId: unit.id,
        year: p.year,
        outDir,
        preCheckOutDir: preDir,
        by: { actor: p.actor, source: 'chat' },
      },
    );
  } catch (err) {
    if (err instanceof DomainError) {
      await replyText(
        deps.gateway,
        p.messageId,
        `导出失败：${chatReason(err)}`,
        `export-done-${p.messageId}`,
      );
      await forgetAttempt(deps.exportsDir, p.messageId);
      return { outDir, sent: false, refused: err.message };
    }
    throw err;
  }
  // Not a package to hand over: its folder and ZIP say 预检包 so nobody mistakes it for one.
  // Two 东村: named apart (城关镇东村), in the texts and in the commands they say to send.
  const called = await unitCalled(deps.db, unit);
  return finishForChat(deps, p, called, res, res.outDir, res.preCheck ? preName : name);
}

/** Leftovers of dead exports removed before a chat export are logged (the chat is not told: no server paths). */
const logRemoved = (log: Logger) => (path: string) =>
  log.info({ path }, 'removed what a dead export left (its process is gone)');

/**
 * The chat wording of a refused export: the CLI's messages for a folder in use name server paths and
 * ask to delete a folder, which a chat user can neither see nor do (the job logs the full message).
 */
const chatReason = (err: DomainError) =>
  err.code === 'export_running'
    ? '另一个导出正在写入同一个输出目录，本次导出没有开始；请等它完成后再试'
    : err.code === 'export_partial_unowned'
      ? '服务器上留有一个未完成的导出，需要管理员清理后才能导出，请联系管理员'
      : err.code === 'out_dir_not_empty' || err.code === 'out_dir_not_writable'
        ? '服务器上的导出目录不能使用（不是空的或不能写入），请联系管理员'
        : err.message;

/**
 * What the chat is told of an export that failed for good: what kind of problem, never a server path
 * or a system's raw message (the job's log has the whole error).
 */
function failedText(err: unknown, again: string): string {
  if (err instanceof LarkApiError) return `导出失败：${exportRefusedByLarkText(err, again)}`;
  return `导出失败：${failedReason(err)}，请联系管理员`;
}

function failedReason(err: unknown): string {
  if (err instanceof DomainError) return chatReason(err);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return '服务器磁盘已满';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return '服务器上的导出目录不能写入';
  return '服务器出错，未能完成导出';
}

/** Where the export was asked: a direct chat with the bot, or a group (where the bot must be @-mentioned). */
const whereAsked = async (db: Db, p: ExportJobPayload) => chatWhere(await chatTypeOf(db, p.chatId));

/**
 * The exact command that exports this unit's year again, as it is sent in the chat that asked (the
 * 预检包's page says the same): 「@归档助手 导出 城关村 2026」 in a group, 「导出 城关村 2026」 to the bot
 * directly; the bare 「导出」 (as sent there) if the unit cannot be read now, 「导出」 if nothing can.
 */
const exportAgainHere = (db: Db, p: ExportJobPayload): Promise<string> =>
  getUnitById(db, p.unitId)
    .then(async (u) => sentAs(u ? exportAgainCommand(u.name, p.year) : '导出', await whereAsked(db, p)))
    .catch(() => '导出');

/**
 * Where the answer goes: in a direct chat with the bot, a reply there (as ever); asked in a group, a
 * direct message to the requester (Lark: receive_id_type=open_id). The package holds every original
 * file, households' ID cards among them, which the group's members may not see (its page refuses
 * them), so neither it nor its summary is posted in the group; the group gets a short note.
 */
function answerTo(deps: Pick<ExportForChatDeps, 'gateway'>, p: ExportJobPayload, where: 'group' | 'direct') {
  return (message: OutgoingMessage, uuid: string) =>
    where === 'direct'
      ? deps.gateway.reply({ messageId: p.messageId, message, uuid })
      : deps.gateway.sendMessage({ receiveIdType: 'open_id', receiveId: p.actor, message, uuid });
}

const textMessage = (text: string): OutgoingMessage => ({
  msgType: 'text',
  content: JSON.stringify({ text }),
});

async function finishForChat(
  deps: ExportForChatDeps,
  p: ExportJobPayload,
  unit: UnitCalled,
  res: ExportResult,
  outDir: string,
  name: string,
): Promise<ExportForChatOutcome> {
  const zipPath = `${outDir}.zip`;
  let sent = false;
  let zip: string | undefined;
  const limit = deps.config.chatUploadLimitBytes;
  const where = await whereAsked(deps.db, p);
  const answer = answerTo(deps, p, where);
  // The first message to the requester: in a group's case, a direct message Lark may refuse.
  let first = true;
  const toRequester = async (message: OutgoingMessage, uuid: string) => {
    try {
      await answer(message, uuid);
    } catch (err) {
      if (first && where === 'group' && directMessageRefused(err)) throw new DirectMessageRefused(err);
      throw err;
    }
    first = false;
  };
  const kind = res.preCheck ? '预检包（四性检测不通过，不得移交）' : '移交包';
  try {
    // A ZIP is larger than the files it holds: files of the limit's size make one too large to send.
    if (res.bytes < limit) {
      const size = await zipFolder(outDir, zipPath, name, deps.clock.now());
      zip = zipPath;
      if (fitsChatUpload(size, limit)) {
        const { fileKey } = await deps.gateway.uploadFile({
          fileName: basename(zipPath),
          bytes: await readFile(zipPath),
          fileType: 'stream',
        });
        await toRequester(
          { msgType: 'file', content: JSON.stringify({ file_key: fileKey }) },
          `export-file-${p.messageId}`,
        );
        sent = true;
        // Sent to the requester, directly (a group's export too): the pages say 已私信发给导出人.
        await markTransferPackageSent(deps.db, res.packageId, p.actor, deps.clock.now());
      }
    }
    // The summary is read where the package is, the direct chat: its commands are written for there.
    const text = summaryLines(deps, p, unit, res, { sent, kind, limit }).join('\n');
    await toRequester(textMessage(text), `export-done-${p.messageId}`);
  } catch (err) {
    if (!(err instanceof DirectMessageRefused)) throw err;
    await replyText(
      deps.gateway,
      p.messageId,
      directRefusedText(unit, p.year, res.preCheck, err.refusal),
      `export-dm-refused-${p.messageId}`,
    );
    await forgetAttempt(deps.exportsDir, p.messageId);
    return { outDir, zip, sent: false, refused: 'Lark refused the direct message to the requester' };
  }
  if (where === 'group')
    await replyText(
      deps.gateway,
      p.messageId,
      `<at user_id="${p.actor}"></at> ${unit.shown}${p.year}年度${res.preCheck ? '预检包' : '移交包'}` +
        `${sent ? '已私信发给您' : '已生成，下载方式已私信发给您'}，请在与归档助手的单聊里查看。` +
        '包里有个人信息，不在群里发送。',
      `export-note-${p.messageId}`,
    );
  await forgetAttempt(deps.exportsDir, p.messageId);
  return { outDir, zip, sent };
}

/** The answer's lines: what was made, its 四性 verdict, what was left out, and where the package is. */
function summaryLines(
  deps: Pick<ExportForChatDeps, 'pageUrl'>,
  p: ExportJobPayload,
  unit: UnitCalled,
  res: ExportResult,
  o: { sent: boolean; kind: string; limit: number },
): string[] {
  const verdict = res.report.passed
    ? '通过'
    : `不通过（${res.report.failures.filter((f) => f.severity === 'error').length} 项，见包内 其他/四性检测报告.xlsx）`;
  const again = sentAs(exportAgainCommand(unit.asked, p.year), 'direct');
  const transfersUrl = deps.pageUrl?.(transfersPath(p.unitId));
  const packageUrl = deps.pageUrl?.(packagePath(res.packageId));
  return [
    `${unit.shown}${p.year}年度${o.kind}已生成：${res.records - res.withdrawn} 件` +
      `${res.withdrawn ? `（另有停用件号 ${res.withdrawn} 个）` : ''}，电子文件 ${res.files} 个；` +
      `整个包${packageSizeText(res.size) ?? ''}（含目录和说明文件）。`,
    `四性检测：${verdict}。`,
    // A 预检包 says what failed and what to do, not only that it failed.
    ...(res.report.passed
      ? []
      : [
          '不合格的有：',
          ...failingItemLines(res.report, 5),
          '这个包不能移交。文件损坏或缺失的，请系统管理员从备份恢复；其他问题按报告处理。' +
            `处理好后重新发送「${again}」。`,
        ]),
    // Left out for want of a 档号: how to take them along.
    ...(res.unconfirmed > 0
      ? [
          `另有 ${res.unconfirmed} 件已提交但还没确认归档，未包含在内；要一并移交，请先发送「${sentAs(confirmCommandText(unit.asked, p.year), 'direct')}」，` +
            `确认后再发送「${again}」。`,
        ]
      : []),
    // Numbered after the export read its counts: in the next package, not this one.
    ...(res.confirmedDuring > 0
      ? [`另有 ${res.confirmedDuring} 件在导出期间确认归档，不在这个包内；请再发送「${again}」。`]
      : []),
    // No server path in the chat: the job logs where the package is (outDir), for the operator.
    o.sent
      ? '压缩包已发送在上方。'
      : packageUrl
        ? // The package's page streams it as a ZIP to whoever may see the whole package.
          `文件较大，未通过聊天发送（上限 ${sizeText(o.limit)}），已保存在服务器上；请打开下面「这个包的详情」，点「下载」。`
        : `文件较大，未通过聊天发送（上限 ${sizeText(o.limit)}），已保存在服务器上，请联系系统管理员取用。`,
    // This package's own page, and the unit's records and 移交后变更 owed, one tap away on a phone (the
    // pages ask for sign-in).
    // Made is not handed over: only a package recorded as 已移交 is what the county archive holds.
    ...(res.preCheck ? [] : [handoverHint(res.packageId, packageUrl)]),
    ...(packageUrl ? [`这个包的详情：${packageUrl}`] : []),
    ...(transfersUrl ? [`移交包记录和移交后变更：${transfersUrl}`] : []),
  ];
}

/** How to record that this 移交包 was handed over (its page when PUBLIC_URL is set, else the command line). */
function handoverHint(packageId: number, packageUrl: string | undefined): string {
  return (
    `这个移交包（#${packageId}）现在只是生成了，还没有记录移交。交给县档案馆后，` +
    (packageUrl
      ? '请打开下面「这个包的详情」，填写移交日期和接收人，点「已移交」；只是查看、不移交的包可以在那里作废。'
      : `请系统管理员在服务器上执行 archive transfers --handed ${packageId} --date 移交日期 --receiver 接收单位和接收人 记录；` +
        `不移交的可用 archive transfers --void ${packageId} --reason 原因 作废。`)
  );
}

/**
 * The job around exportForChat: on the last attempt (or one that cannot succeed) it tells the
 * requester instead of dying silently, then fails the job.
 */
export async function exportForChatJob(
  deps: ExportForChatDeps,
  p: ExportJobPayload,
  log: Logger,
  attempt: { attempts: number; maxAttempts: number },
): Promise<void> {
  try {
    const res = await exportForChat(deps, p, log);
    if (res.refused)
      log.warn({ unitId: p.unitId, year: p.year, reason: res.refused }, 'package export refused');
    else log.info({ unitId: p.unitId, year: p.year, outDir: res.outDir, sent: res.sent }, 'package exported');
  } catch (err) {
    if (attempt.attempts >= attempt.maxAttempts || err instanceof PermanentError) {
      log.error({ unitId: p.unitId, year: p.year, err }, 'package export failed for good');
      // The command to export again, as sent in this chat.
      const again = await exportAgainHere(deps.db, p);
      await replyText(
        deps.gateway,
        p.messageId,
        failedText(err, again),
        `export-failed-${p.messageId}`,
      ).catch((e) => log.error({ err: e }, 'could not report the failed export'));
      await forgetAttempt(deps.exportsDir, p.messageId).catch(() => undefined);
    }
    throw err;
  }
}

/**
 * The export job died with its process on the last attempt (SIGKILL, OOM): its handler never saw it
 * fail. The unfinished folder (once its owner process is gone; with any `.partial.stale-*` a killed
 * takeover left, once provably dead) and ZIP are removed, each logged, found from the
 * paths the attempt recorded as it started (a finished package stays: it is whole), and the
 * requester is told, once (the same reply key as a last attempt that failed).
 */
export async function exportDied(
  deps: Pick<ExportForChatDeps, 'db' | 'gateway' | 'config' | 'exportsDir'>,
  p: ExportJobPayload,
  log: Logger,
): Promise<void> {
  try {
    let paths = await recordedOutputs(deps.exportsDir, p.messageId);
    if (!paths) {
      // Died before recording (or an older attempt): the names the current settings give.
      const unit = await getUnitById(deps.db, p.unitId);
      if (unit) paths = await packageDirs(deps, unit, p);
    }
    if (paths) {
      await removeDeadLeftovers(paths.outDir, logRemoved(log));
      await removeDeadOutputLock(outputLockPath(deps.exportsDir, basename(paths.outDir)));
      for (const dir of [paths.outDir, paths.preDir]) await rm(`${dir}.zip.partial`, { force: true });
    }
    await forgetAttempt(deps.exportsDir, p.messageId);
  } catch (err) {
    // The requester is told all the same; the next export of this message would remove it.
    log.error({ err }, 'could not remove the unfinished export');
  }
  log.error({ unitId: p.unitId, year: p.year }, 'package export died with its process');
  // The command that exports this unit's year again, as sent in this chat.
  const again = await exportAgainHere(deps.db, p);
  await replyText(
    deps.gateway,
    p.messageId,
    '导出失败：生成移交包时服务中断，未生成完整的包。' +
      `可以重新发送「${again}」；如果再次中断，请联系管理员。`,
    `export-failed-${p.messageId}`,
  );
}
