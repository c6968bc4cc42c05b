import { ARCHIVE_EXPORT_JOB, type JobPayload } from '../domain/job-types.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { yearsWithRecords } from '../db/repos/archive-items.js';
import type { CommandHandler } from './feature.js';
import { replyText } from './reply-text.js';
import { commandTarget } from './command-target.js';
import { unitCalled } from './unit-naming.js';
import { chatWhere, confirmCommandText, nothingConfirmedText, sentAs } from '../domain/export-again.js';

export type ExportJobPayload = JobPayload<typeof ARCHIVE_EXPORT_JOB>;

/**
 * `@bot 导出 [年度] [单位编码]` / `移交` (archivists): queues the transfer package as a job; the job
 * answers with the file (when small enough for chat) or where it was written, to the requester
 * directly when asked in a group (exportForChatJob).
 */
export function exportCommand(opts: { wakeJobs: () => void }): CommandHandler {
  return async (deps, msg, cmd, access) => {
    const reply = (text: string) => replyText(deps.gateway, msg.messageId, text, `export-${msg.messageId}`);
    deps.metrics.inc('commands_total', { command: 'export' });
    // Every command the answer names, as it is sent in this chat (the @ in a group).
    const where = chatWhere(msg.chatType);
    const target = await commandTarget(deps.db, msg, cmd.args);
    // The dispatcher checked the sender's role on this unit (archivists: the declared audience).
    const unit = access.unit;
    if (!unit || !msg.senderOpenId)
      return reply(`请在单位工作群里发送，或写上单位名称，如「${sentAs('导出 东村 2025', where)}」`);
    const years = await yearsWithRecords(deps.db, unit.path);
    const year = target.year ?? years[0];
    // Two 东村: named apart (城关镇东村), in the text and in the command to send.
    const called = await unitCalled(deps.db, unit);
    if (year === undefined || !years.includes(year))
      return reply(
        `${nothingConfirmedText(called.shown, year)}，请先发送「${sentAs(confirmCommandText(called.asked, year), where)}」`,
      );
    const now = deps.clock.now();
    const payload: ExportJobPayload = {
      unitId: unit.id,
      year,
      chatId: msg.chatId,
      messageId: msg.messageId,
      actor: msg.senderOpenId,
    };
    await enqueueJob(
      deps.db,
      { type: ARCHIVE_EXPORT_JOB, key: msg.messageId, payload, runAt: now, maxAttempts: 3 },
      now,
    );
    opts.wakeJobs();
    // Asked in a group, the package goes to the requester directly (it holds every original file).
    await reply(
      `正在生成${called.shown}${year}年度的移交包（目录、电子文件、四性检测报告），` +
        (where === 'group' ? '完成后私信发给您（包里有个人信息，不在群里发送）。' : '完成后发到这里。'),
    );
  };
}
