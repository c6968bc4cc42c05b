/** What the bot receives, in its own words (the Lark mapper in src/lark/ produces these). */
export interface IncomingMessage {
  messageId: string;
  chatId: string;
  /** group | p2p | topic … */
  chatType: string;
  senderOpenId?: string;
  /** user | app | … */
  senderType: string;
  msgType: string;
  /** Lark's `content` JSON string, kept verbatim. */
  content: string;
  sentAt: Date;
  parentId?: string;
  rootId?: string;
  threadId?: string;
  mentions: Mention[];
  /** Characters no store can hold (NUL, U+FFFE, …) replaced by U+FFFD while mapping (domain/storable-text.ts). */
  replacedCharacters?: number;
}

export interface Mention {
  key: string;
  openId?: string;
  name: string;
}

export type IncomingEvent =
  | { kind: 'message'; message: IncomingMessage }
  | { kind: 'bot_added'; chatId: string; chatName?: string; operatorOpenId?: string; at: Date }
  | { kind: 'bot_removed'; chatId: string; operatorOpenId?: string; at: Date }
  | { kind: 'card_action'; action: CardAction }
  /** A tap on the bot's custom menu (direct chat with the bot): `key` is the item's event_key. */
  | { kind: 'menu'; eventId: string; operatorOpenId: string; key: string; at: Date }
  /**
   * People joined a chat the bot is in, or left it (left, were removed, or their invitation was
   * withdrawn): `joined` with the names Lark gives, `left` as open_ids.
   */
  | { kind: 'members_changed'; chatId: string; joined: ChatMemberSeen[]; left: string[]; at: Date }
  /** A message recalled (撤回) in a chat the bot is in. */
  | { kind: 'recall'; recall: MessageRecall }
  | { kind: 'other'; type: string };

export interface ChatMemberSeen {
  openId: string;
  name?: string;
}

export interface CardAction {
  operatorOpenId: string;
  value: Record<string, unknown>;
  formValue?: Record<string, unknown>;
  /** The chosen option of a select menu. */
  option?: string;
  messageId?: string;
  chatId?: string;
  /** Callback token for a delayed card update. */
  token?: string;
  /**
   * Lark's identity of the tap (its callback's event id), the same when its `card-action` job runs it
   * again: a send the tap makes is keyed by it, so a re-run after a lost answer does not post twice.
   */
  callbackId?: string;
}

export interface MessageRecall {
  messageId: string;
  /** The chat the recall names (checked against the message's own chat before anything changes). */
  chatId: string;
  recalledAt: Date;
  /** Who recalled it, as Lark says: message_owner | group_owner | group_manager | enterprise_manager. */
  recallType?: string;
}

/** Who recalled a message (Lark's recall_type), in the words the archivist and the pages use. */
export const RECALLED_BY: Readonly<Record<string, string>> = {
  message_owner: '发送人',
  group_owner: '群主',
  group_manager: '群管理员',
  enterprise_manager: '企业管理员',
};
