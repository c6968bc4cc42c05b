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

export const directoryRoutes: Route[] = [
  route('GET', '/open-apis/im/v1/chats/:chat_id', getChat),
  route('GET', '/open-apis/im/v1/chats/:chat_id/members', listMembers),
  route('GET', '/open-apis/contact/v3/users/:user_id', getUser),
];
