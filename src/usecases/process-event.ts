import type { Db } from '../db/client.js';
import type { IncomingEvent, IncomingMessage } from '../domain/incoming.js';
import { isChatter } from '../domain/chatter.js';
import { messageText, type Command } from '../domain/commands.js';
import { recordChatJoined, recordChatLeft } from '../db/repos/chats.js';
import type { Logger } from '../logger.js';
import { ChatActivity } from './chat-activity.js';
import { recallMessage } from './recall-message.js';
import type { BotDeps } from './deps.js';
import type { MessageUse } from './feature.js';
import type { CommandRegistry } from './handle-command.js';

/** What the features do with events (composed from their declarations: feature-registry.ts). */
export interface EventHooks {
  commands?: CommandRegistry;
  /**
   * Called for every user message (capture of materials, captions, notes); `finishIn` marks the event
   * done in the transaction that records the message (see `Feature.onMessage`).
   */
  onMessage?: (
    deps: BotDeps,
    msg: IncomingMessage,
    log: Logger,
    use: MessageUse,
    finishIn?: (tx: Db) => Promise<void>,
  ) => Promise<void>;
  /** A feature keeps a direct text naming no command as a possible caption (Feature.holdsUnclearText). */
  holdsUnclearText?: boolean;
  onBotAdded?: (deps: BotDeps, e: Extract<IncomingEvent, { kind: 'bot_added' }>) => Promise<void>;
  onBotRemoved?: (deps: BotDeps, e: Extract<IncomingEvent, { kind: 'bot_removed' }>) => Promise<void>;
}

export interface EventRow {
  /**
   * Marks the event's row done inside a transaction of its handling (the worker's `RowDone`): a
   * message's event goes done with the transaction that records the message, unless it is a command.
   */
  finishIn?: (tx: Db) => Promise<void>;
  /** This process's record of chat activity (a new one per call when not given: every message writes). */
  chats?: ChatActivity;
}

/**
 * How a user message is taken. A text to the bot naming no command (in a direct chat, or after the @ in
 * a group: 「@归档助手 #C03 村两委会议照片」 after photos, as the help card asks) may be the caption of the
 * sender's photos: `unclear` when a feature holds such texts, answered only when no materials are around
 * it. A text that only acknowledges (「好的」), or in a group one that only asks someone else to look
 * (「@张会计 你看下」), is `chatter`: kept, never a caption (domain/chatter.ts; one holding a task code,
 * 「@张会计 #C05 会议照片」, is always a caption). `botOpenId`: the bot's, not someone else.
 */
function messageUse(
  msg: IncomingMessage,
  cmd: Command | undefined,
  holdsUnclearText: boolean,
  botOpenId?: string,
): MessageUse {
  const others = msg.mentions.filter((m) => !m.openId || m.openId !== botOpenId);
  if (cmd) {
    if (cmd.name !== 'unknown' || !holdsUnclearText) return 'command';
    return isChatter(cmd.text, others) ? 'chatter' : 'unclear';
  }
  if (msg.msgType !== 'text') return 'message';
  return isChatter(messageText(msg), others) ? 'chatter' : 'message';
}

/**
 * The worker's step for one stored event. Handlers are idempotent (unique keys, Lark uuids):
 * a retry after a crash repeats nothing that already happened.
 */
export async function processEvent(
  deps: BotDeps,
  event: IncomingEvent,
  log: Logger,
  hooks: EventHooks = {},
  row: EventRow = {},
): Promise<'done' | 'ignored'> {
  switch (event.kind) {
    case 'message': {
      const msg = event.message;
      if (msg.senderType !== 'user') return 'ignored';
      await (row.chats ?? new ChatActivity()).note(deps.db, deps.clock, {
        chatId: msg.chatId,
        chatType: msg.chatType,
        at: msg.sentAt,
      });
      const botOpenId = await deps.botOpenId();
      const cmd = hooks.commands?.parse(msg, botOpenId);
      const use = messageUse(msg, cmd, hooks.holdsUnclearText === true, botOpenId);
      // A command is done only after its handler ran: its event is finished by the worker afterwards.
      await hooks.onMessage?.(deps, msg, log, use, use === 'command' ? undefined : row.finishIn);
      if (cmd && use === 'command') await hooks.commands!.handle(deps, msg, cmd);
      return 'done';
    }
    case 'bot_added': {
      // Out of order (Lark delivers a push again when the first was not taken): a membership change
      // older than the one recorded changes nothing, and tells nobody.
      const latest = await recordChatJoined(deps.db, {
        chatId: event.chatId,
        name: event.chatName,
        addedBy: event.operatorOpenId,
        at: event.at,
      });
      log.info({ chatId: event.chatId, latest }, 'bot added to chat');
      if (latest) await hooks.onBotAdded?.(deps, event);
      return latest ? 'done' : 'ignored';
    }
    case 'bot_removed': {
      const latest = await recordChatLeft(deps.db, { chatId: event.chatId, at: event.at });
      log.info({ chatId: event.chatId, latest }, 'bot removed from chat');
      if (latest) await hooks.onBotRemoved?.(deps, event);
      return latest ? 'done' : 'ignored';
    }
    case 'members_changed':
      // Only this process's cache: another instance learns it at its next read of the list.
      deps.gateway.membersChanged(event.chatId, { joined: event.joined, left: event.left });
      log.info(
        { chatId: event.chatId, joined: event.joined.length, left: event.left.length },
        'chat members changed',
      );
      return 'done';
    case 'recall':
      await recallMessage(deps, event.recall, log);
      return 'done';
    case 'menu':
      if (!hooks.commands) return 'ignored';
      await hooks.commands.menu(deps, event);
      return 'done';
    case 'card_action':
      // Answered synchronously at intake; the stored row is the audit trail.
      return 'done';
    default:
      return 'ignored';
  }
}
