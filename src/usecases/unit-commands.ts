import { missingByUnitCard } from '../cards/missing-by-unit-card.js';
import { findItemsCard } from './find-items.js';
import {
  bindChoicesCard,
  allDoneCard,
  missingCard,
  noTaskListCard,
  progressCard,
  TASK_LIST_SHOWN,
  taskListCard,
} from '../cards/unit-cards.js';
import { recordBotMessage, recordSentCard, unsentCardId } from '../db/repos/bot-messages.js';
import { fileableTasksOfUnit, villageWordOf } from '../db/repos/completeness.js';
import { missingForUnit } from '../db/repos/completeness-missing.js';
import { unitProgress, type UnitProgress } from '../db/repos/completeness-progress.js';
import { unitsOfPerson } from '../db/repos/person-units.js';
import { findTasksByCode } from '../db/repos/tasks.js';
import { listUnits, type UnitRow } from '../db/repos/units.js';
import type { IncomingMessage } from '../domain/incoming.js';
import { matchUnit } from '../domain/match-unit.js';
import { outermostUnits } from '../domain/outermost-units.js';
import { normalizeTaskCode } from '../domain/task-code.js';
import { workLeft, type WorkLeft } from '../domain/task-list-state.js';
import type { CommandDeclaration, CommandHandler } from './feature.js';
import type { BotDeps } from './deps.js';
import { replyCard, replyText } from './reply-text.js';
import { townshipTasksCard } from './township-tasks.js';
import { sendTaskCard } from './task-card-send.js';
import { taskListKey } from './task-pick-action.js';
import { taskLabel, taskRef } from './file-burst.js';
import { addedOrOwnsChat, BIND_IN_GROUP } from './can-bind-chat.js';
import { messageText } from '../domain/commands.js';
import { chatWhere, sentAs } from '../domain/export-again.js';
import { progressCalled, unitCalled, unitNaming, unitsCalled, whichUnit } from './unit-naming.js';
import { leadersChatOf, unitsOfGroup, unitsOfMemberGroups } from './group-units.js';

/**
 * Which unit a command is about. In a group: the chat's bound unit, or — a leaders' chat (a unit's
 * `digestChat`, bound to none) — the unit it is for (usecases/group-units.ts), or a unit named in the
 * command inside it (a township chat asking about one of its villages); a unit named outside it is
 * refused (「东村不属于本群（甲镇）」), never answered for the group's own. Words naming two units equally
 * (two 东村 in the county's chat) are asked about (「有两个东村：…请写全」), never guessed. In a direct message: the
 * unit named in the command if the person works for it or above it, else the one unit they work for,
 * outermost and active (a county leader also a township's archivist: the county; asks when there are
 * several). Nobody reads a unit they have no role over. A unit named by the leading words
 * (unitNamedFirst) leaves the words after it as `rest` (任务 城关村 C03, 查 城关村 张三).
 */
export async function resolveUnit(
  deps: BotDeps,
  msg: IncomingMessage,
  words: string,
): Promise<{ unit?: UnitRow; rest: string }> {
  const say = async (text: string) => {
    await replyText(deps.gateway, msg.messageId, text, `which-${msg.messageId}`);
    return { rest: words };
  };
  if (msg.chatType !== 'p2p') {
    const group = await unitsOfGroup(deps.db, msg.chatId);
    if (group.length === 0) {
      await replyText(
        deps.gateway,
        msg.messageId,
        '本群还没有绑定单位。把我拉进群的本单位工作人员（或管理员）可发送「@归档助手 绑定 村名」。',
        `nounit-${msg.messageId}`,
      );
      return { rest: words };
    }
    // Matched among the group's units first: a village named like one elsewhere is this group's.
    const named = await unitNamedFirst(deps, msg, words);
    if (named && 'question' in named) return say(named.question);
    if (named && group.some((g) => named.unit.path.startsWith(g.path))) return named;
    if (named) {
      // Named as the answer names them: 「城关镇东村不属于本群（河口镇）」.
      const names = await unitsCalled(deps.db, [named.unit, ...group]);
      return say(`${names(named.unit)}不属于本群（${group.map(names).join('、')}），请私聊我查询。`);
    }
    if (group.length === 1) return { unit: group[0], rest: words };
    return say(`${leadersChatOf(group)}，请在指令后写单位名称，例如「@归档助手 进度 ${group[0]!.name}」。`);
  }
  const held = msg.senderOpenId ? await unitsOfPerson(deps.db, msg.senderOpenId) : [];
  // No role anywhere: the units of the work groups they are in (a member files there without a role).
  const mine =
    held.length === 0 && msg.senderOpenId ? await unitsOfMemberGroups(deps, msg.senderOpenId) : held;
  const asked = await unitNamedFirst(deps, msg, words);
  if (asked && 'question' in asked) return say(asked.question);
  if (asked) {
    if (mine.some((u) => asked.unit.path.startsWith(u.path))) return asked;
    const { shown } = await unitCalled(deps.db, asked.unit);
    return say(`您不是${shown}或其上级单位的工作人员，不能查看它的归档情况。`);
  }
  // A menu tap names no unit: the units they work for, those inside another of them left out, and retired
  // ones (撤并) too unless they have nothing else.
  const active = mine.filter((u) => u.status === 'active');
  const theirs = outermostUnits(active.length > 0 ? active : mine);
  if (theirs.length === 1) return { unit: theirs[0], rest: words };
  const names = await unitsCalled(deps.db, theirs.slice(0, 10));
  const list = theirs.slice(0, 10).map(names).join('、');
  return say(
    theirs.length === 0
      ? '没有找到您所在的单位：请在本村（本单位）的工作群里 @我 发送，或请管理员把您设为本单位的工作人员。'
      : `您负责多个单位（${list}），请在指令后写单位名称，例如「进度 ${theirs[0]!.name}」。`,
  );
}

/**
 * The unit the command's words begin with, and the words after it: all of them naming a unit (进度
 * 城关镇 城关村), else the longest run of leading words that does (查 城关村 张三: 城关村, 「张三」).
 * A unit is named as every command naming one reads it (unitNaming: the group's own units first, then
 * the sender's); words naming two equally (进度 东村 in the county's chat): the question which one.
 */
async function unitNamedFirst(
  deps: BotDeps,
  msg: IncomingMessage,
  words: string,
): Promise<{ unit: UnitRow; rest: string } | { question: string } | undefined> {
  const parts = words.split(/\s+/).filter(Boolean);
  if (parts.length === 0) return undefined;
  const named = await unitNaming(deps.db, msg);
  for (let n = parts.length; n >= 1; n--) {
    const said = parts.slice(0, n).join(' ');
    const picked = named(said);
    if (picked.kind === 'one') return { unit: picked.unit, rest: parts.slice(n).join(' ') };
    if (picked.kind === 'several')
      return { question: whichUnit(said, picked.units, sentAs(messageText(msg), chatWhere(msg.chatType))) };
  }
  return undefined;
}

type UnitCommand = 'tasks' | 'progress' | 'missing' | 'find' | 'bind';

/** 任务, 进度, 缺什么, 查 and 绑定: their words, audiences, help lines and handlers. */
export function unitCommands(opts: { timeZone: string }): CommandDeclaration[] {
  const handlers = unitCommandHandlers(opts);
  const declare = (d: Omit<CommandDeclaration, 'handle'> & { name: UnitCommand }): CommandDeclaration => ({
    ...d,
    handle: handlers[d.name],
  });
  return [
    declare({
      name: 'tasks',
      words: ['任务', '任务列表', 'task', 'tasks'],
      // Written alone in a group without the @ (as 帮助): answered, never the caption of nearby photos.
      bare: ['任务', '任务列表'],
      who: 'everyone',
      usage: '任务',
      help: '本单位未完成的归档任务和进度',
    }),
    declare({
      name: 'progress',
      words: ['进度', '完成情况', 'progress'],
      bare: ['进度', '完成情况'],
      who: 'everyone',
      usage: '进度',
      help: '本单位（及下级单位）的完成情况',
    }),
    declare({
      name: 'missing',
      words: ['缺什么', '缺少什么', '还缺什么', '缺', '待交', '还差什么', 'missing'],
      // Not 缺 alone: one character is too often something else.
      bare: ['缺什么', '缺少什么', '还缺什么', '待交', '还差什么'],
      who: 'everyone',
      usage: '缺什么',
      help: '还缺哪些材料，最急的排在前面',
    }),
    declare({
      name: 'bind',
      words: ['绑定', 'bind'],
      glued: { word: '绑定' },
      // The unit is chosen on the card that follows (bind-chat-action checks that unit).
      who: {
        roles: ['admin'],
        doing: '绑定单位',
        orElse: {
          who: '把我拉进群的人',
          test: async (deps, msg) =>
            msg.chatType !== 'p2p' &&
            msg.senderOpenId !== undefined &&
            (await addedOrOwnsChat(deps, msg.chatId, msg.senderOpenId)),
        },
      },
      usage: '绑定 单位名称',
      help: '把本群绑定到村/乡镇/单位',
    }),
    declare({
      name: 'find',
      words: ['查', '查找', '查询', 'find'],
      glued: { word: '查', except: /^查[看询找]/ },
      who: 'everyone',
      usage: '查 关键词/任务编号/档号/日期',
      help: '找最近提交的材料，可以更正',
    }),
  ];
}

/**
 * What is left under the unit (its subtree, as 进度 counts it): no task ever given (before its first
 * 任务清单), every task 交齐 or 免交, or something owed. A retired unit's waived tasks are not 「都已免交」:
 * its cards stay as they were (owing).
 */
async function workLeftUnder(progress: () => Promise<UnitProgress | undefined>): Promise<WorkLeft> {
  const p = await progress();
  return p && !p.retirement ? workLeft(p.counts) : { kind: 'owing' };
}

/** The unit's unitProgress, read at most once however many of an answer's cards ask for it. */
function progressOnce(deps: BotDeps, unit: UnitRow): () => Promise<UnitProgress | undefined> {
  let read: Promise<UnitProgress | undefined> | undefined;
  return () => (read ??= unitProgress(deps.db, unit.id, deps.clock.now()));
}

/**
 * 任务, 缺什么 or 进度 with no task list yet under the unit (a township's names its villages as they are
 * called). `shown`: the unit as the answer names it (unitCalled).
 */
const noListCard = async (deps: BotDeps, unit: UnitRow, shown: string): Promise<object> =>
  noTaskListCard(shown, unit.kind === 'township' ? await villageWordOf(deps.db, unit.id) : undefined);

/** 任务 or 缺什么 with nothing to list: no task list yet, or all of it done (with the counts). */
const nothingLeftCard = async (
  deps: BotDeps,
  unit: UnitRow,
  shown: string,
  w: WorkLeft,
): Promise<object | undefined> =>
  w.kind === 'not_given'
    ? noListCard(deps, unit, shown)
    : w.kind === 'all_done'
      ? allDoneCard(shown, w)
      : undefined;

function unitCommandHandlers(opts: { timeZone: string }): Record<UnitCommand, CommandHandler> {
  const tz = opts.timeZone;
  return {
    tasks: async (deps, msg, cmd) => {
      const { unit, rest } = await resolveUnit(deps, msg, cmd.args);
      if (!unit) return;
      const tasks = await fileableTasksOfUnit(deps.db, unit.id);
      const code = rest ? normalizeTaskCode(rest) : undefined;
      // Two 东村: 城关镇东村 (unitCalled), as everywhere the answer names it.
      const { shown: called } = await unitCalled(deps.db, unit);
      if (code) {
        // The newest campaign's task when several years carry the same code.
        const t = tasks
          .filter((x) => x.code === code)
          .sort((a, b) => b.dueAt.getTime() - a.dueAt.getTime() || b.campaignId - a.campaignId)[0];
        if (!t) {
          // A task waived (免交) is no longer to be handed in, but it is there: said so, not 「没有」.
          const waived = (await findTasksByCode(deps.db, unit.id, code)).find(
            (x) => x.code === code && x.state === 'waived',
          );
          return replyText(
            deps.gateway,
            msg.messageId,
            waived
              ? `${taskLabel(taskRef(waived))}已免交，不用再交。`
              : `${called}没有编号为 ${code} 的任务。`,
            `task-${msg.messageId}`,
          );
        }
        await sendTaskCard(
          deps,
          { replyTo: msg.messageId, chatId: msg.chatId, key: `task-${msg.messageId}` },
          unit,
          t,
          tz,
        );
        return;
      }
      // A township's villages and a list all done both read the unit's progress: once.
      const progress = progressOnce(deps, unit);
      const key = taskListKey(msg.messageId);
      // Its menu sends the card of a task it listed (task-pick-action.ts), in this chat only. Recorded
      // before the send, under the send's key (the menu's value names it): a tap that comes back before
      // Lark's answer to the send is recorded, or when recording that answer fails, still finds its list.
      const shown = tasks.filter((t) => t.state !== 'complete').slice(0, TASK_LIST_SHOWN);
      if (shown.length > 0)
        await recordBotMessage(
          deps.db,
          {
            messageId: unsentCardId(key),
            chatId: msg.chatId,
            purpose: 'task_list',
            unitId: unit.id,
            taskIds: shown.map((t) => t.taskId),
          },
          deps.clock.now(),
        );
      const list = await replyCard(
        deps.gateway,
        msg.messageId,
        (await townshipTasksCard(deps, unit, tasks, tz, progress, msg.messageId)) ||
          (tasks.every((t) => t.state === 'complete') &&
            (await nothingLeftCard(deps, unit, called, await workLeftUnder(progress)))) ||
          taskListCard(called, tasks, tz, [], unit.id, msg.messageId),
        key,
      );
      if (shown.length > 0) await recordSentCard(deps.db, key, list);
    },
    progress: async (deps, msg, cmd) => {
      const { unit } = await resolveUnit(deps, msg, cmd.args);
      if (!unit) return;
      const read = await unitProgress(deps.db, unit.id, deps.clock.now());
      if (!read) return;
      // The unit and its villages named as answers name them (two 东村: 城关镇东村), read once.
      const { progress: p } = await progressCalled(deps.db, read);
      await replyCard(
        deps.gateway,
        msg.messageId,
        p.counts.total === 0 && !p.retirement
          ? await noListCard(deps, unit, p.unit.name)
          : progressCard(p, tz, deps.clock.now(), {
              children:
                unit.kind === 'county'
                  ? '乡镇'
                  : unit.kind === 'township'
                    ? await villageWordOf(deps.db, unit.id)
                    : '下级单位',
              pageUrl: deps.pageUrl?.(`/units/${unit.id}`),
            }),
        `progress-${msg.messageId}`,
      );
    },
    missing: async (deps, msg, cmd) => {
      const { unit } = await resolveUnit(deps, msg, cmd.args);
      if (!unit) return;
      // A township's or a county's: grouped by village (a county's under their townships), for a leader,
      // the first few of each: read deeper, so that more than the most urgent village or two are there.
      const above = unit.kind === 'township' || unit.kind === 'county';
      const list = await missingForUnit(deps.db, unit.id, deps.clock.now(), {
        limit: above ? 200 : 30,
        timeZone: tz,
      });
      // The unit and those its tasks belong to, named as answers name them (two 东村: 城关镇东村), read once.
      const names = await unitsCalled(deps.db, [
        unit,
        ...list.items.map((m) => ({ id: m.unitId, name: m.unitName })),
      ]);
      await replyCard(
        deps.gateway,
        msg.messageId,
        (list.total === 0 &&
          (await nothingLeftCard(deps, unit, names(unit), await workLeftUnder(progressOnce(deps, unit))))) ||
          (above
            ? missingByUnitCard(unit, list, tz, {
                children: unit.kind === 'county' ? '乡镇' : await villageWordOf(deps.db, unit.id),
                pageUrl: deps.pageUrl?.(`/units/${unit.id}`),
                names,
                where: chatWhere(msg.chatType),
              })
            : missingCard(unit, list, tz, names)),
        `missing-${msg.messageId}`,
      );
    },
    find: async (deps, msg, cmd) => {
      // 查 张三 / 查 H01-02 / 查 5月6日 / 查 城关村 张三 (a direct chat: the unit first, then the words):
      // the unit's items, each with 更正. A group searches its own unit (and below) for all the words.
      const direct = msg.chatType === 'p2p';
      const { unit, rest } = await resolveUnit(deps, msg, direct ? cmd.args : '');
      if (!unit) return;
      await replyCard(
        deps.gateway,
        msg.messageId,
        await findItemsCard(deps, unit, direct ? rest : cmd.args, 0, msg.senderOpenId),
        `find-${msg.messageId}`,
      );
    },
    bind: async (deps, msg, cmd) => {
      if (msg.chatType === 'p2p') {
        return replyText(deps.gateway, msg.messageId, BIND_IN_GROUP, `bind-${msg.messageId}`);
      }
      if (!cmd.args)
        return replyText(
          deps.gateway,
          msg.messageId,
          `请写上单位名称或代码，例如「${sentAs('绑定 城关村', 'group')}」。`,
          `bind-${msg.messageId}`,
        );
      const choices = matchUnit(cmd.args, await listUnits(deps.db), 5).map((m) => m.unit);
      await replyCard(
        deps.gateway,
        msg.messageId,
        bindChoicesCard(cmd.args, choices),
        `bind-${msg.messageId}`,
      );
    },
  };
}
