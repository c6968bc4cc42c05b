import { paginate, route, type Route, type RouteContext } from './context.js';

const chatNotVisible = (ctx: RouteContext) => ctx.fail(232011, 'Operator can NOT be out of the chat.');

const getChat = (ctx: RouteContext) => {
  const chat = ctx.state.chats.get(ctx.params.chat_id!);
  if (!chat) return chatNotVisible(ctx);
  ctx.ok({
    name: chat.name,
    description: '',
    avatar: '',
    chat_mode: chat.chatMode ?? 'group',
    chat_type: 'private',
    owner_id_type: 'open_id',
    owner_id: chat.ownerId ?? chat.members[0]?.openId ?? '',
    user_count: String(chat.members.length),
    bot_count: '1',
    external: false,
    tenant_key: 'fake_tenant',
  });
};

const listMembers = (ctx: RouteContext) => {
  const chat = ctx.state.chats.get(ctx.params.chat_id!);
  if (!chat) return chatNotVisible(ctx);
  const pageSize = Math.min(Math.max(Number(ctx.query.page_size ?? 20) || 20, 1), 100);
  const all = chat.members.map((m) => ({
    member_id_type: 'open_id',
    member_id: m.openId,
    name: m.name,
    tenant_key: 'fake_tenant',
  }));
  ctx.ok({ ...paginate(all, ctx.query.page_token, pageSize), member_total: all.length });
};

const getUser = (ctx: RouteContext) => {
  const idType = ctx.query.user_id_type ?? 'open_id';
  const user = idType === 'open_id' ? ctx.state.users.get(ctx.params.user_id!) : undefined;
  if (!user) {
    ctx.fail(41050, 'no user authority error');
    return;
  }
  ctx.ok({ user: { open_id: user.openId, name: user.name, en_name: user.enName ?? '', union_id: '' } });
};

/** Lark's own limit per call: at most 50 mobiles and 50 emails. */
const BATCH_GET_ID_MAX = 50;

/** Mobiles are matched with or without China's +86 prefix, as Lark does for Chinese numbers. */
const sameMobile = (a: string, b: string) => a.replace(/^\+86/, '') === b.replace(/^\+86/, '');

/**
 * POST /open-apis/contact/v3/users/batch_get_id?user_id_type=open_id with {mobiles, emails,
 * include_resigned}: one `user_list` entry per requested mobile/email, in request order, echoing it;
 * `user_id` only when the user is known (and not resigned unless asked for).
 */
const batchGetId = (ctx: RouteContext) => {
  const idType = ctx.query.user_id_type ?? 'open_id';
  const { mobiles = [], emails = [], include_resigned: includeResigned = false } = ctx.jsonBody;
  const list = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (idType !== 'open_id' || !list(mobiles) || !list(emails))
    return ctx.fail(99992402, 'field validation failed');
  if (mobiles.length > BATCH_GET_ID_MAX || emails.length > BATCH_GET_ID_MAX)
    return ctx.fail(99992402, 'field validation failed: at most 50 mobiles and 50 emails');
  const users = [...ctx.state.users.values()].filter((u) => includeResigned || !u.resigned);
  const status = {
    is_frozen: false,
    is_resigned: false,
    is_activated: true,
    is_exited: false,
    is_unjoin: false,
  };
  const found = (u: (typeof users)[number] | undefined) => (u ? { user_id: u.openId, status } : {});
  ctx.ok({
    user_list: [
      ...(mobiles as string[]).map((mobile) => ({
        mobile,
        ...found(users.find((u) => u.mobile && sameMobile(u.mobile, mobile))),
      })),
      ...(emails as string[]).map((email) => ({
        email,
        ...found(users.find((u) => u.email?.toLowerCase() === email.toLowerCase())),
      })),
    ],
  });
};

export const directoryRoutes: Route[] = [
  route('GET', '/open-apis/im/v1/chats/:chat_id', getChat),
  route('GET', '/open-apis/im/v1/chats/:chat_id/members', listMembers),
  route('POST', '/open-apis/contact/v3/users/batch_get_id', batchGetId),
  route('GET', '/open-apis/contact/v3/users/:user_id', getUser),
];
