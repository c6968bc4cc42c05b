import { readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import type { ExportJobPayload } from './export-command.js';
import type { DocxToPdf } from '../archive/docx-to-pdf.js';
import type { VirusScanner } from '../archive/virus-scan.js';
import { zipFolder } from '../archive/zip-store.js';
import type { Db } from '../db/client.js';
import { getUnitById } from '../db/repos/units.js';
import { DomainError, errorMessage, PermanentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';
import { sanitizeFileName } from '../storage/sanitize-file-name.js';
import { packageFondsOf } from './package-fonds.js';
import { exportTransferPackage, type ExportResult } from './export-transfer-package.js';
import { replyText } from './reply-text.js';

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
}

export type ExportForChatOutcome = { outDir: string; zip?: string; sent: boolean };

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

/**
 * The `archive-export` job: writes the package under exportsDir, then answers in the chat with the
 * package as a ZIP when it fits Lark's upload limit, and always with a summary saying where it is.
 * A retry starts over in the same folder (only our own partial output is removed).
 */
async function exportForChat(deps: ExportForChatDeps, p: ExportJobPayload): Promise<ExportForChatOutcome> {
  const unit = await getUnitById(deps.db, p.unitId);
  if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
  // One safe path segment whatever the unit code holds: the folder is removed and rewritten below.
  const fonds = await packageFondsOf(deps.db, deps.config, unit, []);
  const name = sanitizeFileName(`${fonds.unit.code}-${unit.code}-${p.year}-移交包-${p.messageId.slice(-8)}`);
  const outDir = join(deps.exportsDir, name);
  const zipPath = `${outDir}.zip`;
  await rm(outDir, { recursive: true, force: true });
  await rm(zipPath, { force: true });
  let res;
  try {
    res = await exportTransferPackage(
      { ...deps, software: 'lark-archive-bot（归档助手）' },
      { unitId: unit.id, year: p.year, outDir },
    );
  } catch (err) {
    if (err instanceof DomainError) {
      await replyText(deps.gateway, p.messageId, `导出失败：${err.message}`, `export-done-${p.messageId}`);
      return { outDir, sent: false };
    }
    throw err;
  }
  if (res.preCheck) {
    // Not a package to hand over: its folder and ZIP say 预检包 so nobody mistakes it for one.
    const preName = name.replace('-移交包-', '-预检包-');
    const pre = join(deps.exportsDir, preName);
    await rm(pre, { recursive: true, force: true });
    await rm(`${pre}.zip`, { force: true });
    await rename(outDir, pre);
    return finishForChat(deps, p, unit.name, res, pre, preName);
  }
  return finishForChat(deps, p, unit.name, res, outDir, name);
}

async function finishForChat(
  deps: ExportForChatDeps,
  p: ExportJobPayload,
  unitName: string,
  res: ExportResult,
  outDir: string,
  name: string,
): Promise<ExportForChatOutcome> {
  const zipPath = `${outDir}.zip`;
  let sent = false;
  let zip: string | undefined;
  const limit = deps.config.chatUploadLimitBytes;
  if (res.bytes < limit) {
    const size = await zipFolder(outDir, zipPath, name, deps.clock.now());
    zip = zipPath;
    if (size <= limit) {
      const { fileKey } = await deps.gateway.uploadFile({
        fileName: basename(zipPath),
        bytes: await readFile(zipPath),
        fileType: 'stream',
      });
      await deps.gateway.reply({
        messageId: p.messageId,
        message: { msgType: 'file', content: JSON.stringify({ file_key: fileKey }) },
        uuid: `export-file-${p.messageId}`,
      });
      sent = true;
    }
  }
  const verdict = res.report.passed
    ? '通过'
    : `不通过（${res.report.failures.filter((f) => f.severity === 'error').length} 项，见包内四性检测报告）`;
  const kind = res.preCheck ? '预检包（四性检测不通过，不得移交）' : '移交包';
  const lines = [
    `${unitName}${p.year}年度${kind}已生成：${res.records - res.withdrawn} 件` +
      `${res.withdrawn ? `（另有停用件号 ${res.withdrawn} 个）` : ''}，电子文件 ${res.files} 个，${mb(res.bytes)} MB。`,
    `四性检测：${verdict}。`,
    ...(res.unconfirmed > 0 ? [`另有 ${res.unconfirmed} 件已提交但还没确认归档，未包含在内。`] : []),
    // No server path in the chat: the job logs where the package is (outDir), for the operator.
    sent
      ? '压缩包已发送在上方。'
      : `文件较大，未通过聊天发送（上限 ${mb(limit)} MB），已保存在服务器上，请联系系统管理员取用。`,
  ];
  await replyText(deps.gateway, p.messageId, lines.join('\n'), `export-done-${p.messageId}`);
  return { outDir, zip, sent };
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
    const res = await exportForChat(deps, p);
    log.info({ unitId: p.unitId, year: p.year, outDir: res.outDir, sent: res.sent }, 'package exported');
  } catch (err) {
    if (attempt.attempts >= attempt.maxAttempts || err instanceof PermanentError) {
      log.error({ unitId: p.unitId, year: p.year, err }, 'package export failed for good');
      const reason = errorMessage(err).slice(0, 300);
      await replyText(
        deps.gateway,
        p.messageId,
        `导出失败：${reason}，请联系管理员`,
        `export-failed-${p.messageId}`,
      ).catch((e) => log.error({ err: e }, 'could not report the failed export'));
    }
    throw err;
  }
}
