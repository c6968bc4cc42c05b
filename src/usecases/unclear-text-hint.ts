import type { JobPayload, UNCLEAR_TEXT_JOB } from '../domain/job-types.js';
import { unclearTextOf } from '../db/repos/messages.js';
import type { BotDeps } from './deps.js';
import { answerUnknownCommand } from './handle-command.js';

/**
 * A text sent to the bot directly that named no command, once its caption window has passed: the
 * caption of photos or files sent with it (「村委会议 3月」 with a photo) is kept with them and not
 * answered; a text with no materials around it gets the hint, as in a group. A recalled text, nothing.
 */
export async function answerUnclearText(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'metrics'>,
  p: JobPayload<typeof UNCLEAR_TEXT_JOB>,
  opts: { quietWindowMs: number; commands?: readonly { name: string; words: readonly string[] }[] },
): Promise<'caption' | 'answered' | 'gone'> {
  const t = await unclearTextOf(deps.db, { ...p, quietWindowMs: opts.quietWindowMs });
  if (!t?.text) return 'gone';
  if (t.caption) return 'caption';
  // Only texts sent to the bot directly come here: commands are named without the @.
  await answerUnknownCommand(deps, p.messageId, t.text.replace(/\s+/g, ' '), opts.commands, 'direct');
  return 'answered';
}
