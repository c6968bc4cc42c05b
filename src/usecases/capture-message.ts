import { EXPAND_FORWARD_JOB } from '../domain/job-types.js';
import { captionOf, classifyMessage, resourcesOf } from '../domain/message-resources.js';
import type { IncomingMessage } from '../domain/incoming.js';
import { assignToBurst } from '../db/repos/bursts.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { insertMaterialsWithDownloads } from '../db/repos/materials.js';
import { insertMessage } from '../db/repos/messages.js';
import type { BotDeps } from './deps.js';

export interface CaptureOptions {
  quietWindowMs: number;
}

/**
 * Records a message the bot saw: its text (captions, notes), and for photos, files, audio, video
 * and rich-text posts one `materials` row per resource with a download job; a merged forward gets
 * an expansion job. Everything in one transaction, idempotent on message id: a replay adds nothing.
 */
export async function captureMessage(
  deps: Pick<BotDeps, 'db' | 'clock' | 'metrics'>,
  msg: IncomingMessage,
  opts: CaptureOptions & { isCommand?: boolean },
): Promise<{ materialIds: number[]; burstId?: number }> {
  const now = deps.clock.now();
  const cls = classifyMessage(msg.msgType);
  const caption = captionOf(msg.msgType, msg.content, msg.mentions);
  return deps.db.transaction(async (tx) => {
    const fresh = await insertMessage(
      tx,
      {
        messageId: msg.messageId,
        chatId: msg.chatId,
        chatType: msg.chatType,
        senderOpenId: msg.senderOpenId,
        msgType: msg.msgType,
        sentAt: msg.sentAt,
        text: caption,
        parentId: msg.parentId,
        rootId: msg.rootId,
        disposition: opts.isCommand ? 'command' : cls === 'ignored' ? 'ignored' : 'captured',
        mentions: msg.mentions.length > 0 ? msg.mentions : undefined,
      },
      now,
    );
    deps.metrics.inc('messages_total', { class: cls, fresh: String(fresh) });
    if (fresh && msg.replacedCharacters)
      deps.metrics.inc('text_characters_replaced_total', { where: 'message' }, msg.replacedCharacters);
    if (!fresh || !msg.senderOpenId || (cls !== 'material' && cls !== 'forward')) return { materialIds: [] };

    const burstId = await assignToBurst(
      tx,
      {
        chatId: msg.chatId,
        senderOpenId: msg.senderOpenId,
        messageId: msg.messageId,
        at: msg.sentAt,
        quietWindowMs: opts.quietWindowMs,
      },
      now,
    );
    if (cls === 'forward') {
      await enqueueJob(
        tx,
        {
          type: EXPAND_FORWARD_JOB,
          key: msg.messageId,
          payload: { messageId: msg.messageId, chatId: msg.chatId, senderOpenId: msg.senderOpenId, burstId },
          runAt: now,
        },
        now,
      );
      return { materialIds: [], burstId };
    }
    const ids = await insertMaterialsWithDownloads(
      tx,
      resourcesOf(msg.msgType, msg.content).map((r) => ({
        messageId: msg.messageId,
        resourceKey: r.resourceKey,
        resourceType: r.resourceType,
        chatId: msg.chatId,
        senderOpenId: msg.senderOpenId,
        sentAt: msg.sentAt,
        kind: r.kind,
        role: r.role,
        originalName: r.originalName,
        declaredMime: r.declaredMime,
        durationMs: r.durationMs,
        caption,
        parentId: msg.parentId,
        rootId: msg.rootId,
        burstId,
      })),
      now,
    );
    deps.metrics.inc('materials_captured_total', {}, ids.length);
    return { materialIds: ids, burstId };
  });
}
