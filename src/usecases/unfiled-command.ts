import { CARD_AGAIN } from '../cards/actions.js';
import { unfiledCard, type UnfiledLine } from '../cards/unfiled-card.js';
import { getBurst } from '../db/repos/bursts.js';
import { personNames } from '../db/repos/reminder-audience.js';
import { unfiledBursts, type UnfiledBurst } from '../db/repos/unfiled-bursts.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { partsIn } from '../domain/working-days.js';
import { DomainError } from '../errors.js';
import type { CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import { cardAction, type CommandDeclaration, type DeclaredCardAction } from './feature.js';
import { cardAgainUuid, dayLabel, sendFilingCardAgain, type CardAgainDeps } from './filing-card-again.js';
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

async function lines(deps: BotDeps, bursts: UnfiledBurst[], withChat: boolean) {
  const { timeZone } = deps;
  const names = await personNames(
    deps.db,
    bursts.map((b) => b.senderOpenId),
  );
  const chatNames = new Map<string, string>();
  if (withChat)
    for (const chatId of new Set(bursts.map((b) => b.chatId)))
      chatNames.set(chatId, (await unitOfChat(deps.db, chatId))?.name ?? '群聊');
  const now = deps.clock.now();
  return bursts.map((b): UnfiledLine => {
    const p = partsIn(b.firstAt, timeZone);
    return {
      burstId: b.id,
      when: `${dayLabel(b.firstAt, now, timeZone)} ${p.hour}:${p.minute}`,
      senderName: names.get(b.senderOpenId) ?? '群成员',
      what: what(b),
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
      const shown = bursts.slice(0, LIST_MAX);
      await replyCard(
        deps.gateway,
        msg.messageId,
        unfiledCard({
          lines: await lines(deps, shown, msg.chatType === 'p2p'),
          total: bursts.length,
          scope,
        }),
        uuid,
      );
    },
  };
}

/** 选任务 on the 未归档 list: the burst's card again, under its first message. */
export function cardAgainAction(o: UnfiledOptions): DeclaredCardAction {
  return cardAction({
    type: CARD_AGAIN,
    handle: async (deps, a): Promise<CardResponse> => {
      const burst = await getBurst(deps.db, a.value.b);
      // From the burst's own chat, or by its sender from their direct chat with the bot.
      if (!burst || (a.chatId !== burst.chatId && a.operatorOpenId !== burst.senderOpenId))
        throw new DomainError('bad_action', '这个按钮已失效，请重新发送「未归档」');
      const sent = await sendFilingCardAgain(
        { ...deps, ...o },
        {
          burstId: burst.id,
          reason: 'asked',
          // Keyed by the tap: its job running it again after a lost answer gets Lark's first card back.
          uuid: cardAgainUuid(
            burst.id,
            `asked:${a.messageId ?? ''}:${a.callbackId ?? deps.clock.now().getTime()}`,
          ),
        },
        deps.logger,
      );
      return sent
        ? { toast: { type: 'success', content: '已在原消息下面发出选择卡片' } }
        : { toast: { type: 'info', content: '这组材料已经交到任务里，或已标记为不用交' } };
    },
  });
}
