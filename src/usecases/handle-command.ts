import { helpCard } from '../cards/help-card.js';
import { taskListStateOf } from '../db/repos/completeness.js';
import { hasUnitRole } from '../db/repos/people.js';
import { URGE_ROLES } from '../domain/units-people.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { suggestedCommandWord } from '../domain/command-suggestion.js';
import { parseCommand, type Command } from '../domain/commands.js';
import type { IncomingEvent, IncomingMessage } from '../domain/incoming.js';
import { CLOUD_DOC_NOT_KEPT, hasCloudDocLink } from '../domain/unkept-message.js';
import { chatWhere, sentAs } from '../domain/export-again.js';
import { admitCommand, audienceLabel, commandsFor } from './command-audience.js';
import { answeringInDirectChat } from './direct-answers.js';
import type { BotDeps } from './deps.js';
import type { CommandDeclaration } from './feature.js';
import { replyCard, replyText } from './reply-text.js';

/** 帮助 is built in: its card lists every declared command (itself last). */
const HELP: Omit<CommandDeclaration, 'handle'> = {
  name: 'help',
  words: ['帮助', 'help', '?', '？', '菜单', '使用说明'],
  // Written alone in a group, without the @, these still ask for help: silence was a dead end.
  bare: ['帮助', 'help', '使用说明'],
  who: 'everyone',
  usage: '帮助',
  help: '显示本说明',
};

/**
 * The answer to a text addressed to the bot that names no command: never silence. `commands`: those
 * the sender may run, for a guess at a mistyped one (「没有听懂“进渡”。是要发「进度」吗？…」); `where`:
 * the chat it came from, so the commands named are as sent there (「@归档助手 进度」 in a group).
 */
export async function answerUnknownCommand(
  deps: Pick<BotDeps, 'gateway' | 'metrics'>,
  messageId: string,
  text: string,
  commands: readonly { name: string; words: readonly string[] }[] = [],
  where: 'group' | 'direct' = 'group',
): Promise<void> {
  deps.metrics.inc('commands_total', { command: 'unknown' });
  const meant = suggestedCommandWord(text, commands);
  const guess = meant ? `是要发「${sentAs(meant, where)}」吗？` : '';
  // A cloud document's address is what was meant to be handed in: say why it is not kept, and how.
  await replyText(
    deps.gateway,
    messageId,
    hasCloudDocLink(text)
      ? CLOUD_DOC_NOT_KEPT
      : `没有听懂“${text.slice(0, 30)}”。${guess}发送「${sentAs('帮助', where)}」查看我能做什么。`,
    `unknown-${messageId}`,
  );
}

/**
 * The chat commands of the running bot: recognised from the declared words, admitted by their
 * declared audience (anyone else gets one refusal, before the handler runs), answered by the
 * declaring feature's handler. The help card is generated from the same list, showing each reader
 * the commands they may run: nothing listed is missing.
 */
export class CommandRegistry {
  readonly commands: readonly CommandDeclaration[];

  constructor(declared: readonly CommandDeclaration[]) {
    this.commands = [...declared, { ...HELP, handle: (deps, msg) => this.help(deps, msg) }];
  }

  parse(msg: IncomingMessage, botOpenId: string | undefined): Command | undefined {
    return parseCommand(msg, botOpenId, this.commands);
  }

  /**
   * The help card for whoever sent `msg`: the commands they may run; in the group of a unit with no open
   * task, that its materials are kept, and why there is nothing to choose: its 任务清单 is still to come,
   * or every task was waived (not 「选择交到哪项任务」); in a township's, what its group is for.
   */
  async helpCard(deps: BotDeps, msg: IncomingMessage): Promise<object> {
    const shown = await commandsFor(deps, msg, this.commands);
    const unit = msg.chatType === 'p2p' ? undefined : await unitOfChat(deps.db, msg.chatId);
    const state = unit ? await taskListStateOf(deps.db, unit.id) : undefined;
    const lines = shown.map((c) => ({
      usage: c.usage,
      help: c.help,
      audience: audienceLabel(c.who),
      ...(c.bare?.[0] ? { bare: c.bare[0] } : {}),
    }));
    // A township with no task of its own (the usual case) is not told to wait for a 任务清单; its page,
    // where late villages are urged, is named to whoever may 督办 there.
    if (unit && state?.kind === 'township') {
      const pageUrl = deps.pageUrl?.(`/units/${unit.id}`);
      const mayUrge =
        pageUrl !== undefined &&
        msg.senderOpenId !== undefined &&
        (await hasUnitRole(deps.db, msg.senderOpenId, unit, URGE_ROLES));
      return helpCard(lines, {
        township: { villages: state.villages, ...(mayUrge ? { urge: { pageUrl } } : {}) },
      });
    }
    if (msg.chatType === 'p2p') return helpCard(lines, { direct: true });
    return helpCard(lines, state && state.kind !== 'open' ? { noOpenTask: state } : {});
  }

  /** Answers a chat command. Unknown words get a short hint, never silence. */
  async handle(deps: BotDeps, msg: IncomingMessage, cmd: Command): Promise<void> {
    const declared = this.commands.find((c) => c.name === cmd.name);
    if (declared) return this.run(deps, msg, cmd, declared);
    await answerUnknownCommand(
      deps,
      msg.messageId,
      cmd.text,
      await commandsFor(deps, msg, this.commands),
      chatWhere(msg.chatType),
    );
  }

  /**
   * A tap on the bot's menu (a direct chat): the item's event_key names a command (its name, such as
   * `progress`, or one of its words, such as 进度); it runs as if the person had typed it to the bot,
   * its answers sent to them directly (there is no message to reply to).
   */
  async menu(deps: BotDeps, e: Extract<IncomingEvent, { kind: 'menu' }>): Promise<void> {
    const key = e.key.trim().toLowerCase();
    const declared = this.commands.find(
      (c) => c.name.toLowerCase() === key || c.words.some((w) => w.toLowerCase() === key),
    );
    const msg: IncomingMessage = {
      // Unique per tap, and short: handlers build their send keys (≤ 50 chars) from it.
      messageId: `menu${e.eventId.slice(-32)}`,
      chatId: '',
      chatType: 'p2p',
      senderOpenId: e.operatorOpenId,
      senderType: 'user',
      msgType: 'text',
      content: JSON.stringify({ text: declared?.words[0] ?? e.key }),
      sentAt: e.at,
      mentions: [],
    };
    const direct = { ...deps, gateway: answeringInDirectChat(deps.gateway, e.operatorOpenId) };
    deps.metrics.inc('menu_taps_total', { command: declared?.name ?? 'unknown' });
    if (!declared) {
      deps.logger.warn({ key: e.key.slice(0, 40) }, 'bot menu item names no command');
      await replyText(
        direct.gateway,
        msg.messageId,
        '这个菜单项还没有对应的功能。发送「帮助」查看我能做什么。',
        `menu-${msg.messageId}`,
      );
      return;
    }
    await this.run(direct, msg, { name: declared.name, args: '', text: declared.words[0] ?? '' }, declared);
  }

  /** Runs the handler for someone the command's audience admits; refuses anyone else in one reply. */
  private async run(
    deps: BotDeps,
    msg: IncomingMessage,
    cmd: Command,
    declared: CommandDeclaration,
  ): Promise<void> {
    const access = await admitCommand(deps, msg, cmd, declared.who);
    if ('question' in access) {
      await replyText(deps.gateway, msg.messageId, access.question, `which-${msg.messageId}`);
      return;
    }
    if ('refusal' in access) {
      deps.metrics.inc('commands_refused_total', { command: declared.name });
      await replyText(deps.gateway, msg.messageId, access.refusal, `refused-${msg.messageId}`);
      return;
    }
    await declared.handle(deps, msg, cmd, access);
  }

  private async help(deps: BotDeps, msg: IncomingMessage): Promise<void> {
    await replyCard(deps.gateway, msg.messageId, await this.helpCard(deps, msg), `help-${msg.messageId}`);
    deps.metrics.inc('commands_total', { command: 'help' });
  }
}
