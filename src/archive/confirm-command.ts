import { findTaskByCode, yearsWithUnconfirmed } from '../db/repos/archive-items.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { CommandHandler } from '../usecases/handle-command.js';
import { replyText } from '../usecases/reply-text.js';
import { confirmArchive } from '../usecases/confirm-archive.js';
import type { ArchiveConfig } from './archive-config.js';
import { commandTarget } from './command-target.js';

/**
 * `@bot 确认归档 [年度] [任务编号] [单位编码]` (archivists): gives the unit's filed items their 档号.
 * Without a year: the only year with unconfirmed items, or a question listing them.
 */
export function confirmCommand(opts: { config: ArchiveConfig; blobs: BlobStore }): CommandHandler {
  return async (deps, msg, cmd) => {
    const reply = (text: string) => replyText(deps.gateway, msg.messageId, text, `confirm-${msg.messageId}`);
    deps.metrics.inc('commands_total', { command: 'confirm' });
    if (!msg.senderOpenId) return;
    const target = await commandTarget(deps.db, msg, cmd.args);
    if (!target.unit) return reply('请在单位工作群里发送，或写明单位编码，如「确认归档 V1 2025」');
    let year = target.year;
    if (year === undefined) {
      const years = await yearsWithUnconfirmed(deps.db, target.unit.path);
      if (years.length === 0) return reply(`${target.unit.name}没有待确认的归档材料`);
      if (years.length > 1)
        return reply(
          `${target.unit.name}有多个年度待确认：${years.map((y) => `${y.year}年度 ${y.n} 件`).join('，')}。` +
            `请发送「确认归档 ${years[years.length - 1]!.year}」`,
        );
      year = years[0]!.year;
    }
    let taskId: number | undefined;
    const code = target.rest[0];
    if (code) {
      const task = await findTaskByCode(deps.db, target.unit.id, code, year);
      if (!task) return reply(`${target.unit.name}${year}年度没有编号为 ${code} 的归档任务`);
      taskId = task.id;
    }
    const outcome = await confirmArchive(
      { db: deps.db, clock: deps.clock, rules: opts.config, blobs: opts.blobs },
      { unitId: target.unit.id, year, taskId, actor: msg.senderOpenId, source: 'chat' },
    );
    const text =
      outcome.status === 'confirmed' && outcome.message.length > 1500
        ? `${outcome.message.slice(0, 1500)}…`
        : outcome.message;
    await reply(text);
  };
}
