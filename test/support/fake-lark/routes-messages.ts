import { paginate, route, type Route, type RouteContext } from './context.js';

const RECEIVE_ID_TYPES = ['chat_id', 'open_id', 'user_id', 'union_id', 'email'];

/** Parses Lark's `content` JSON string; answers 230001 and returns undefined when it is not JSON. */
const parseContent = (
  ctx: RouteContext,
  needsMsgType = true,
): { raw: string; parsed: unknown } | undefined => {
  const raw = ctx.jsonBody.content;
  if (typeof raw !== 'string' || (needsMsgType && typeof ctx.jsonBody.msg_type !== 'string')) {
    ctx.fail(230001, 'Your request contains an invalid request parameter: content/msg_type');
    return undefined;
  }
  try {
    return { raw, parsed: JSON.parse(raw) };
  } catch {
    ctx.fail(230001, 'Your request contains an invalid request parameter: content is not JSON');
    return undefined;
  }
};

/** Same uuid → same message, nothing new recorded (Lark dedupes sends by uuid for an hour). */
const replayed = (ctx: RouteContext, uuid: unknown): boolean => {
  const id = typeof uuid === 'string' && uuid ? ctx.state.uuids.get(uuid) : undefined;
  const item = id ? ctx.state.messages.get(id) : undefined;
  if (item) ctx.ok(item);
  return item !== undefined;
};

const create = (ctx: RouteContext) => {
  const type = ctx.query.receive_id_type ?? '';
  const { receive_id: receiveId, msg_type: msgType, uuid } = ctx.jsonBody;
  if (!RECEIVE_ID_TYPES.includes(type) || typeof receiveId !== 'string' || !receiveId) {
    ctx.fail(230001, 'Your request contains an invalid request parameter: receive_id/receive_id_type');
    return;
  }
  const content = parseContent(ctx);
  if (!content || replayed(ctx, uuid)) return;
  const chatId = type === 'chat_id' ? receiveId : `oc_p2p_${receiveId}`;
  const item = ctx.state.recordSent(
    { chatId, receiveId, receiveIdType: type, msgType, content: content.parsed, uuid: uuid || undefined },
    content.raw,
  );
  ctx.ok(item);
};

/**
 * A reply to what is no message: Lark answers 230001 (invalid message_id). The fake does not hold every
 * message a test delivers to the bot (commands posted through the webhook, handlers called directly),
 * so it takes a reply to any id shaped as Lark's (`om_…`), and refuses one to an id it does not hold
 * that is not, such as one made up for a bot-menu tap.
 */
const isNoMessage = (ctx: RouteContext, id: string) => !ctx.state.messages.has(id) && !id.startsWith('om_');

const reply = (ctx: RouteContext) => {
  const parentId = ctx.params.message_id!;
  const { msg_type: msgType, uuid, reply_in_thread: replyInThread } = ctx.jsonBody;
  const content = parseContent(ctx);
  if (!content) return;
  if (isNoMessage(ctx, parentId)) {
    ctx.fail(230001, 'Your request contains an invalid request parameter, ext=invalid message_id.');
    return;
  }
  if (replayed(ctx, uuid)) return;
  const parent = ctx.state.messages.get(parentId);
  const item = ctx.state.recordSent(
    {
      chatId: parent?.chat_id,
      msgType,
      content: content.parsed,
      uuid: uuid || undefined,
      replyTo: parentId,
      replyInThread: replyInThread === true,
    },
    content.raw,
  );
  ctx.ok(item);
};

const patch = (ctx: RouteContext) => {
  const messageId = ctx.params.message_id!;
  const content = parseContent(ctx, false);
  if (!content) return;
  ctx.state.patches.push({ messageId, content: content.parsed });
  const item = ctx.state.messages.get(messageId);
  if (item) {
    item.body = { content: content.raw };
    item.updated = true;
    item.update_time = String(Date.now());
  }
  ctx.ok({});
};

/** The bot's reaction on a message (Lark: one per emoji per operator; adding it again is harmless here). */
const react = (ctx: RouteContext) => {
  const emojiType = ctx.jsonBody.reaction_type?.emoji_type;
  if (typeof emojiType !== 'string' || !emojiType) {
    ctx.fail(231001, 'reaction type is invalid');
    return;
  }
  const messageId = ctx.params.message_id!;
  ctx.state.reactions.push({ messageId, emojiType });
  ctx.ok({
    reaction_id: ctx.state.nextId('rc_'),
    operator: { operator_id: ctx.state.opts.appId, operator_type: 'app' },
    action_time: String(Date.now()),
    reaction_type: { emoji_type: emojiType },
  });
};

const get = (ctx: RouteContext) => {
  const items = ctx.state.messageWithDescendants(ctx.params.message_id!);
  if (items.length === 0) {
    ctx.fail(230001, 'Your request contains an invalid request parameter: message not found');
    return;
  }
  ctx.ok({ items });
};

const list = (ctx: RouteContext) => {
  const q = ctx.query;
  if (q.container_id_type !== 'chat' || !q.container_id) {
    ctx.fail(230001, 'Your request contains an invalid request parameter: container_id');
    return;
  }
  const start = q.start_time ? Number(q.start_time) * 1000 : Number.NEGATIVE_INFINITY;
  const end = q.end_time ? Number(q.end_time) * 1000 + 999 : Number.POSITIVE_INFINITY;
  const desc = q.sort_type === 'ByCreateTimeDesc';
  const all = [...ctx.state.messages.values()]
    .filter((m) => m.chat_id === q.container_id && !m.upper_message_id)
    .filter((m) => Number(m.create_time) >= start && Number(m.create_time) <= end)
    .sort((a, b) => (Number(a.create_time) - Number(b.create_time)) * (desc ? -1 : 1));
  const pageSize = Math.min(Math.max(Number(q.page_size ?? 20) || 20, 1), 50);
  ctx.ok(paginate(all, q.page_token, pageSize));
};

/** Lark answers who read a message for 7 days after it was sent. */
const READ_RECEIPT_MS = 7 * 86_400_000;
const USER_ID_TYPES = ['open_id', 'union_id', 'user_id'];

/**
 * GET /im/v1/messages/:id/read_users: who read a message the bot itself sent, within 7 days (230033
 * after), earliest first, paged (page_size 1–100, default 20). Only open_ids are kept here.
 */
const readUsers = (ctx: RouteContext) => {
  const q = ctx.query;
  if (!USER_ID_TYPES.includes(q.user_id_type ?? '')) {
    ctx.fail(99992402, 'field validation failed: user_id_type is required');
    return;
  }
  const item = ctx.state.messages.get(ctx.params.message_id!);
  if (!item) {
    ctx.fail(230001, 'Your request contains an invalid request parameter, ext=invalid message_id.');
    return;
  }
  if (item.sender.sender_type !== 'app' || item.sender.id !== ctx.state.opts.appId) {
    ctx.fail(230012, 'Bot is NOT the sender of the message.');
    return;
  }
  if (ctx.state.now() - Number(item.create_time) > READ_RECEIPT_MS) {
    ctx.fail(230033, 'Get the reading status must be done within 7 days after the message is sent.');
    return;
  }
  if (q.user_id_type !== 'open_id') {
    ctx.fail(230001, 'Your request contains an invalid request parameter: the fake keeps open_ids only');
    return;
  }
  const all = (ctx.state.reads.get(item.message_id) ?? []).map((r) => ({
    user_id_type: 'open_id',
    user_id: r.openId,
    timestamp: String(r.at),
    tenant_key: 'fake_tenant',
  }));
  const pageSize = Math.min(Math.max(Number(q.page_size ?? 20) || 20, 1), 100);
  ctx.ok(paginate(all, q.page_token, pageSize));
};

export const messageRoutes: Route[] = [
  route('POST', '/open-apis/im/v1/messages', create),
  route('GET', '/open-apis/im/v1/messages', list),
  route('POST', '/open-apis/im/v1/messages/:message_id/reply', reply),
  route('PATCH', '/open-apis/im/v1/messages/:message_id', patch),
  route('POST', '/open-apis/im/v1/messages/:message_id/reactions', react),
  route('GET', '/open-apis/im/v1/messages/:message_id', get),
  route('GET', '/open-apis/im/v1/messages/:message_id/read_users', readUsers),
];
