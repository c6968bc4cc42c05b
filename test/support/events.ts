import { randomBytes } from 'node:crypto';

export const TEST_ENCRYPT_KEY = 'test-encrypt-key';
export const TEST_VERIFICATION_TOKEN = 'test-verification-token';

const id = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

export interface MessageEventInput {
  appId: string;
  chatId?: string;
  chatType?: 'group' | 'p2p';
  messageId?: string;
  eventId?: string;
  senderOpenId?: string;
  msgType?: string;
  /** Lark `content` object (stringified for you). */
  content?: unknown;
  mentions?: { key: string; openId: string; name: string }[];
  createTimeMs?: number;
  parentId?: string;
  rootId?: string;
}

let lastDefaultTime = 0;
/**
 * Now, but later than the last default: two messages built within one millisecond still follow one
 * another (with equal times a burst's first is whichever a worker records first).
 */
const defaultCreateTime = () => (lastDefaultTime = Math.max(Date.now(), lastDefaultTime + 1));

/** A genuine-looking `im.message.receive_v1` v2 envelope (`createTimeMs` default: now, see above). */
export function messageEvent(i: MessageEventInput) {
  const createTime = String(i.createTimeMs ?? defaultCreateTime());
  return {
    schema: '2.0',
    header: {
      event_id: i.eventId ?? id('ev'),
      event_type: 'im.message.receive_v1',
      create_time: createTime,
      token: TEST_VERIFICATION_TOKEN,
      app_id: i.appId,
      tenant_key: 'tenant_test',
    },
    event: {
      sender: {
        sender_id: { open_id: i.senderOpenId ?? 'ou_sender0000000000000000000001' },
        sender_type: 'user',
        tenant_key: 'tenant_test',
      },
      message: {
        message_id: i.messageId ?? id('om_'),
        ...(i.rootId ? { root_id: i.rootId } : {}),
        ...(i.parentId ? { parent_id: i.parentId } : {}),
        create_time: createTime,
        update_time: createTime,
        chat_id: i.chatId ?? id('oc_'),
        chat_type: i.chatType ?? 'group',
        message_type: i.msgType ?? 'text',
        content: JSON.stringify(i.content ?? { text: 'hello' }),
        ...(i.mentions
          ? {
              mentions: i.mentions.map((m) => ({
                key: m.key,
                id: { open_id: m.openId },
                name: m.name,
                tenant_key: 'tenant_test',
              })),
            }
          : {}),
      },
    },
  };
}

/** `@bot <text>` in a group (the bot's open id comes from the fake's bot info). */
export function commandEvent(
  i: Omit<MessageEventInput, 'content' | 'mentions'> & { botOpenId: string; text: string },
) {
  return messageEvent({
    ...i,
    msgType: 'text',
    content: { text: `@_user_1 ${i.text}` },
    mentions: [{ key: '@_user_1', openId: i.botOpenId, name: '归档助手' }],
  });
}

export function botMembershipEvent(i: {
  appId: string;
  type: 'added' | 'deleted';
  chatId: string;
  name?: string;
  operatorOpenId?: string;
  eventId?: string;
  /** When Lark says it happened (header.create_time); default now. */
  createTime?: Date;
}) {
  return {
    schema: '2.0',
    header: {
      event_id: i.eventId ?? id('ev'),
      event_type: `im.chat.member.bot.${i.type}_v1`,
      create_time: String((i.createTime ?? new Date()).getTime()),
      token: TEST_VERIFICATION_TOKEN,
      app_id: i.appId,
      tenant_key: 'tenant_test',
    },
    event: {
      chat_id: i.chatId,
      operator_id: { open_id: i.operatorOpenId ?? 'ou_admin000000000000000000000001' },
      external: false,
      name: i.name ?? '测试群',
    },
  };
}

/**
 * People joined (`added`), left or were removed (`deleted`), or their invitation was withdrawn
 * (`withdrawn`): `im.chat.member.user.*_v1`, shaped as test/fixtures/lark/im.chat.member.user.added_v1.json.
 */
export function chatMemberEvent(i: {
  appId: string;
  type: 'added' | 'deleted' | 'withdrawn';
  chatId: string;
  users: { openId: string; name?: string }[];
  eventId?: string;
}) {
  return {
    schema: '2.0',
    header: {
      event_id: i.eventId ?? id('ev'),
      event_type: `im.chat.member.user.${i.type}_v1`,
      create_time: String(Date.now()),
      token: TEST_VERIFICATION_TOKEN,
      app_id: i.appId,
      tenant_key: 'tenant_test',
    },
    event: {
      chat_id: i.chatId,
      operator_id: { open_id: 'ou_admin000000000000000000000001' },
      external: false,
      operator_tenant_key: 'tenant_test',
      users: i.users.map((u) => ({
        ...(u.name !== undefined ? { name: u.name } : {}),
        tenant_key: 'tenant_test',
        user_id: { open_id: u.openId },
      })),
      name: '测试群',
    },
  };
}

export function cardActionEvent(i: {
  appId: string;
  operatorOpenId: string;
  value: Record<string, unknown>;
  messageId?: string;
  chatId?: string;
  formValue?: Record<string, unknown>;
  /** The chosen option of a select menu. */
  option?: string;
  eventId?: string;
}) {
  return {
    schema: '2.0',
    header: {
      event_id: i.eventId ?? id('ev'),
      token: TEST_VERIFICATION_TOKEN,
      create_time: String(Date.now() * 1000),
      event_type: 'card.action.trigger',
      tenant_key: 'tenant_test',
      app_id: i.appId,
    },
    event: {
      operator: { tenant_key: 'tenant_test', open_id: i.operatorOpenId },
      token: `c-${randomBytes(16).toString('hex')}`,
      action: {
        value: i.value,
        tag: i.option ? 'select_static' : 'button',
        ...(i.formValue ? { form_value: i.formValue } : {}),
        ...(i.option ? { option: i.option } : {}),
      },
      host: 'im_message',
      context: { open_message_id: i.messageId ?? id('om_'), open_chat_id: i.chatId ?? id('oc_') },
    },
  };
}

/** A tap on the bot's custom menu (`application.bot.menu_v6`, a direct chat with the bot). */
export function botMenuEvent(i: {
  appId: string;
  operatorOpenId: string;
  eventKey: string;
  eventId?: string;
}) {
  return {
    schema: '2.0',
    header: {
      event_id: i.eventId ?? id('ev'),
      event_type: 'application.bot.menu_v6',
      create_time: String(Date.now()),
      token: TEST_VERIFICATION_TOKEN,
      app_id: i.appId,
      tenant_key: 'tenant_test',
    },
    event: {
      operator: {
        operator_name: '王村官',
        operator_id: { open_id: i.operatorOpenId, union_id: 'on_menu_union', user_id: 'menu_user' },
      },
      event_key: i.eventKey,
      timestamp: Math.floor(Date.now() / 1000),
    },
  };
}

/**
 * A message recalled (撤回) in a chat: `im.message.recalled_v1`, shaped as test/fixtures/lark/im.message.recalled_v1.json
 * (`recall_time` in ms; `recall_type` message_owner | group_owner | group_manager | enterprise_manager).
 */
export function recallEvent(i: {
  appId: string;
  messageId: string;
  chatId: string;
  recallType?: 'message_owner' | 'group_owner' | 'group_manager' | 'enterprise_manager';
  recallTimeMs?: number;
  eventId?: string;
}) {
  const at = String(i.recallTimeMs ?? Date.now());
  return {
    schema: '2.0',
    header: {
      event_id: i.eventId ?? id('ev'),
      event_type: 'im.message.recalled_v1',
      create_time: at,
      token: TEST_VERIFICATION_TOKEN,
      app_id: i.appId,
      tenant_key: 'tenant_test',
    },
    event: {
      message_id: i.messageId,
      chat_id: i.chatId,
      recall_time: at,
      recall_type: i.recallType ?? 'message_owner',
    },
  };
}
