import { SCHEDULED_SEND_JOB } from '../domain/job-types.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { enqueueJob } from '../db/repos/jobs.js';
import {
  closeSend,
  getScheduledSend,
  markSendSent,
  HISTORY_UNREADABLE,
  markSendUnsure,
  type ScheduledSend,
} from '../db/repos/schedule-sends.js';
import { sendKey } from '../domain/send-key.js';
import { localMinutes } from '../domain/working-days.js';
import { errorMessage, LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BotDeps } from '../usecases/deps.js';
import { inQuietHours, quietEnd } from '../domain/quiet-hours.js';
import { findEarlierPost, LARK_UUID_MEMORY_MS } from './find-earlier-post.js';

export interface DeliverOptions {
  timeZone: string;
  quietHours: { start: string; end: string } | null;
  /** Wakes the job worker after a deferral is enqueued. */
  wake?: () => void;
  /** The queue's last attempt: a retryable failure now closes the send as failed. */
  lastAttempt?: boolean;
  /** The bot's app id: its own messages in a chat's history are sent by it. */
  appId?: string;
}

/**
 * No connection was made (refused, no route, no name): the post never left, so Lark cannot have taken
 * it. The county's network down all day made every 督办 say 「可能已送达」 instead of 「督办未送达」.
 */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** Lark may have taken a post whose answer was this error (not a refusal it gave before acting). */
function mayHaveLanded(err: unknown): boolean {
  if (err instanceof LarkApiError) return err.httpStatus !== undefined && err.httpStatus >= 500;
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_SENT.has(code)) return false;
    e = (e as { cause?: unknown }).cause;
  }
  return true;
}

/** Lark's idempotency key of a scheduled send: the same logical message always gets the same uuid. */
export const scheduledSendUuid = (s: Pick<ScheduledSend, 'kind' | 'target' | 'period'>): string =>
  sendKey(s.kind, s.target, s.period);

/**
 * Delivers one claimed scheduled message (the `scheduled-send` job). Already sent → nothing. Past
 * its `notAfter` → expired. In quiet hours → deferred to their end, or expired if that is too late.
 * Sent with uuid = sendKey(kind, target, period), so a retry after a crash or a 429 posts once;
 * then marked sent and recorded in bot_messages (a reply to a reminder files to its tasks).
 * Rate limits and network errors throw: the queue retries (at Lark's reset time for a 429); on the
 * last attempt the send is closed as failed with an error log instead. A post whose answer was lost
 * marks the send unsure; once Lark has forgotten the uuid (an hour), the next attempt — a retry, or a
 * 督办 pressed again after it failed — first looks for that message in the chat and takes it as sent
 * (`found`) instead of posting the same message a second time. When Lark refuses to show the chat's
 * history, the send is closed `unconfirmed` (last_error HISTORY_UNREADABLE): the page tells the leader
 * to look in the chat, and pressing again posts it without looking.
 */
export async function deliverScheduled(
  deps: Pick<BotDeps, 'db' | 'gateway' | 'clock'>,
  sendId: number,
  opts: DeliverOptions,
  log: Logger,
): Promise<
  | 'sent'
  | 'found'
  | 'already-sent'
  | 'deferred'
  | 'expired'
  | 'refused'
  | 'unconfirmed'
  | 'failed'
  | 'missing'
  | 'closed'
> {
  const { db, clock } = deps;
  const send = await getScheduledSend(db, sendId);
  if (!send) return 'missing';
  if (send.status === 'sent') return 'already-sent';
  if (send.status !== 'pending') return 'closed';
  const now = clock.now();
  const l = log.child({ send: `${send.kind}:${send.target}:${send.period}` });
  if (now.getTime() > send.notAfter.getTime()) {
    await closeSend(db, send.id, 'expired', `not sent by ${send.notAfter.toISOString()}`);
    l.warn('scheduled message expired before it could be sent');
    return 'expired';
  }
  if (inQuietHours(localMinutes(now, opts.timeZone), opts.quietHours)) {
    const resume = quietEnd(now, opts.timeZone, opts.quietHours!.end);
    if (resume.getTime() > send.notAfter.getTime()) {
      await closeSend(db, send.id, 'expired', 'quiet hours until after its day');
      l.warn('scheduled message dropped: quiet hours last past its day');
      return 'expired';
    }
    await enqueueJob(
      db,
      {
        type: SCHEDULED_SEND_JOB,
        key: `${send.kind}:${send.target}:${send.period}@${resume.toISOString()}`,
        payload: { sendId: send.id },
        runAt: resume,
        maxAttempts: 10,
      },
      now,
    );
    opts.wake?.();
    l.info({ resume: resume.toISOString() }, 'quiet hours: scheduled message deferred');
    return 'deferred';
  }
  let messageId: string;
  let outcome: 'sent' | 'found' = 'sent';
  const triedAt = clock.now();
  try {
    let earlier: string | undefined;
    if (send.unsureSince && now.getTime() - send.unsureSince.getTime() >= LARK_UUID_MEMORY_MS) {
      try {
        earlier = await findEarlierPost(deps, send, opts.appId);
      } catch (err) {
        if (!(err instanceof LarkApiError) || err.isRetryable) throw err;
        // Lark will not let the bot read the chat (a scope not granted, history hidden): whether the
        // lost post arrived cannot be known. Pressed 再次督办 every time, it failed the same way and
        // the page said 「可能已送达」 for good; now it says to look in the chat, and the next press
        // posts it (claimSends clears unsure_since for it).
        await closeSend(db, send.id, 'failed', `${HISTORY_UNREADABLE}${err.code}: ${err.message}`);
        l.warn(
          { err, code: err.larkCode },
          'the chat history cannot be read: the lost post cannot be confirmed',
        );
        return 'unconfirmed';
      }
    }
    if (earlier) {
      messageId = earlier;
      outcome = 'found';
      l.warn('an earlier post whose answer was lost had arrived: taken as sent, not posted again');
    } else
      ({ messageId } = await deps.gateway.sendMessage({
        receiveIdType: send.receiveIdType,
        receiveId: send.receiveId,
        message: { msgType: send.msgType, content: send.content },
        uuid: scheduledSendUuid(send),
      }));
  } catch (err) {
    if (mayHaveLanded(err)) await markSendUnsure(db, send.id, triedAt);
    if (err instanceof LarkApiError && !err.isRetryable) {
      // The bot left the chat, the user cannot receive bot messages …: retrying cannot help.
      await closeSend(db, send.id, 'failed', `${err.code}: ${err.message}`);
      l.warn({ err, code: err.larkCode }, 'Lark refused a scheduled message');
      return 'refused';
    }
    if (opts.lastAttempt) {
      // The queue gives up after this attempt: say so on the send itself, not only on the job.
      await closeSend(db, send.id, 'failed', `gave up: ${errorMessage(err)}`);
      l.error({ err }, 'scheduled message not sent: every attempt failed');
      return 'failed';
    }
    throw err;
  }
  const sentAt = clock.now();
  await db.transaction(async (tx) => {
    if (!(await markSendSent(tx, send.id, messageId, sentAt))) return;
    await recordBotMessage(
      tx,
      {
        messageId,
        chatId: send.receiveIdType === 'chat_id' ? send.receiveId : undefined,
        purpose: send.kind,
        unitId: send.unitId,
        taskIds: send.taskIds,
      },
      sentAt,
    );
  });
  return outcome;
}
