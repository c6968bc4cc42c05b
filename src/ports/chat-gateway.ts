import type { Readable } from 'node:stream';

/**
 * Everything the bot asks of Lark. The only adapter is `LarkChatGateway` (src/lark/); tests run it
 * against the fake Lark server. Errors: `LarkApiError` (Lark said no, with its code) or
 * `LarkNetworkError` (timeouts, resets).
 */
export interface ChatGateway {
  sendMessage(input: SendMessageInput): Promise<{ messageId: string }>;
  reply(input: ReplyInput): Promise<{ messageId: string }>;
  /** Replaces a card the bot sent (Lark: PATCH /im/v1/messages/:id, within 14 days). */
  patchCard(input: { messageId: string; card: object }): Promise<void>;
  /** Adds the bot's reaction (an emoji key such as `DONE`) to a message: POST /im/v1/messages/:id/reactions. */
  addReaction(input: { messageId: string; emojiType: string }): Promise<void>;
  /** GET /im/v1/messages/:id — for a merged forward, the parent followed by every descendant. */
  getMessage(messageId: string): Promise<LarkMessageItem[]>;
  listMessages(
    input: ListMessagesInput,
  ): Promise<{ items: LarkMessageItem[]; pageToken?: string; hasMore: boolean }>;
  /** Streams a message resource; `range` asks for bytes [start, end] inclusive. */
  downloadResource(input: DownloadInput): Promise<ResourceDownload>;
  uploadImage(input: { bytes: Buffer }): Promise<{ imageKey: string }>;
  uploadFile(input: {
    fileName: string;
    bytes: Buffer;
    fileType?: 'stream' | 'pdf' | 'doc' | 'xls' | 'mp4' | 'opus' | 'ppt';
  }): Promise<{ fileKey: string }>;
  getChat(chatId: string): Promise<ChatInfo>;
  /**
   * Cached for a while, and kept up to date by `membersChanged`. `expecting`: people seen in the chat
   * (or tapping its cards); a cached list lacking one of them is read again, at most once per chat in a
   * short interval, and not for someone such a read already found missing (they left).
   */
  listChatMembers(chatId: string, opts?: { expecting?: readonly string[] }): Promise<ChatMember[]>;
  /** People joined or left a chat (Lark told us): its cached member list follows at once. */
  membersChanged(chatId: string, change: ChatMembersChange): void;
  getUser(openId: string): Promise<UserInfo | undefined>;
  getBotInfo(): Promise<{ openId: string; name: string }>;
  /**
   * The open_ids of those who read a message the bot itself sent, earliest first (GET
   * /im/v1/messages/:id/read_users, every page). Lark answers only within 7 days of sending (230033).
   */
  readUsers(messageId: string): Promise<string[]>;
}

export type ReceiveIdType = 'chat_id' | 'open_id' | 'user_id' | 'union_id' | 'email';

export interface OutgoingMessage {
  msgType: 'text' | 'post' | 'interactive' | 'image' | 'file';
  /** Lark's `content`: a JSON string ({"text": …}, a card, {"image_key": …}). */
  content: string;
}

export interface SendMessageInput {
  receiveIdType: ReceiveIdType;
  receiveId: string;
  message: OutgoingMessage;
  /** Lark's idempotency key (≤ 50 chars): a retry with the same uuid does not post twice. */
  uuid: string;
}

export interface ReplyInput {
  messageId: string;
  message: OutgoingMessage;
  uuid: string;
  replyInThread?: boolean;
}

export interface ListMessagesInput {
  chatId: string;
  startTime: Date;
  endTime: Date;
  pageToken?: string;
  pageSize?: number;
}

/** A message as Lark's message APIs return it (get/list), not as events carry it. */
export interface LarkMessageItem {
  message_id: string;
  root_id?: string;
  parent_id?: string;
  thread_id?: string;
  upper_message_id?: string;
  msg_type: string;
  create_time: string;
  update_time?: string;
  deleted?: boolean;
  chat_id: string;
  sender: { id: string; id_type: string; sender_type: string; tenant_key?: string };
  body: { content: string };
  mentions?: { key: string; id: string; id_type: string; name: string }[];
}

export interface DownloadInput {
  messageId: string;
  fileKey: string;
  type: 'image' | 'file';
  range?: { start: number; end: number };
  /** Abort the download when no byte arrived for this long (default 30 s). */
  idleTimeoutMs?: number;
}

export interface ResourceDownload {
  stream: Readable;
  status: number;
  contentLength?: number;
  /** Parsed `Content-Range: bytes start-end/total`. */
  contentRange?: { start: number; end: number; total: number };
  contentType?: string;
  /** From Content-Disposition, as metadata only. */
  fileName?: string;
}

export interface ChatInfo {
  chatId: string;
  name?: string;
  chatMode?: string;
  ownerId?: string;
}

export interface ChatMember {
  openId: string;
  name?: string;
}

export interface ChatMembersChange {
  joined: readonly ChatMember[];
  /** open_ids */
  left: readonly string[];
}

export interface UserInfo {
  openId: string;
  name: string;
}
