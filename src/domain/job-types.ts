import { z } from 'zod';
import { defineJob } from './job-type.js';

/** Row ids arrive from SQL-built payloads as numbers (or numeric strings in old rows). */
const id = z.coerce.number().int().positive();

/** Downloads one material into the blob store (enqueued in SQL with the material rows). */
export const DOWNLOAD_MATERIAL_JOB = defineJob({
  name: 'download-material',
  payload: z.object({ materialId: id }),
});

/**
 * A stored photo's thumbnail (`thumbs/<sha256>.jpg`, for the web pages), queued with the stored row.
 * Nobody waits for it, and making one costs more CPU than storing the photo: it goes after the
 * downloads, so a flood of photos is stored (and acknowledged) first.
 */
export const MAKE_THUMBNAIL_JOB = defineJob({
  name: 'make-thumbnail',
  priority: 'last',
  payload: z.object({ materialId: id }),
});

/**
 * The bot's quick 「收到」 on a message whose file was stored (a reaction; keyed by the message). The
 * sender waits for it (within 3 s of storing), so it is not put last; in a backlog the downloads,
 * enqueued earlier, still go first.
 */
export const REACT_STORED_JOB = defineJob({
  name: 'react-stored',
  payload: z.object({ messageId: z.string(), emojiType: z.string() }),
});

/**
 * A burst nobody filed gets its filing card again, as a reply to its first message: named in the
 * chat's reminder, asked for with 未归档, or before Lark stops taking taps on the last card (14 days).
 */
export const FILING_CARD_AGAIN_JOB = defineJob({
  name: 'filing-card-again',
  priority: 'first',
  payload: z.object({
    burstId: id,
    /** `bound`: sent before the chat was bound, offered once it is. */
    reason: z.enum(['reminder', 'expiring', 'asked', 'bound']),
    /** Lark's idempotency key of the send (≤ 50 chars). */
    uuid: z.string().max(50),
  }),
});

/** A file that ended unsaved after its burst's reply went out: one short notice to the sender. */
export const UNSAVED_NOTICE_JOB = defineJob({
  name: 'unsaved-notice',
  priority: 'first',
  payload: z.object({ materialId: id }),
});

/**
 * One short reply under a burst's card after one of its messages was recalled (撤回): the recalled files
 * are not filed. Into the chat when the card's message id was never recorded.
 */
export const RECALL_NOTICE_JOB = defineJob({
  name: 'recall-notice',
  priority: 'first',
  payload: z.object({
    chatId: z.string(),
    /** The burst's card. */
    replyTo: z.string().optional(),
    text: z.string(),
    /** Lark's idempotency key of the send (≤ 50 chars). */
    uuid: z.string().max(50),
  }),
});

/**
 * Every file of an answered burst was recalled (撤回): its cards (the reply and the copies sent again)
 * are patched to say so, without task buttons. Keyed by the burst.
 */
export const RECALL_CARD_JOB = defineJob({
  name: 'recall-card',
  priority: 'first',
  payload: z.object({ burstId: id }),
});

/**
 * An archivist corrected a filed item (改归 or 撤下, from the correction card, a 查 list or the CLI): the
 * cards of its burst in the village chat (the reply and the copies sent again) are drawn as they are
 * now, so the chat no longer shows the old task and progress. Keyed by the correction's audit row. A task
 * waived or restored (免交 / 恢复任务) draws the same way each burst whose card shows or offers it, keyed by
 * the waiver's audit row (usecases/waiver-follow-up.ts).
 */
export const CORRECTED_CARD_JOB = defineJob({
  name: 'corrected-card',
  priority: 'first',
  payload: z.object({ burstId: id }),
});

/**
 * A task was waived (免交) or restored (恢复任务), from any path: its 「任务 C03」 cards in the chats (bot_messages
 * `task_card`, still within Lark's 14 days) are drawn as it is now — 已免交 without 「回复本卡片…」, or its
 * progress again. Keyed by the task and the waiver's audit row.
 */
export const TASK_CARDS_JOB = defineJob({
  name: 'task-cards',
  priority: 'first',
  payload: z.object({ taskId: id }),
});

/**
 * A message the bot cannot keep and its sender may take as handed in (a folder, a forwarded card,
 * another kind sent to the bot directly: domain/unkept-message.ts): one short reply saying that it
 * was not kept and how to send it. Keyed by the message.
 */
export const UNKEPT_NOTICE_JOB = defineJob({
  // The name of when only folders were answered: jobs queued before an upgrade still run.
  name: 'folder-notice',
  priority: 'first',
  payload: z.object({
    chatId: z.string(),
    messageId: z.string(),
    direct: z.boolean(),
    /** domain/unkept-message.ts; absent in jobs queued by earlier versions (folders). */
    kind: z.enum(['folder', 'card', 'other', 'cloud_doc']).optional(),
  }),
});

/**
 * A text to the bot (in a direct chat, or after the @ in a group) that names no command: kept as a
 * possible caption, and answered with the hint (发送「帮助」…) only when no materials came with it (nor
 * a burst took it late), once the caption window has passed. Keyed by the message; a recall of the text drops it.
 */
export const UNCLEAR_TEXT_JOB = defineJob({
  name: 'unclear-text-hint',
  priority: 'first',
  payload: z.object({ chatId: z.string(), messageId: z.string() }),
});

/**
 * A text its sender wrote after their burst's card went out, soon after the burst and while nobody
 * tapped the card (domain/burst.ts LATE_CAPTION_MS): it becomes the burst's caption (its #code files it)
 * and the burst's cards are drawn again. Keyed by the text's message; a recall of the text drops it.
 */
export const LATE_CAPTION_JOB = defineJob({
  name: 'late-caption',
  priority: 'first',
  payload: z.object({
    burstId: z.number().int(),
    chatId: z.string(),
    messageId: z.string(),
    /** The text is a reply to the burst's own card: its caption, whatever photos follow. */
    toCard: z.boolean().optional(),
  }),
});

/** Lists a merged forward's children and captures them as materials of the same burst. */
export const EXPAND_FORWARD_JOB = defineJob({
  name: 'expand-forward',
  payload: z.object({ messageId: z.string(), chatId: z.string(), senderOpenId: z.string(), burstId: id }),
});

/** Answers a closed burst once (the filing card, or a plain acknowledgment). */
export const ACK_BURST_JOB = defineJob({
  name: 'ack-burst',
  priority: 'first',
  payload: z.object({ burstId: id }),
});

/** The filing card of one part of a split burst (分开归档), as a reply to its file's message. */
export const SPLIT_CARD_JOB = defineJob({
  name: 'split-card',
  priority: 'first',
  payload: z.object({ burstId: id }),
});

/**
 * 分开交 was tapped on one copy of a burst's card (the first, or one sent again by a reminder or 未归档),
 * and a tap came on another copy: a reply under the parts card points to it (sent once per copy).
 */
export const PARTS_CARD_POINTER_JOB = defineJob({
  name: 'parts-card-pointer',
  priority: 'first',
  payload: z.object({
    /** The parts card (its message id). */
    partsCard: z.string(),
    /** Lark's idempotency key of the send (≤ 50 chars). */
    uuid: z.string().max(50),
  }),
});

/** One reconciliation round over the active chats (one per interval slot). */
export const RECONCILE_JOB = defineJob({ name: 'reconcile', priority: 'last', payload: z.object({}) });

/** One message to one person or chat, sent after the transaction that decided it. */
export const NOTIFY_JOB = defineJob({
  name: 'notify',
  priority: 'first',
  payload: z.object({
    receiveIdType: z.enum(['chat_id', 'open_id', 'user_id', 'union_id', 'email']),
    receiveId: z.string(),
    msgType: z.enum(['text', 'interactive']),
    /** Lark's `content` JSON string. */
    content: z.string(),
    /** Lark's idempotency key (≤ 50 chars); also the job key. */
    uuid: z.string().max(50),
  }),
});

/** Delivers one scheduled_sends row (enqueued in SQL when the sends are claimed). */
export const SCHEDULED_SEND_JOB = defineJob({ name: 'scheduled-send', payload: z.object({ sendId: id }) });

/** Numbers a unit's year (確认归档 on the preview card); replaces the card with the outcome. */
export const ARCHIVE_CONFIRM_JOB = defineJob({
  name: 'archive-confirm',
  priority: 'first',
  payload: z.object({
    unitId: id,
    year: z.number().int(),
    taskId: id.optional(),
    actor: z.string(),
    /** The preview card, replaced by the result. */
    messageId: z.string().optional(),
    /** The card's chat: its failure names the command as sent there (absent in jobs queued before). */
    chatId: z.string().optional(),
    /**
     * What the preview showed (domain/previewed-set.ts): only those 件 are numbered. Absent in jobs
     * queued before it was carried: the card draws the preview again instead of numbering.
     */
    shown: z
      .object({ n: z.number().int(), m: z.number().int().nonnegative(), h: z.string().max(32) })
      .optional(),
  }),
});

/** Writes a unit's transfer package and answers in the chat that asked (导出). */
export const ARCHIVE_EXPORT_JOB = defineJob({
  name: 'archive-export',
  payload: z.object({
    unitId: id,
    year: z.number().int(),
    chatId: z.string(),
    messageId: z.string(),
    actor: z.string(),
  }),
});

/** The four-properties check (weekly, or on request). */
export const FOUR_PROPERTIES_JOB = defineJob({
  name: 'four-properties-check',
  priority: 'last',
  payload: z.object({
    unitId: id.optional(),
    year: z.number().int().optional(),
    /** Chat to tell the result (optional; else the archive settings' reportChat). */
    chatId: z.string().optional(),
    /** The ISO week of a scheduled run. */
    week: z.string().optional(),
    /** The message that asked (四性检测 in chat): with the chat, the key of the answers, so a retried run posts them once. */
    requestId: z.string().optional(),
    /**
     * Who asked (open_id), when they asked in a group: the result, which names failing items, and its
     * Excel report go to them by direct message, the group getting one line. Absent when asked in a
     * direct chat (answered there), for the weekly run, and in runs queued before it (into the chat).
     */
    requester: z.string().optional(),
  }),
});

export type JobPayload<J> = J extends { payload: z.ZodType<infer P> } ? P : never;

/**
 * A card callback that overran its answer deadline: the click's work goes on, and this job puts its
 * outcome on the card (or says it in the chat) when it is done.
 */
export const CARD_ACTION_JOB = defineJob({
  name: 'card-action',
  priority: 'first',
  payload: z.object({
    /** Lark's identity of the callback (its event id): the job key. */
    callbackId: z.string(),
    action: z.object({
      operatorOpenId: z.string(),
      value: z.record(z.string(), z.unknown()),
      formValue: z.record(z.string(), z.unknown()).optional(),
      option: z.string().optional(),
      messageId: z.string(),
      chatId: z.string().optional(),
    }),
  }),
});

/**
 * A person the bot saw (a sender, a filer, someone given a role) with no name on record: their name
 * looked up in Lark's contacts and kept in `people`. Keyed by the open_id and the week: a person
 * Lark would not name is asked again at most weekly. Nobody waits for it.
 */
export const LEARN_PERSON_NAME_JOB = defineJob({
  name: 'learn-person-name',
  priority: 'last',
  payload: z.object({ openId: z.string().min(1) }),
});
