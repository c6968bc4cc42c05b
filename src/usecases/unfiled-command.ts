import { CARD_AGAIN, UNFILED_PAGE } from '../cards/actions.js';
import { unfiledCard, type UnfiledLine } from '../cards/unfiled-card.js';
import { partsOfCard } from '../db/repos/burst-split.js';
import { setAsideNamed } from './set-aside-by.js';
import { getBurst, type BurstRow } from '../db/repos/bursts.js';
import { taskListStateOf, taskListStates } from '../db/repos/completeness.js';
import { itemForCorrection } from '../db/repos/correction-items.js';
import { getLiveFilingOfBurst } from '../db/repos/filings.js';
import { burstWhollyRecalled } from '../db/repos/message-recalls.js';
import {
  unfiledBursts,
  unfiledCardsPage,
  type UnfiledBurst,
  type UnfiledCard,
} from '../db/repos/unfiled-bursts.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { noOpenTaskChoose } from '../domain/no-tasks-yet.js';
import type { TaskListState } from '../domain/task-list-state.js';
import { partsIn } from '../domain/working-days.js';
import { DomainError } from '../errors.js';
import type { CardResponse } from './card-response.js';
import { chatMemberNames } from './chat-member-names.js';
import type { BotDeps } from './deps.js';
import { cardAction, type CommandDeclaration, type DeclaredCardAction } from './feature.js';
import { leadersChatOf, leadersChatUnits } from './group-units.js';
import { cardAgainUuid, dayLabel, sendFilingCardAgain, type CardAgainDeps } from './filing-card-again.js';
import { itemTaskLabel } from './item-facts.js';
import { replyCard, replyText } from './reply-text.js';
import { countsText } from '../domain/burst-summary.js';

/** The options the filing feature gives: what presenting a burst needs. */
export type UnfiledOptions = Omit<CardAgainDeps, keyof BotDeps>;

const LIST_MAX = 10;

/** 「3张照片、1个文件」, 「1段语音」, 「1个视频」: each kind in the words the burst's card used. */
const what = (b: UnfiledBurst): string =>
  countsText(
    {
      photo: b.photos,
      document: b.stored - b.photos - b.audio - b.videos,
      audio: b.audio,
      video: b.videos,
    },
    '',
  );

/**
 * One page of the list: one line per burst the officer sent (a split burst's parts still waiting are
 * one line, 「3 份，分开交，还差 2 份」, as its one parts card shows them, at its first part still
 * waiting, whose 选任务 sends the parts card again), after the line of burst `after`.
 */
async function listCard(
  deps: BotDeps,
  who: { chatId: string } | { senderOpenId: string },
  after?: number,
): Promise<object> {
  const direct = 'senderOpenId' in who;
  const page = await unfiledCardsPage(
    deps.db,
    direct ? { senderOpenId: who.senderOpenId } : { chatIds: [who.chatId] },
    { after, limit: LIST_MAX },
  );
  const last = page.cards.at(-1)?.burst.id ?? after;
  return unfiledCard({
    lines: await lines(deps, page.cards, direct),
    total: page.total,
    before: page.before,
    scope: direct ? '您发的材料中，' : '本群',
    next: UNFILED_PAGE.value({ p: last, ...(direct ? { d: 1 as const } : {}) }),
    first: UNFILED_PAGE.value(direct ? { d: 1 } : {}),
  });
}

async function lines(deps: BotDeps, list: UnfiledCard[], withChat: boolean) {
  const { timeZone } = deps;
  const bursts = list.map((e) => e.burst);
  // Senders never registered are named as their group knows them (Lark's member list of the chat).
  const names = await chatMemberNames(
    deps,
    bursts.map((b) => ({ openId: b.senderOpenId, chatId: b.chatId })),
  );
  const unitNames = new Map<string, string>();
  const unitIds = new Map<string, number>();
  for (const chatId of new Set(bursts.map((b) => b.chatId))) {
    const unit = await unitOfChat(deps.db, chatId);
    if (unit) unitNames.set(chatId, unit.name);
    if (unit) unitIds.set(chatId, unit.id);
  }
  const states = await taskListStates(deps.db, [...new Set(unitIds.values())]);
  const now = deps.clock.now();
  return list.map(({ burst: b, parts }): UnfiledLine => {
    const p = partsIn(b.firstAt, timeZone);
    return {
      burstId: b.id,
      when: `${dayLabel(b.firstAt, now, timeZone)} ${p.hour}:${p.minute}`,
      senderName: names.get(b.senderOpenId) ?? '群成员',
      what: parts ? `${parts.total} 份，分开交，还差 ${parts.waiting} 份` : what(b),
      ...(withChat ? { chatName: unitNames.get(b.chatId) ?? '群聊', unitName: unitNames.get(b.chatId) } : {}),
      ...noTaskOf(states.get(unitIds.get(b.chatId) ?? -1)),
    };
  });
}

/** A line's `noTask` when its chat's unit has no open task (none given yet, or all waived). */
const noTaskOf = (s: TaskListState | undefined): Pick<UnfiledLine, 'noTask'> =>
  s?.kind === 'open' ? {} : { noTask: s ?? { kind: 'not_given' } };

/**
 * 未归档: in a group, the bursts of this chat nobody filed; in a direct message, the asker's own
 * across their chats. Each line has 选任务, which sends the burst's card again.
 */
export function unfiledCommand(): CommandDeclaration {
  return {
    name: 'unfiled',
    words: ['未归档', '没归档', '未交', 'unfiled'],
    // Written alone in the group without the @ (as 帮助): the officer asking what waits heard nothing.
    bare: ['未归档'],
    who: 'everyone',
    usage: '未归档',
    help: '还没交到任务里的材料，可以重新选任务',
    handle: async (deps, msg) => {
      const uuid = `unfiled-${msg.messageId}`;
      if (msg.chatType === 'p2p') {
        if (!msg.senderOpenId) return;
        await replyCard(
          deps.gateway,
          msg.messageId,
          await listCard(deps, { senderOpenId: msg.senderOpenId }),
          uuid,
        );
        return;
      }
      if (!(await unitOfChat(deps.db, msg.chatId))) {
        // A leaders' chat is not told to bind itself (it would become a work group, reminded and 督办).
        const leaders = await leadersChatUnits(deps.db, msg.chatId);
        return replyText(
          deps.gateway,
          msg.messageId,
          leaders.length > 0
            ? `${leadersChatOf(leaders)}，这里的材料不交到任务里。要交的话，请转发到本村（本单位）的工作群。`
            : '本群还没有绑定单位，绑定后才能把材料交到任务里。把我拉进群的本单位工作人员（或管理员）可发送「@归档助手 绑定 村名」。',
          uuid,
        );
      }
      await replyCard(deps.gateway, msg.messageId, await listCard(deps, { chatId: msg.chatId }), uuid);
    },
  };
}

/**
 * 下一页 / 回到第一页 on the 未归档 list: the list card drawn in place at that page, as things are now
 * (the tapping officer's own list from a direct chat, else the tapped chat's).
 */
export function unfiledPageAction(): DeclaredCardAction {
  return cardAction({
    type: UNFILED_PAGE,
    handle: async (deps, a): Promise<CardResponse> => {
      const who = a.value.d
        ? { senderOpenId: a.operatorOpenId }
        : a.chatId
          ? { chatId: a.chatId }
          : undefined;
      if (!who) throw new DomainError('bad_action', '这个按钮已失效，请重新发送「未归档」');
      return { card: { type: 'raw', data: await listCard(deps, who, a.value.p) } };
    },
  });
}

/**
 * The burst a 选任务 line brings up now: itself, or for a part of a split burst any part still waiting
 * (the line stands for them all and its parts card is sent again); undefined when none waits.
 */
async function waitingOf(deps: BotDeps, burst: BurstRow): Promise<number | undefined> {
  const parts = burst.ackMessageId ? await partsOfCard(deps.db, burst.ackMessageId) : [];
  const [waiting] = await unfiledBursts(deps.db, { burstIds: parts.length ? parts : [burst.id], limit: 1 });
  return waiting?.id;
}

/**
 * Why a stale line of the 未归档 list (the list is not drawn again) has nothing to choose any more:
 * recalled, filed (and where), set aside, or a split burst's parts all dealt with.
 */
async function whyNotWaiting(deps: BotDeps, burst: BurstRow): Promise<string> {
  if (burst.ackMessageId && (await partsOfCard(deps.db, burst.ackMessageId)).length)
    return '这组材料分开交的几份都已处理完，不用再选任务';
  if (await burstWhollyRecalled(deps.db, burst.id)) return '这组材料已撤回，不用再交';
  const live = await getLiveFilingOfBurst(deps.db, burst.id);
  const item = live && (await itemForCorrection(deps.db, live.id));
  if (item) return `这组材料已经交到${itemTaskLabel(item)}`;
  const aside = await setAsideNamed(deps, burst);
  if (aside) return `这组材料已${aside.by ? `由${aside.by}` : ''}标记为不用交`;
  return '这组材料现在不用选任务了，请重新发送「未归档」看看';
}

/**
 * Why the chat's unit has no open task, something its materials can be filed to, as told where the
 * button was tapped (`direct`: a direct chat with the bot, which is no 本群: the unit named); undefined
 * when it has one.
 */
async function noTaskOfChat(deps: BotDeps, chatId: string, direct: boolean): Promise<string | undefined> {
  const unit = await unitOfChat(deps.db, chatId);
  const state = unit ? await taskListStateOf(deps.db, unit.id) : { kind: 'not_given' as const };
  return state.kind === 'open' ? undefined : noOpenTaskChoose(state, direct ? unit?.name : undefined);
}

/**
 * 选任务 on the 未归档 list: the burst's card again, under its first message. A line gone stale
 * (recalled, filed or set aside since the list was sent) says so instead.
 */
export function cardAgainAction(o: UnfiledOptions): DeclaredCardAction {
  return cardAction({
    type: CARD_AGAIN,
    handle: async (deps, a): Promise<CardResponse> => {
      const burst = await getBurst(deps.db, a.value.b);
      // From the burst's own chat, or by its sender from their direct chat with the bot.
      if (!burst || (a.chatId !== burst.chatId && a.operatorOpenId !== burst.senderOpenId))
        throw new DomainError('bad_action', '这个按钮已失效，请重新发送「未归档」');
      const burstId = await waitingOf(deps, burst);
      // Its unit has no task yet (a list drawn before, or one across chats): a card again would offer
      // nothing to choose.
      const noTask =
        burstId === undefined ? undefined : await noTaskOfChat(deps, burst.chatId, a.chatId !== burst.chatId);
      if (noTask) return { toast: { type: 'info', content: noTask } };
      const sent =
        burstId !== undefined &&
        (await sendFilingCardAgain(
          { ...deps, ...o },
          {
            burstId,
            reason: 'asked',
            // Keyed by the tap: its job running it again after a lost answer gets Lark's first card back.
            uuid: cardAgainUuid(
              burstId,
              `asked:${a.messageId ?? ''}:${a.callbackId ?? deps.clock.now().getTime()}`,
            ),
          },
          deps.logger,
        ));
      return sent
        ? { toast: { type: 'success', content: '已在原消息下面发出选择卡片' } }
        : { toast: { type: 'info', content: await whyNotWaiting(deps, burst) } };
    },
  });
}
