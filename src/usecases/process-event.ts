import type { IncomingEvent, IncomingMessage } from '../domain/incoming.js';
import { recordChatJoined, recordChatLeft, touchChat } from '../db/repos/chats.js';
import type { Logger } from '../logger.js';
import type { BotDeps } from './deps.js';
import type { CommandRegistry } from './handle-command.js';

/** What the features do with events (composed from their declarations: feature-registry.ts). */
export interface EventHooks {
  commands?: CommandRegistry;
  /** Called for every user message (capture of materials, captions, notes). */
  onMessage?: (deps: BotDeps, msg: IncomingMessage, log: Logger, isCommand: boolean) => Promise<void>;
  onBotAdded?: (deps: BotDeps, e: Extract<IncomingEvent, { kind: 'bot_added' }>) => Promise<void>;
  onBotRemoved?: (deps: BotDeps, e: Extract<IncomingEvent, { kind: 'bot_removed' }>) => Promise<void>;
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
): Promise<'done' | 'ignored'> {
  switch (event.kind) {
    case 'message': {
      const msg = event.message;
      if (msg.senderType !== 'user') return 'ignored';
      await touchChat(deps.db, { chatId: msg.chatId, chatType: msg.chatType, at: msg.sentAt });
      const cmd = hooks.commands?.parse(msg, await deps.botOpenId());
      await hooks.onMessage?.(deps, msg, log, cmd !== undefined);
      if (cmd) await hooks.commands!.handle(deps, msg, cmd);
      return 'done';
    }
    case 'bot_added':
      await recordChatJoined(deps.db, {
        chatId: event.chatId,
        name: event.chatName,
        addedBy: event.operatorOpenId,
        at: event.at,
      });
      log.info({ chatId: event.chatId }, 'bot added to chat');
      await hooks.onBotAdded?.(deps, event);
      return 'done';
    case 'bot_removed':
      await recordChatLeft(deps.db, { chatId: event.chatId, at: event.at });
      log.info({ chatId: event.chatId }, 'bot removed from chat');
      await hooks.onBotRemoved?.(deps, event);
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
