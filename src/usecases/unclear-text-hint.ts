import type { JobPayload, UNCLEAR_TEXT_JOB } from '../domain/job-types.js';
import { unclearTextOf } from '../db/repos/messages.js';
import { findTasksByCode } from '../db/repos/tasks.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { parseTaskCode } from '../domain/task-code.js';
import { chatWhere } from '../domain/export-again.js';
import type { BotDeps } from './deps.js';
import { commandsFor } from './command-audience.js';
import type { CommandAudience } from './feature.js';
import { answerUnknownCommand } from './handle-command.js';

/**
 * A text to the bot that named no command (sent directly, or after the @ in a group), once its caption
 * window has passed: the caption of photos or files sent with it (「村委会议 3月」 with a photo,
 * 「@归档助手 #C03 村两委会议照片」 after photos) is kept with them and not answered; a text with no
 * materials around it gets the hint, naming the commands as sent in that chat. A recalled text, nothing.
 * Nor one naming a task of the chat's unit by its code (「@归档助手 #C05 村两委会议」): typed before the
 * photos it is their caption for LATE_CAPTION_MS (acknowledge-burst.ts), far longer than this hint waits,
 * and the bot did understand it; when no photos follow it stays unused, as the same text without the @.
 */
export async function answerUnclearText(
  deps: BotDeps,
  p: JobPayload<typeof UNCLEAR_TEXT_JOB>,
  opts: {
    quietWindowMs: number;
    commands?: readonly { name: string; words: readonly string[]; who: CommandAudience }[];
  },
): Promise<'caption' | 'coded' | 'answered' | 'gone'> {
  const t = await unclearTextOf(deps.db, { ...p, quietWindowMs: opts.quietWindowMs });
  if (!t?.text) return 'gone';
  if (t.caption) return 'caption';
  if (await namesTaskOfChat(deps, p.chatId, t.text)) return 'coded';
  const where = chatWhere(t.chatType);
  // In a group the guess is among the commands the sender may run, as for a command answered at once.
  const commands =
    where === 'group' && opts.commands
      ? await commandsFor(
          deps,
          {
            messageId: p.messageId,
            chatId: p.chatId,
            chatType: t.chatType,
            ...(t.senderOpenId ? { senderOpenId: t.senderOpenId } : {}),
            senderType: 'user',
            msgType: 'text',
            content: '{}',
            sentAt: new Date(0),
            mentions: [],
          },
          opts.commands,
        )
      : opts.commands;
  await answerUnknownCommand(deps, p.messageId, t.text.replace(/\s+/g, ' '), commands, where);
  return 'answered';
}

/** Whether the text holds the code of a task of the unit the chat is bound to. */
async function namesTaskOfChat(deps: BotDeps, chatId: string, text: string): Promise<boolean> {
  const code = parseTaskCode(text);
  if (!code) return false;
  const unit = await unitOfChat(deps.db, chatId);
  return !!unit && (await findTasksByCode(deps.db, unit.id, code)).length > 0;
}
