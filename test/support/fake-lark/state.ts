import { randomBytes } from 'node:crypto';
import { FakeOAuth } from './routes-oauth.js';
import type {
  FakeChat,
  FakeMessageInput,
  FakeMessageItem,
  FakeResource,
  FakeUser,
  PatchRecord,
  ReactionRecord,
  SentMessage,
  UploadRecord,
} from './types.js';

export interface FakeStateOptions {
  appId: string;
  appSecret: string;
  botOpenId: string;
  botName: string;
  resourceLatencyMs: number;
}

/** Everything the fake remembers; routes read and write it, tests inspect it through FakeLark. */
export class FakeState {
  readonly tokens = new Map<string, { valid: boolean }>();
  tokensIssued = 0;
  /** HTTP status of a "token invalid" (99991663) answer: Lark uses 400; some gateways say 200. */
  staleTokenStatus: 200 | 400 = 400;
  resourceLatencyMs: number;

  readonly messages = new Map<string, FakeMessageItem>();
  readonly resources = new Map<string, FakeResource>();
  readonly chats = new Map<string, FakeChat>();
  readonly users = new Map<string, FakeUser>();
  readonly sent: SentMessage[] = [];
  readonly uuids = new Map<string, string>();
  readonly patches: PatchRecord[] = [];
  readonly reactions: ReactionRecord[] = [];
  readonly uploads: UploadRecord[] = [];
  readonly oauth = new FakeOAuth();
  /** Who opened each message, in the order they read it (read_users). */
  readonly reads = new Map<string, { openId: string; at: number }[]>();
  /** The time messages are created at (a test sets the bot's clock, so history and clock agree). */
  now: () => number = Date.now;
  private seq = 0;

  constructor(readonly opts: FakeStateOptions) {
    this.resourceLatencyMs = opts.resourceLatencyMs;
  }

  issueToken(): string {
    const token = `t-fake${++this.seq}${randomBytes(8).toString('hex')}`;
    this.tokens.set(token, { valid: true });
    this.tokensIssued++;
    return token;
  }

  expireTokens(): void {
    for (const t of this.tokens.values()) t.valid = false;
  }

  isValidToken(token: string | undefined): boolean {
    return token !== undefined && this.tokens.get(token)?.valid === true;
  }

  nextId(prefix: string): string {
    return `${prefix}${(++this.seq).toString(16).padStart(8, '0')}${randomBytes(12).toString('hex')}`;
  }

  addMessage(input: FakeMessageInput): FakeMessageItem {
    const now = String(this.now());
    const item: FakeMessageItem = {
      msg_type: 'text',
      create_time: now,
      update_time: input.create_time ?? now,
      deleted: false,
      updated: false,
      sender: { id: 'ou_fake_sender', id_type: 'open_id', sender_type: 'user', tenant_key: 'fake_tenant' },
      body: { content: '{"text":""}' },
      ...input,
    };
    this.messages.set(item.message_id, item);
    return item;
  }

  /** The message itself, then (for a merged forward) every descendant, in registration order. */
  messageWithDescendants(id: string): FakeMessageItem[] {
    const root = this.messages.get(id);
    if (!root) return [];
    const all = [...this.messages.values()];
    const descends = (m: FakeMessageItem): boolean => {
      const seen = new Set<string>();
      let up = m.upper_message_id;
      while (up && !seen.has(up)) {
        if (up === id) return true;
        seen.add(up);
        up = this.messages.get(up)?.upper_message_id;
      }
      return false;
    };
    return [root, ...all.filter((m) => m.message_id !== id && descends(m))];
  }

  /** Records a message the bot sent, as an item the get/list APIs return too. */
  recordSent(sent: Omit<SentMessage, 'messageId'>, rawContent: string): FakeMessageItem {
    const messageId = this.nextId('om_');
    const parent = sent.replyTo ? this.messages.get(sent.replyTo) : undefined;
    const item = this.addMessage({
      message_id: messageId,
      chat_id: sent.chatId ?? '',
      msg_type: sent.msgType,
      body: { content: rawContent },
      sender: { id: this.opts.appId, id_type: 'app_id', sender_type: 'app', tenant_key: 'fake_tenant' },
      ...(parent ? { root_id: parent.root_id ?? parent.message_id, parent_id: parent.message_id } : {}),
    });
    this.sent.push({ ...sent, messageId });
    if (sent.uuid) this.uuids.set(sent.uuid, messageId);
    return item;
  }

  resourceKey(messageId: string, fileKey: string): string {
    return `${messageId}/${fileKey}`;
  }
}
