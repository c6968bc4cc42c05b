import type { IncomingMessage, ServerResponse } from 'node:http';

/** One request the fake received, in arrival order. */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, when the body was JSON. */
  json?: unknown;
  /** Raw body length in bytes (multipart uploads, empty bodies). */
  bodyLength: number;
  /** Milliseconds since the epoch when the request arrived. */
  time: number;
}

/** A message as Lark's get/list APIs return it (`msg_type`, `body.content`, `sender.id`). */
export interface FakeMessageItem {
  message_id: string;
  msg_type: string;
  chat_id: string;
  create_time: string;
  update_time?: string;
  deleted?: boolean;
  updated?: boolean;
  root_id?: string;
  parent_id?: string;
  thread_id?: string;
  upper_message_id?: string;
  sender: { id: string; id_type: string; sender_type: string; tenant_key?: string };
  body: { content: string };
  mentions?: { key: string; id: string; id_type: string; name: string }[];
}

/** What a test registers: the id, chat and type are required, the rest gets defaults. */
export type FakeMessageInput = Partial<FakeMessageItem> & Pick<FakeMessageItem, 'message_id' | 'chat_id'>;

export interface FakeResource {
  messageId: string;
  fileKey: string;
  bytes: Buffer;
  contentType?: string;
  fileName?: string;
  /** Answer every download of this resource with this Lark code (HTTP 400), e.g. 234043 or 234037. */
  errorCode?: number;
  /** Above this size a request without Range is refused with 234037 (the client must use Range). */
  maxWholeFileBytes?: number;
}

export interface FakeChat {
  chatId: string;
  name: string;
  chatMode?: 'group' | 'p2p' | 'topic';
  ownerId?: string;
  members: { openId: string; name: string }[];
}

export interface FakeUser {
  openId: string;
  name: string;
  enName?: string;
  /** Found by `contact/v3/users/batch_get_id` (as written here, e.g. 13800138000 or +8613800138000). */
  mobile?: string;
  email?: string;
  /** Resigned users are found only with `include_resigned: true`. */
  resigned?: boolean;
}

/** A create or a reply the bot made (deduplicated by uuid, like Lark). */
export interface SentMessage {
  messageId: string;
  /** The chat the message landed in (for replies: the parent's chat, when the fake knows it). */
  chatId?: string;
  receiveId?: string;
  receiveIdType?: string;
  msgType: string;
  /** `content` parsed from its JSON string. */
  content: unknown;
  uuid?: string;
  /** For replies: the message replied to. */
  replyTo?: string;
  replyInThread?: boolean;
}

export interface PatchRecord {
  messageId: string;
  content: unknown;
}

export interface ReactionRecord {
  messageId: string;
  emojiType: string;
}

export interface UploadRecord {
  kind: 'image' | 'file';
  key: string;
  bytes: Buffer;
  fields: Record<string, string>;
  fileName?: string;
}

export type Fault =
  | { status: 429; resetSeconds: number }
  | { status: 500 | 502 | 503 }
  | { code: number; status?: number; msg?: string }
  | { delayMs: number }
  /** Held until the promise settles, then answered as usual (calls in flight at once, counted by callsTo). */
  | { until: Promise<unknown> }
  | { truncateAfterBytes: number }
  /** Send this many bytes of the body, then hold the connection open (a download hanging mid-way). */
  | { stallAfterBytes: number }
  /** Drop the connection without answering (ECONNRESET / socket hang up on the client). */
  | { reset: true }
  /** Do the work (a message is sent), then drop the connection instead of answering: the answer is lost. */
  | { dropResponse: true };

export interface Injection {
  method?: string;
  path: string | RegExp;
  /** How many matching requests get the fault (default: every one until cleared). */
  times?: number;
  fault: Fault;
}

export interface RateLimitRule {
  method?: string;
  path: RegExp;
  perSecond: number;
  /** Groups requests (e.g. per chat); default: one window per rule. */
  keyBy?: (call: RecordedCall) => string;
  /** 99991400 (HTTP 429, default) or 230020 (HTTP 400, the per-chat limit). */
  code?: 99991400 | 230020;
}

/** Extension hook (e.g. the WebSocket gateway): return true when the request was handled. */
export type FakeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
) => boolean | Promise<boolean>;
