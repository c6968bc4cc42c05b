import type { LarkMessageItem } from '../ports/chat-gateway.js';

type RawItem = {
  message_id?: string;
  root_id?: string;
  parent_id?: string;
  thread_id?: string;
  upper_message_id?: string;
  msg_type?: string;
  create_time?: string;
  update_time?: string;
  deleted?: boolean;
  chat_id?: string;
  sender?: { id?: string; id_type?: string; sender_type?: string; tenant_key?: string };
  body?: { content?: string };
  mentions?: { key: string; id: string; id_type: string; name: string }[];
};

const opt = <K extends string, V>(key: K, value: V | undefined | null | '') =>
  (value === undefined || value === null || value === '' ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** The SDK types every field of a message item as optional; the port promises the required ones. */
export function toMessageItem(raw: RawItem): LarkMessageItem {
  return {
    message_id: raw.message_id ?? '',
    msg_type: raw.msg_type ?? '',
    create_time: raw.create_time ?? '',
    chat_id: raw.chat_id ?? '',
    sender: {
      id: raw.sender?.id ?? '',
      id_type: raw.sender?.id_type ?? '',
      sender_type: raw.sender?.sender_type ?? '',
      ...opt('tenant_key', raw.sender?.tenant_key),
    },
    body: { content: raw.body?.content ?? '' },
    ...opt('root_id', raw.root_id),
    ...opt('parent_id', raw.parent_id),
    ...opt('thread_id', raw.thread_id),
    ...opt('upper_message_id', raw.upper_message_id),
    ...opt('update_time', raw.update_time),
    ...opt('deleted', raw.deleted),
    ...opt('mentions', raw.mentions),
  };
}
