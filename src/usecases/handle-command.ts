import { helpCard } from '../cards/help-card.js';
import { parseCommand, type Command } from '../domain/commands.js';
import type { IncomingMessage } from '../domain/incoming.js';
import type { BotDeps } from './deps.js';
import type { CommandDeclaration } from './feature.js';
import { replyCard, replyText } from './reply-text.js';

/** 帮助 is built in: its card lists every declared command (itself last). */
const HELP: Omit<CommandDeclaration, 'handle'> = {
  name: 'help',
  words: ['帮助', 'help', '?', '？', '菜单', '使用说明'],
  who: 'everyone',
  usage: '帮助',
  help: '显示本说明',
};

/**
 * The chat commands of the running bot: recognised from the declared words, answered by the
 * declaring feature's handler; the help card is generated from the same list, so every command is
 * listed and nothing listed is missing.
 */
export class CommandRegistry {
  readonly commands: readonly CommandDeclaration[];

  constructor(declared: readonly CommandDeclaration[]) {
    this.commands = [...declared, { ...HELP, handle: (deps, msg) => this.help(deps, msg) }];
  }

  parse(msg: IncomingMessage, botOpenId: string | undefined): Command | undefined {
    return parseCommand(msg, botOpenId, this.commands);
  }

  helpCard(): object {
    return helpCard(this.commands);
  }

  /** Answers a chat command. Unknown words get a short hint, never silence. */
  async handle(deps: BotDeps, msg: IncomingMessage, cmd: Command): Promise<void> {
    const declared = this.commands.find((c) => c.name === cmd.name);
    if (declared) return declared.handle(deps, msg, cmd);
    deps.metrics.inc('commands_total', { command: 'unknown' });
    await replyText(
      deps.gateway,
      msg.messageId,
      `没有听懂“${cmd.text.slice(0, 30)}”。发送「帮助」查看我能做什么。`,
      `unknown-${msg.messageId}`,
    );
  }

  private async help(deps: BotDeps, msg: IncomingMessage): Promise<void> {
    await replyCard(deps.gateway, msg.messageId, this.helpCard(), `help-${msg.messageId}`);
    deps.metrics.inc('commands_total', { command: 'help' });
  }
}
