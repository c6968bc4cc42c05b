import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  bigserial,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamptz,
  uniqueIndex,
} from './columns.js';
import type { BurstStatus, MaterialStatus } from './column-types.js';

/**
 * Every message the bot saw in a chat (live, or found by reconciliation), including text (captions,
 * commands, notes) and ignored kinds (stickers, shares, system). Resources become `materials`.
 */
export const messages = pgTable(
  'messages',
  {
    messageId: text('message_id').primaryKey(),
    chatId: text('chat_id').notNull(),
    chatType: text('chat_type').notNull(),
    senderOpenId: text('sender_open_id'),
    msgType: text('msg_type').notNull(),
    sentAt: timestamptz('sent_at').notNull(),
    /** Plain text of text/post messages (mentions replaced by names). */
    text: text('text'),
    parentId: text('parent_id'),
    rootId: text('root_id'),
    /** For children of a merged forward: the forward they came in (top-level message id). */
    forwardRootId: text('forward_root_id'),
    upperMessageId: text('upper_message_id'),
    /** captured | ignored */
    disposition: text('disposition').notNull(),
    /** Ids of users @mentioned (incl. the bot) — commands are recognised from it. */
    mentions: jsonb('mentions'),
    recordedAt: timestamptz('recorded_at').notNull(),
  },
  (t) => [index('messages_chat_sent_idx').on(t.chatId, t.sentAt)],
);

/** One stored copy of some bytes; the file on disk is named by the hash (content-addressed). */
export const blobs = pgTable('blobs', {
  sha256: text('sha256').primaryKey(),
  sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
  sniffedMime: text('sniffed_mime'),
  storageKey: text('storage_key').notNull(),
  storedAt: timestamptz('stored_at').notNull(),
});

/** One row per (message, resource): a photo, document, voice note or video posted in a chat. */
export const materials = pgTable(
  'materials',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: text('message_id').notNull(),
    /** image_key / file_key inside the message. */
    resourceKey: text('resource_key').notNull(),
    /** Lark's download `type`: image | file. */
    resourceType: text('resource_type').notNull(),
    /** Message id to download with first (a merged forward's parent), then `messageId`. */
    downloadMessageId: text('download_message_id'),
    chatId: text('chat_id').notNull(),
    senderOpenId: text('sender_open_id'),
    sentAt: timestamptz('sent_at').notNull(),
    /** photo | document | audio | video */
    kind: text('kind').notNull(),
    /** main | cover (the poster image of a video, kept as its own photo material) */
    role: text('role').notNull().default('main'),
    originalName: text('original_name'),
    declaredMime: text('declared_mime'),
    sniffedMime: text('sniffed_mime'),
    /** What the magic bytes alone say (sniff-file.ts `bytesMime`); null: no known signature, or not judged. */
    bytesMime: text('bytes_mime'),
    /**
     * The stored file's format is one the archive refuses (domain/format-verdict.ts against archive.yaml
     * allowedFormats; a format the export converts is not refused): kept and shown, never counted towards
     * a task. Null: not judged (stored before migration 0036, a video's cover).
     */
    formatRefused: boolean('format_refused'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    /** Length Lark reported (audio/video duration in ms, when given). */
    durationMs: integer('duration_ms'),
    sha256: text('sha256'),
    storageKey: text('storage_key'),
    /** First material with the same bytes (this one is a duplicate of it). */
    duplicateOf: bigint('duplicate_of', { mode: 'number' }),
    caption: text('caption'),
    parentId: text('parent_id'),
    rootId: text('root_id'),
    forwardRootId: text('forward_root_id'),
    /** pending | stored | failed | needs_reupload | too_large | empty | recalled */
    status: text('status').$type<MaterialStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    burstId: bigint('burst_id', { mode: 'number' }),
    // Photos
    takenAt: timestamptz('taken_at'),
    gpsLat: doublePrecision('gps_lat'),
    gpsLng: doublePrecision('gps_lng'),
    cameraMake: text('camera_make'),
    cameraModel: text('camera_model'),
    width: integer('width'),
    height: integer('height'),
    /** ok | compressed (under 3 MP: probably re-encoded by the chat client; a large scan without EXIF is ok) */
    quality: text('quality'),
    thumbnailKey: text('thumbnail_key'),
    createdAt: timestamptz('created_at').notNull(),
    storedAt: timestamptz('stored_at'),
  },
  (t) => [
    uniqueIndex('materials_message_resource_key').on(t.messageId, t.resourceKey),
    index('materials_chat_sent_idx').on(t.chatId, t.sentAt),
    index('materials_sha256_idx').on(t.sha256),
    index('materials_burst_idx').on(t.burstId),
    // A sender renamed: the search text (item_search) of the items holding their materials is rewritten.
    index('materials_sender_idx').on(t.senderOpenId),
    // A wide unit page's quality problems (a province's thousands of chats): the recent ones at once,
    // counted by chat without reading the rows (chat_id in the index: index-only).
    index('materials_compressed_sent_idx')
      .on(t.sentAt, t.chatId)
      .where(sql`kind = 'photo' and quality = 'compressed'`),
    index('materials_failed_sent_idx')
      .on(t.sentAt, t.chatId)
      .where(sql`status in ('failed', 'needs_reupload', 'too_large')`),
    index('materials_unfinished_idx')
      .on(t.createdAt)
      .where(sql`status = 'pending'`),
  ],
);

/**
 * Items from one sender in one chat within a quiet window. Closed when the window passes; then it
 * gets one acknowledgment (later: the filing card). A first-class record, not a timer in memory.
 */
export const bursts = pgTable(
  'bursts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chatId: text('chat_id').notNull(),
    senderOpenId: text('sender_open_id').notNull(),
    firstMessageId: text('first_message_id').notNull(),
    firstAt: timestamptz('first_at').notNull(),
    lastAt: timestamptz('last_at').notNull(),
    /** When the quiet window ends (last item + window). */
    closesAt: timestamptz('closes_at').notNull(),
    /** open | closed (acknowledged) */
    status: text('status').$type<BurstStatus>().notNull().default('open'),
    /** Caption-like text sent right before/within/after the burst. */
    caption: text('caption'),
    ackMessageId: text('ack_message_id'),
    /** When the reply was first about to be sent (written before the send; the uuid repeats it). */
    ackClaimedAt: timestamptz('ack_claimed_at'),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [
    index('bursts_open_idx')
      .on(t.chatId, t.senderOpenId)
      .where(sql`status = 'open'`),
    index('bursts_closing_idx')
      .on(t.closesAt)
      .where(sql`status = 'open'`),
    // A photo sent as a reply to a burst's card: which burst (and filing) that card is.
    index('bursts_ack_message_idx')
      .on(t.ackMessageId)
      .where(sql`ack_message_id is not null`),
  ],
);

/**
 * Messages recalled (撤回) in a chat, as Lark told us (`im.message.recalled_v1`): kept whether or not the
 * bot saw the message, since a recall may arrive before the message's own event. Keyed by message and
 * chat: a recall naming another chat than the message's applies to nothing (and cannot block the real
 * one). Materials and messages inserted after the recall are marked by triggers (migration 0019):
 * materials `recalled`, no download; a message's text dropped.
 */
export const messageRecalls = pgTable(
  'message_recalls',
  {
    messageId: text('message_id').notNull(),
    chatId: text('chat_id').notNull(),
    /** Lark's recall_time. */
    recalledAt: timestamptz('recalled_at').notNull(),
    /** message_owner | group_owner | group_manager | enterprise_manager (Lark's recall_type) */
    recallType: text('recall_type'),
    recordedAt: timestamptz('recorded_at').notNull(),
  },
  (t) => [primaryKey({ name: 'message_recalls_pkey', columns: [t.messageId, t.chatId] })],
);
