import type { JobPayload, UNCLEAR_TEXT_JOB } from '../domain/job-types.js';
import { unclearTextOf } from '../db/repos/messages.js';
import { findTasksByCode } from '../db/repos/tasks.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { parseTaskCode } from '../domain/task-code.js';
import { chatWhere, sentAs } from '../domain/export-again.js';
import type { BotDeps } from './deps.js';
import { commandsFor } from './command-audience.js';
import type { CommandAudience } from './feature.js';
import { answerUnknownCommand } from './handle-command.js';
import { replyText } from './reply-text.js';

/**
 * A text to the bot that named no command (sent directly, or after the @ in a group), once its caption
 * window has passed: the caption of photos or files sent with it (「村委会议 3月」 with a photo,
 * 「@归档助手 #C03 村两委会议照片」 after photos) is kept with them and not answered; a text with no
 * materials around it gets the hint, naming the commands as sent in that chat. A recalled text, nothing.
 * Nor one naming a task of the chat's unit by its code (「@归档助手 #C05 村两委会议」): typed before the
 * photos it is their caption for LATE_CAPTION_MS (acknowledge-burst.ts), far longer than this hint waits,
 * and the bot did understand it; when no photos follow it stays unused, as the same text without the @.
 * A code the unit has no task of is told as such (「东村没有编号为 C99 的任务…」), not 「没有听懂」.
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
  const where = chatWhere(t.chatType);
  const named = await taskCodeOfChat(deps, p.chatId, t.text);
  if (named?.found) return 'coded';
  // 「@归档助手 #C99 培训照片」: the bot did read a code, only not one of this village's tasks. Say so, and
  // where the codes are, rather than 「没有听懂」 (the officer wrote exactly what the help card asks).
  if (named) {
    await replyText(
      deps.gateway,
      p.messageId,
      `${named.unitName}没有编号为 ${named.code} 的任务。发送「${sentAs('任务', where)}」查看编号；` +
        `照片和文件照常发，我会请您选任务。`,
      `unknown-${p.messageId}`,
    );
    return 'answered';
  }
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

/** The task code the text holds, in a chat bound to a unit, and whether that unit has a task of that code. */
async function taskCodeOfChat(
  deps: BotDeps,
  chatId: string,
  text: string,
): Promise<{ code: string; unitName: string; found: boolean } | undefined> {
  const code = parseTaskCode(text);
  if (!code) return undefined;
  const unit = await unitOfChat(deps.db, chatId);
  if (!unit) return undefined;
  return { code, unitName: unit.name, found: (await findTasksByCode(deps.db, unit.id, code)).length > 0 };
}
