import { helpCard } from '../cards/help-card.js';
import type { Command } from '../domain/commands.js';
import type { IncomingMessage } from '../domain/incoming.js';
import type { BotDeps } from './deps.js';
import { replyCard, replyText } from './reply-text.js';

export type CommandHandler = (deps: BotDeps, msg: IncomingMessage, cmd: Command) => Promise<void>;

/** Commands other features register (任务, 进度, 缺什么, 绑定 …); 帮助 is built in. */
export type CommandHandlers = Partial<Record<Command['name'], CommandHandler>>;

/** Answers a chat command. Unknown words get a short hint, never silence. */
export async function handleCommand(
  deps: BotDeps,
  msg: IncomingMessage,
  cmd: Command,
  handlers: CommandHandlers = {},
): Promise<void> {
  const handler = handlers[cmd.name];
  if (handler) return handler(deps, msg, cmd);
  if (cmd.name === 'help') {
    await replyCard(deps.gateway, msg.messageId, helpCard(), `help-${msg.messageId}`);
    deps.metrics.inc('commands_total', { command: 'help' });
    return;
  }
  deps.metrics.inc('commands_total', { command: 'unknown' });
  await replyText(
    deps.gateway,
    msg.messageId,
    `没有听懂“${cmd.text.slice(0, 30)}”。发送「帮助」查看我能做什么。`,
    `unknown-${msg.messageId}`,
  );
}
