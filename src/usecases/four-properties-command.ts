import { yearsWithRecords } from '../db/repos/archive-items.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { chatWhere, confirmCommandText, nothingConfirmedText, sentAs } from '../domain/export-again.js';
import { FOUR_PROPERTIES_JOB } from '../domain/job-types.js';
import type { FourPropertiesJobPayload } from './check-four-properties-run.js';
import { commandTarget } from './command-target.js';
import { unitCalled } from './unit-naming.js';
import type { CommandHandler } from './feature.js';
import { replyText } from './reply-text.js';

/**
 * `@bot 四性检测 [单位] [年度]` (archivists): queues the four-properties check of the unit's confirmed
 * records for a year (default: the latest year with any) as a `four-properties-check` job, which posts
 * the result into this chat, or, asked in a group, to the archivist who asked by direct message
 * (reportFourPropertiesRun) — the check without writing a package.
 */
export function fourPropertiesCommand(opts: { wakeJobs: () => void }): CommandHandler {
  return async (deps, msg, cmd, access) => {
    const reply = (text: string) => replyText(deps.gateway, msg.messageId, text, `4p-cmd-${msg.messageId}`);
    deps.metrics.inc('commands_total', { command: 'four-properties' });
    // Every command the answer names, as it is sent in this chat (the @ in a group).
    const where = chatWhere(msg.chatType);
    const target = await commandTarget(deps.db, msg, cmd.args);
    // The dispatcher checked the sender's role on this unit (archivists: the declared audience).
    const unit = access.unit;
    if (!unit)
      return reply(`请在单位工作群里发送，或写上单位名称，如「${sentAs('四性检测 东村 2025', where)}」`);
    const years = await yearsWithRecords(deps.db, unit.path);
    const year = target.year ?? years[0];
    // Two 东村: named apart (城关镇东村), in the text and in the command to send.
    const called = await unitCalled(deps.db, unit);
    if (year === undefined || !years.includes(year)) {
      const confirm = sentAs(confirmCommandText(called.asked, year), where);
      return reply(
        `${nothingConfirmedText(called.shown, year)}；四性检测查的是已确认归档的材料，请先发送「${confirm}」`,
      );
    }
    const now = deps.clock.now();
    const payload: FourPropertiesJobPayload = {
      unitId: unit.id,
      year,
      chatId: msg.chatId,
      requestId: msg.messageId,
      // Asked in a group: the result names items (households' names, ID cards' titles) that not every
      // member may see; it goes to the archivist who asked, by direct message.
      ...(where === 'group' && msg.senderOpenId ? { requester: msg.senderOpenId } : {}),
    };
    await enqueueJob(
      deps.db,
      { type: FOUR_PROPERTIES_JOB, key: `chat-${msg.messageId}`, payload, runAt: now, maxAttempts: 2 },
      now,
    );
    opts.wakeJobs();
    await reply(
      `正在对${called.shown}${year}年度已确认归档的材料做四性检测（真实性、完整性、可用性、安全性），` +
        (payload.requester
          ? '完成后把结果私信发给您（检测报告里有个人信息，不在群里发送）。'
          : '完成后把结果发到这里。'),
    );
  };
}
