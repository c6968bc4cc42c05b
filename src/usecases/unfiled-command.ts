import { CARD_AGAIN } from '../cards/actions.js';
import { unfiledCard, type UnfiledLine } from '../cards/unfiled-card.js';
import { isSetAside, partsOfCard } from '../db/repos/burst-split.js';
import { getBurst, type BurstRow } from '../db/repos/bursts.js';
import { itemForCorrection } from '../db/repos/correction-items.js';
import { getLiveFilingOfBurst } from '../db/repos/filings.js';
import { burstWhollyRecalled } from '../db/repos/message-recalls.js';
import { personNames } from '../db/repos/reminder-audience.js';
import { oneCardEach, unfiledBursts, type UnfiledBurst } from '../db/repos/unfiled-bursts.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { partsIn } from '../domain/working-days.js';
import { DomainError } from '../errors.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import { cardAction, type CommandDeclaration, type DeclaredCardAction } from './feature.js';
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
 * One line per burst the officer sent: a split burst's parts still waiting are one line (「3 份，分开交，
 * 还差 2 份」, as its one parts card shows them), at its first part still waiting, whose 选任务 sends
 * the parts card again.
 */
interface ListEntry {
  burst: UnfiledBurst;
  parts?: { total: number; waiting: number };
}

async function entries(deps: BotDeps, bursts: UnfiledBurst[]): Promise<ListEntry[]> {
  const waiting = new Map<string, number>();
  for (const b of bursts) if (b.partsCard) waiting.set(b.partsCard, (waiting.get(b.partsCard) ?? 0) + 1);
  const out: ListEntry[] = [];
  for (const b of oneCardEach(bursts))
    out.push(
      b.partsCard
        ? {
            burst: b,
            parts: {
              total: (await partsOfCard(deps.db, b.partsCard)).length,
              waiting: waiting.get(b.partsCard)!,
            },
          }
        : { burst: b },
    );
  return out;
}

async function lines(deps: BotDeps, list: ListEntry[], withChat: boolean) {
  const { timeZone } = deps;
  const bursts = list.map((e) => e.burst);
  const names = await personNames(
    deps.db,
    bursts.map((b) => b.senderOpenId),
  );
  const chatNames = new Map<string, string>();
  if (withChat)
    for (const chatId of new Set(bursts.map((b) => b.chatId)))
      chatNames.set(chatId, (await unitOfChat(deps.db, chatId))?.name ?? '群聊');
  const now = deps.clock.now();
  return list.map(({ burst: b, parts }): UnfiledLine => {
    const p = partsIn(b.firstAt, timeZone);
    return {
      burstId: b.id,
      when: `${dayLabel(b.firstAt, now, timeZone)} ${p.hour}:${p.minute}`,
      senderName: names.get(b.senderOpenId) ?? '群成员',
      what: parts ? `${parts.total} 份，分开交，还差 ${parts.waiting} 份` : what(b),
      ...(withChat ? { chatName: chatNames.get(b.chatId) } : {}),
    };
  });
}

/**
 * 未归档: in a group, the bursts of this chat nobody filed; in a direct message, the asker's own
 * across their chats. Each line has 选任务, which sends the burst's card again.
 */
export function unfiledCommand(): CommandDeclaration {
  return {
    name: 'unfiled',
    words: ['未归档', '没归档', '未交', 'unfiled'],
    who: 'everyone',
    usage: '未归档',
    help: '还没交到任务里的材料，可以重新选任务',
    handle: async (deps, msg) => {
      const uuid = `unfiled-${msg.messageId}`;
      let bursts: UnfiledBurst[];
      let scope: string;
      if (msg.chatType === 'p2p') {
        if (!msg.senderOpenId) return;
        bursts = await unfiledBursts(deps.db, { senderOpenId: msg.senderOpenId, limit: 200 });
        scope = '您发的材料中，';
      } else {
        const unit = await unitOfChat(deps.db, msg.chatId);
        if (!unit)
          return replyText(
            deps.gateway,
            msg.messageId,
            '本群还没有绑定单位，绑定后才能把材料交到任务里。把我拉进群的人（或管理员）可发送「@归档助手 绑定 村名」。',
            uuid,
          );
        bursts = await unfiledBursts(deps.db, { chatIds: [msg.chatId], limit: 200 });
        scope = '本群';
      }
      const list = await entries(deps, bursts);
      await replyCard(
        deps.gateway,
        msg.messageId,
        unfiledCard({
          lines: await lines(deps, list.slice(0, LIST_MAX), msg.chatType === 'p2p'),
          total: list.length,
          scope,
        }),
        uuid,
      );
    },
  };
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
  if (await isSetAside(deps.db, burst.id)) return '这组材料已标记为不用交';
  return '这组材料现在不用选任务了，请重新发送「未归档」看看';
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
