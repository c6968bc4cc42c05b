import {
  EXPAND_FORWARD_JOB,
  LATE_CAPTION_JOB,
  UNKEPT_NOTICE_JOB,
  UNCLEAR_TEXT_JOB,
} from '../domain/job-types.js';
import { captionOf, classifyMessage, resourcesOf } from '../domain/message-resources.js';
import type { IncomingMessage } from '../domain/incoming.js';
import { cloudDocLinkIn, unkeptKind } from '../domain/unkept-message.js';
import type { Db, Tx } from '../db/client.js';
import { burstOfCard } from '../db/repos/bot-messages.js';
import {
  answeredBurstOfSender,
  burstLockKey,
  burstPlacement,
  getBurst,
  placeInBurst,
} from '../db/repos/bursts.js';
import { isLateCaptionOf, LATE_CAPTION_MS, lateCaptionWait } from '../domain/burst.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { insertMaterialsInBurst } from '../db/repos/materials.js';
import { insertMessage } from '../db/repos/messages.js';
import { wasRecalled } from '../db/repos/message-recalls.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { parseTaskCode } from '../domain/task-code.js';
import type { BotDeps } from './deps.js';
import type { MessageUse } from './feature.js';

export interface CaptureOptions {
  quietWindowMs: number;
}

/**
 * Records a message the bot saw: its text (captions, notes), and for photos, files, audio, video
 * and rich-text posts one `materials` row per resource with a download job; a merged forward gets
 * an expansion job. Everything in one transaction, idempotent on message id: a replay adds nothing.
 * `finishIn` (the event's row marked done) runs last in that transaction, so the event is done exactly
 * when its message is recorded.
 */
export async function captureMessage(
  deps: Pick<BotDeps, 'db' | 'clock' | 'metrics'>,
  msg: IncomingMessage,
  opts: CaptureOptions & {
    use?: MessageUse;
    finishIn?: (tx: Db) => Promise<void>;
    /** The bot's open_id: its @ is left out of a caption written to it (「@归档助手 #C03 …」). */
    botOpenId?: string;
  },
): Promise<{ materialIds: number[]; burstId?: number; notice?: boolean }> {
  const now = deps.clock.now();
  const cls = classifyMessage(msg.msgType);
  const caption = captionOf(
    msg.msgType,
    msg.content,
    msg.mentions.map((m) => (m.openId && m.openId === opts.botOpenId ? { ...m, omit: true } : m)),
  );
  const resources = cls === 'material' ? resourcesOf(msg.msgType, msg.content) : [];
  // A rich-text post without a picture or video is text (a caption, a note), as a text message is:
  // a burst of its own would answer it with a card offering tasks for nothing. (A photo or file
  // message without a key still makes a burst: its answer says nothing could be saved.)
  const textOnlyPost = msg.msgType === 'post' && resources.length === 0;
  const inBurst = !!msg.senderOpenId && (cls === 'material' || cls === 'forward') && !textOnlyPost;
  // Text that may be a caption: not a command, not chat (domain/chatter.ts).
  const use = opts.use ?? 'message';
  const mayBeCaption = (use === 'message' || use === 'unclear') && cls !== 'ignored';
  return deps.db.transaction(async (tx) => {
    const res = await record(tx);
    await opts.finishIn?.(tx);
    return res;
  });

  async function record(tx: Tx): Promise<{ materialIds: number[]; burstId?: number; notice?: boolean }> {
    // A new message that goes into a burst takes the (chat, sender) lock in the same statement.
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
        disposition:
          opts.use === 'command' || opts.use === 'chatter'
            ? opts.use
            : cls === 'ignored'
              ? 'ignored'
              : 'captured',
        mentions: msg.mentions.length > 0 ? msg.mentions : undefined,
      },
      now,
      inBurst ? { lock: burstLockKey(msg.chatId, msg.senderOpenId!) } : {},
    );
    deps.metrics.inc('messages_total', { class: cls, fresh: String(fresh) });
    if (fresh && msg.replacedCharacters)
      deps.metrics.inc('text_characters_replaced_total', { where: 'message' }, msg.replacedCharacters);
    // A folder's files cannot be downloaded by a bot, nor a card's content: without a word the sender
    // would take them as kept. One recalled before it arrived is not answered (Lark refuses a reply
    // under a recalled message).
    const direct = msg.chatType === 'p2p';
    const unkept = cls === 'ignored' ? unkeptKind(msg.msgType, direct, msg.content) : undefined;
    if (fresh && unkept && msg.senderOpenId && opts.use !== 'command') {
      if (await wasRecalled(tx, msg.messageId, msg.chatId)) return { materialIds: [] };
      await enqueueJob(
        tx,
        {
          type: UNKEPT_NOTICE_JOB,
          key: msg.messageId,
          payload: { chatId: msg.chatId, messageId: msg.messageId, direct, kind: unkept },
          runAt: now,
        },
        now,
      );
      return { materialIds: [], notice: true };
    }
    // A cloud document's address posted in a bound group, with or without @: the document is not kept
    // (the bot cannot open it); said once under it, with how to send it as a file. The text stays a
    // text (a caption, a note); one after the @ is not answered again by the unclear-text hint. An
    // unbound group is not answered here (after the @, the hint says it: handle-command.ts).
    const cloudNotice =
      fresh &&
      !direct &&
      !!msg.senderOpenId &&
      opts.use !== 'command' &&
      cloudDocLinkIn(msg.msgType, msg.content) &&
      !(await wasRecalled(tx, msg.messageId, msg.chatId)) &&
      !!(await unitOfChat(tx, msg.chatId));
    if (cloudNotice)
      await enqueueJob(
        tx,
        {
          type: UNKEPT_NOTICE_JOB,
          key: msg.messageId,
          payload: { chatId: msg.chatId, messageId: msg.messageId, direct, kind: 'cloud_doc' },
          runAt: now,
        },
        now,
      );
    // A text after the sender's burst was answered, soon after it: its late caption while its card is
    // untapped (late-caption.ts decides under the burst's lock).
    if (fresh && !direct && !inBurst && caption !== undefined && msg.senderOpenId && mayBeCaption) {
      // A #code sent as a reply (引用回复) to the card of one of the sender's own bursts names that card's
      // task whenever it is sent: a reply to the card means nothing else. It is taken as the card's late
      // caption (files an untapped card; a tapped one is answered with how to change it: late-caption.ts).
      const replied =
        msg.parentId && parseTaskCode(caption) ? await burstOfCard(tx, msg.parentId, msg.chatId) : undefined;
      const card = replied !== undefined ? await getBurst(tx, replied) : undefined;
      const ownCard = card && card.senderOpenId === msg.senderOpenId && card.ackMessageId ? card : undefined;
      const burst =
        ownCard ??
        (await answeredBurstOfSender(tx, {
          chatId: msg.chatId,
          senderOpenId: msg.senderOpenId,
          since: new Date(msg.sentAt.getTime() - LATE_CAPTION_MS),
        }));
      if (burst && (ownCard || isLateCaptionOf(burst, msg.sentAt))) {
        // Once the text's own caption window has passed (photos sent around it are recorded by then: a
        // newer burst's caption), before its unclear-text hint (a second later); a #code written well
        // after the photos, once the window in which photos after it read it as theirs has passed.
        // Sent as a reply to that burst's card, it is the card's: no photos to come can claim it.
        const toCard = !!ownCard || (!!msg.parentId && msg.parentId === burst.ackMessageId);
        const wait = lateCaptionWait(
          burst,
          { at: msg.sentAt, coded: !!parseTaskCode(caption) && !toCard },
          opts.quietWindowMs,
        );
        await enqueueJob(
          tx,
          {
            type: LATE_CAPTION_JOB,
            key: msg.messageId,
            payload: {
              burstId: burst.id,
              chatId: msg.chatId,
              messageId: msg.messageId,
              ...(toCard ? { toCard } : {}),
            },
            runAt: new Date(Math.max(now.getTime(), msg.sentAt.getTime()) + wait.runAfterMs),
          },
          now,
        );
      }
    }
    // Kept as a possible caption; answered with the hint once its caption window has passed without
    // materials (any burst of the sender's that it falls in, or took it late: unclear-text-hint.ts).
    if (fresh && opts.use === 'unclear' && !cloudNotice) {
      const after = Math.max(now.getTime(), msg.sentAt.getTime()) + opts.quietWindowMs;
      await enqueueJob(
        tx,
        {
          type: UNCLEAR_TEXT_JOB,
          key: msg.messageId,
          payload: { chatId: msg.chatId, messageId: msg.messageId },
          runAt: new Date(after + 1_000),
        },
        now,
      );
      return { materialIds: [] };
    }
    if (!fresh || !inBurst) return { materialIds: [] };

    const item = {
      chatId: msg.chatId,
      senderOpenId: msg.senderOpenId!,
      messageId: msg.messageId,
      at: msg.sentAt,
      quietWindowMs: opts.quietWindowMs,
    };
    if (cls === 'forward') {
      const burstId = await placeInBurst(tx, item, now);
      await enqueueJob(
        tx,
        {
          type: EXPAND_FORWARD_JOB,
          key: msg.messageId,
          payload: { messageId: msg.messageId, chatId: msg.chatId, senderOpenId: msg.senderOpenId!, burstId },
          runAt: now,
        },
        now,
      );
      return { materialIds: [], burstId };
    }
    // The burst's update (or insert) goes with the materials and their download jobs: one statement.
    const { burstId, materialIds } = await insertMaterialsInBurst(
      tx,
      resources.map((r) => ({
        messageId: msg.messageId,
        resourceKey: r.resourceKey,
        resourceType: r.resourceType,
        chatId: msg.chatId,
        senderOpenId: msg.senderOpenId!,
        sentAt: msg.sentAt,
        kind: r.kind,
        role: r.role,
        originalName: r.originalName,
        declaredMime: r.declaredMime,
        durationMs: r.durationMs,
        caption,
        parentId: msg.parentId,
        rootId: msg.rootId,
      })),
      await burstPlacement(tx, item, now),
      now,
    );
    deps.metrics.inc('materials_captured_total', {}, materialIds.length);
    return { materialIds, burstId };
  }
}
