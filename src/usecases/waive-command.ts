import { findTasksByCode } from '../db/repos/tasks.js';
import type { WaiverMade } from './waiver-follow-up.js';
import type { UnitRow } from '../db/repos/units.js';
import type { Command } from '../domain/commands.js';
import { chatWhere, sentAs } from '../domain/export-again.js';
import type { IncomingMessage } from '../domain/incoming.js';
import { normalizeTaskCode } from '../domain/task-code.js';
import { waiveTarget } from '../domain/waive-target.js';
import { commandTarget, targetOrQuestion } from './command-target.js';
import type { BotDeps } from './deps.js';
import type { CommandDeclaration, CommandHandler, RoleAudience, UnitQuestion } from './feature.js';
import { taskLabel, taskRef } from './file-burst.js';
import { replyText } from './reply-text.js';
import { waiveTask } from './waive-task.js';
import { unitCalled } from './unit-naming.js';

/** 「免交 [单位] [年度] 任务编号 原因」: the words before the task code name the unit and year, the rest is the reason. */
interface WaiveWords {
  unit?: UnitRow | UnitQuestion;
  year?: number;
  code?: string;
  reason: string;
}

const YEAR = /^((?:19|20)\d{2})年?度?$/;

async function waiveWords(deps: BotDeps, msg: IncomingMessage, cmd: Command): Promise<WaiveWords> {
  const words = cmd.args.split(' ').filter(Boolean);
  const at = words.findIndex((w) => normalizeTaskCode(w.replace(/^[#＃]/, '')) !== undefined);
  const head = at < 0 ? words : words.slice(0, at);
  let tail = at < 0 ? [] : words.slice(at + 1);
  // The reason is free text: only the words before the code are read as a unit or a year, so a
  // reason that names a village (「东村已合并」) is not taken for one. A year right after the code is.
  const yearAfter = YEAR.exec(tail[0] ?? '');
  if (yearAfter) tail = tail.slice(1);
  const target = await commandTarget(deps.db, msg, head.join(' '));
  return {
    unit: targetOrQuestion(target, msg, cmd.text),
    year: target.year ?? (yearAfter ? Number(yearAfter[1]) : undefined),
    code: at < 0 ? undefined : normalizeTaskCode(words[at]!.replace(/^[#＃]/, '')),
    reason: tail.join(' ').trim(),
  };
}

/** Archivists, leaders and admins of the unit or above: who waiveTask lets set or lift a 免交. */
const whoWaives = (doing: string): RoleAudience => ({
  roles: ['archivist', 'leader', 'admin'],
  doing,
  unit: async (deps, msg, cmd) => (await waiveWords(deps, msg, cmd)).unit,
});

/** schedules.yaml's quiet hours: the follow-up line to the unit's other chats waits for their end. */
type WaiverQuiet = NonNullable<WaiverMade['quiet']>;

function waiveHandler(want: 'waived' | 'open', wakeJobs: () => void, quiet?: WaiverQuiet): CommandHandler {
  const word = want === 'waived' ? '免交' : '恢复任务';
  return async (deps, msg, cmd, access) => {
    const reply = (text: string) => replyText(deps.gateway, msg.messageId, text, `waive-${msg.messageId}`);
    deps.metrics.inc('commands_total', { command: want === 'waived' ? 'waive' : 'unwaive' });
    const where = chatWhere(msg.chatType);
    const example = (unitName: string | undefined, code = 'C03', year?: number) =>
      sentAs(
        [word, unitName, code, year, want === 'waived' ? '本年度不开展' : undefined]
          .filter(Boolean)
          .join(' '),
        where,
      );
    const w = await waiveWords(deps, msg, cmd);
    // The dispatcher checked the sender's role on this unit.
    const unit = access.unit;
    if (!unit) return reply(`请在单位工作群里发送，或写上单位名称，如「${example('东村')}」`);
    // Two 东村: named apart (城关镇东村), in the text and in the command to send.
    const called = await unitCalled(deps.db, unit);
    const named = where === 'direct' ? called.asked : undefined;
    if (!w.code)
      return reply(
        `请写上任务编号，如「${example(named)}」。任务编号可发送「${sentAs('任务', where)}」查看。`,
      );
    if (want === 'waived' && !w.reason)
      return reply(`请写明免交原因，如「${example(named, w.code, w.year)}」`);
    const found = await findTasksByCode(deps.db, unit.id, w.code);
    const pick = waiveTarget(
      found.map((t) => ({ ...t, year: t.campaignYear })),
      w.code,
      want,
      w.year,
    );
    switch (pick.kind) {
      case 'none':
        return reply(`${called.shown}${w.year ? `${w.year}年度` : ''}没有编号为 ${w.code} 的任务`);
      case 'household_item':
        return reply(`${w.code} 是每户各一项的任务，请写上户号，如「${example(named, pick.example)}」`);
      case 'already':
        return reply(`${taskLabel(taskRef(pick.task))}${want === 'waived' ? '已是免交' : '本来就不是免交'}`);
      case 'years':
        return reply(
          `${called.shown}有多个年度的 ${w.code}（${pick.years.join('、')}），` +
            `请写上年度，如「${example(named, w.code, pick.years[0])}」`,
        );
    }
    const res = await waiveTask(quiet ? { ...deps, quiet } : deps, {
      taskId: pick.task.id,
      actorOpenId: msg.senderOpenId ?? '',
      reason: w.reason,
      source: 'chat',
      waive: want === 'waived',
      chatId: msg.chatId,
    });
    // Its cards drawn again and the unit's other chats told (followUpWaiver): now, not at the next poll.
    if (res.status === 'waived' || res.status === 'unwaived') wakeJobs();
    // Two 东村: which one's task, named apart (「城关镇东村的「C03 …」已设为免交」).
    const whose = res.status !== 'refused' && called.shown !== unit.name ? `${called.shown}的` : '';
    if (res.status === 'waived') return reply(`${whose}${res.message}。这项不再催交，算作完成。`);
    if (res.status === 'unwaived')
      return reply(
        `${whose}${res.message}。还没交到任务的材料，可发送「${sentAs('未归档', where)}」交到这项任务。`,
      );
    return reply(`${whose}${res.message}`);
  };
}

/**
 * 免交 and 恢复任务 in chat: an archivist (or leader) waives a task that does not apply this year, also one
 * with nothing filed, and restores one waived by mistake — what the officers are told to ask for
 * (「请档案员恢复这项任务」), without the IT person's `archive waive`.
 */
export function waiveCommands(o: { wakeJobs: () => void; quiet?: WaiverQuiet }): CommandDeclaration[] {
  return [
    {
      name: 'waive',
      words: ['免交', 'waive'],
      who: whoWaives('设置免交'),
      usage: '免交 任务编号 原因',
      help: '这项任务不用交了（写明原因），算作完成',
      handle: waiveHandler('waived', o.wakeJobs, o.quiet),
    },
    {
      name: 'unwaive',
      words: ['恢复任务', '取消免交', 'unwaive'],
      who: whoWaives('恢复免交的任务'),
      usage: '恢复任务 任务编号',
      help: '把免交的任务恢复为需要交',
      handle: waiveHandler('open', o.wakeJobs, o.quiet),
    },
  ];
}
