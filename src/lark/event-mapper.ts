import type { IncomingEvent, IncomingMessage, Mention } from '../domain/incoming.js';
import { storableContent, storableValue } from '../domain/storable-text.js';
import { PermanentError } from '../errors.js';
import type { LarkMessageItem } from '../ports/chat-gateway.js';

const rec = (v: unknown): Record<string, any> => (typeof v === 'object' && v !== null ? (v as any) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const timeFromMs = (v: unknown, fallback?: Date): Date => {
  const n = Number(v);
  if (Number.isFinite(n) && n > 0) return new Date(n > 1e14 ? Math.floor(n / 1000) : n);
  if (fallback) return fallback;
  throw new PermanentError('malformed_event', `bad time value: ${String(v)}`);
};

/**
 * Maps a stored v2 envelope to what the bot understands. Malformed payloads throw PermanentError.
 * Every string is made storable first (NUL and other characters PostgreSQL or XML cannot hold
 * become U+FFFD, counted on a message as `replacedCharacters`), including inside `content`.
 */
export function mapLarkEvent(envelope: unknown): IncomingEvent {
  const safe = storableValue(envelope);
  const env = rec(safe.value);
  const type = str(rec(env.header).event_type) ?? 'unknown';
  const ev = rec(env.event);
  const at = timeFromMs(rec(env.header).create_time, new Date(0));
  switch (type) {
    case 'im.message.receive_v1':
      return { kind: 'message', message: mapMessage(ev, safe.replaced) };
    case 'im.chat.member.bot.added_v1':
      return {
        kind: 'bot_added',
        chatId: required(str(ev.chat_id), 'event.chat_id'),
        chatName: str(ev.name),
        operatorOpenId: str(rec(ev.operator_id).open_id),
        at,
      };
    case 'im.chat.member.bot.deleted_v1':
      return {
        kind: 'bot_removed',
        chatId: required(str(ev.chat_id), 'event.chat_id'),
        operatorOpenId: str(rec(ev.operator_id).open_id),
        at,
      };
    case 'im.chat.member.user.added_v1':
    case 'im.chat.member.user.deleted_v1':
    case 'im.chat.member.user.withdrawn_v1': {
      const users = memberUsers(ev.users);
      const joined = type === 'im.chat.member.user.added_v1';
      return {
        kind: 'members_changed',
        chatId: required(str(ev.chat_id), 'event.chat_id'),
        joined: joined ? users : [],
        left: joined ? [] : users.map((u) => u.openId),
        at,
      };
    }
    case 'im.message.recalled_v1':
      return {
        kind: 'recall',
        recall: {
          messageId: required(str(ev.message_id), 'event.message_id'),
          chatId: required(str(ev.chat_id), 'event.chat_id'),
          recalledAt: timeFromMs(ev.recall_time, at),
          ...(str(ev.recall_type) ? { recallType: str(ev.recall_type)! } : {}),
        },
      };
    case 'card.action.trigger':
      return {
        kind: 'card_action',
        action: {
          operatorOpenId: required(str(rec(ev.operator).open_id), 'event.operator.open_id'),
          value: rec(rec(ev.action).value),
          formValue: ev.action?.form_value ? rec(ev.action.form_value) : undefined,
          option: str(rec(ev.action).option),
          messageId: str(rec(ev.context).open_message_id),
          chatId: str(rec(ev.context).open_chat_id),
          token: str(ev.token),
        },
      };
    case 'application.bot.menu_v6':
      return {
        kind: 'menu',
        eventId: required(str(rec(env.header).event_id), 'header.event_id'),
        operatorOpenId: required(
          str(rec(rec(ev.operator).operator_id).open_id),
          'event.operator.operator_id.open_id',
        ),
        key: required(str(ev.event_key), 'event.event_key'),
        at,
      };
    default:
      return { kind: 'other', type };
  }
}

function required<T>(v: T | undefined, field: string): T {
  if (v === undefined) throw new PermanentError('malformed_event', `${field} is missing`);
  return v;
}

/** `event.users` of the member events: each with its open_id (else the event is malformed) and name. */
function memberUsers(v: unknown): { openId: string; name?: string }[] {
  if (!Array.isArray(v)) throw new PermanentError('malformed_event', 'event.users is not a list');
  return v.map((u, i) => {
    const name = str(rec(u).name)?.trim();
    return {
      openId: required(str(rec(rec(u).user_id).open_id), `event.users[${i}].user_id.open_id`),
      ...(name ? { name } : {}),
    };
  });
}

function mapMessage(ev: Record<string, any>, replacedInEnvelope: number): IncomingMessage {
  const m = rec(ev.message);
  const content = storableContent(
    typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? {}),
  );
  const replaced = replacedInEnvelope + content.replaced;
  const sender = rec(ev.sender);
  const mentions: Mention[] = Array.isArray(m.mentions)
    ? m.mentions.map((x: any) => ({
        key: String(x?.key ?? ''),
        openId: str(rec(x?.id).open_id),
        name: String(x?.name ?? ''),
      }))
    : [];
  return {
    messageId: required(str(m.message_id), 'event.message.message_id'),
    chatId: required(str(m.chat_id), 'event.message.chat_id'),
    chatType: str(m.chat_type) ?? 'group',
    senderOpenId: str(rec(sender.sender_id).open_id),
    senderType: str(sender.sender_type) ?? 'user',
    msgType: required(str(m.message_type), 'event.message.message_type'),
    content: content.content,
    sentAt: timeFromMs(m.create_time),
    parentId: str(m.parent_id),
    rootId: str(m.root_id),
    threadId: str(m.thread_id),
    mentions,
    ...(replaced > 0 ? { replacedCharacters: replaced } : {}),
  };
}

/**
 * A message from the message APIs (list/get) as if it had arrived as an event: reconciliation
 * feeds missed messages through the same path as live ones.
 */
export function envelopeFromApiMessage(item: LarkMessageItem, chatType: string, appId: string): object {
  return {
    schema: '2.0',
    header: {
      event_id: `reconcile:${item.message_id}`,
      event_type: 'im.message.receive_v1',
      create_time: item.create_time,
      app_id: appId,
    },
    event: {
      sender: {
        sender_id: item.sender.id_type === 'open_id' ? { open_id: item.sender.id } : {},
        sender_type: item.sender.sender_type,
      },
      message: {
        message_id: item.message_id,
        root_id: item.root_id,
        parent_id: item.parent_id,
        thread_id: item.thread_id,
        create_time: item.create_time,
        chat_id: item.chat_id,
        chat_type: chatType,
        message_type: item.msg_type,
        content: item.body?.content ?? '{}',
        mentions: (item.mentions ?? []).map((x) => ({
          key: x.key,
          id: x.id_type === 'open_id' ? { open_id: x.id } : {},
          name: x.name,
        })),
      },
    },
  };
}
