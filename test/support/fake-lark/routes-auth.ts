import { route, type Route, type RouteContext } from './context.js';

/** `Authorization: Bearer <token>` check shared by every route except the token endpoint. */
export const checkAuth = (ctx: RouteContext): boolean => {
  const header = ctx.req.headers.authorization;
  if (!header) {
    ctx.fail(99991661, 'Missing access token for authorization. Please make a request with token attached.');
    return false;
  }
  const token = /^Bearer (.+)$/.exec(header)?.[1];
  if (!ctx.state.isValidToken(token)) {
    ctx.fail(
      99991663,
      'Invalid access token for authorization. Please make a request with token attached.',
      ctx.state.staleTokenStatus,
    );
    return false;
  }
  return true;
};

export const authRoutes: Route[] = [
  route(
    'POST',
    '/open-apis/auth/v3/tenant_access_token/internal',
    (ctx) => {
      const { app_id: appId, app_secret: appSecret } = ctx.jsonBody;
      const { opts } = ctx.state;
      if (appId !== opts.appId || appSecret !== opts.appSecret) {
        ctx.fail(10014, 'app secret invalid');
        return;
      }
      // This endpoint has no `data` envelope.
      ctx.json(200, { code: 0, msg: 'ok', tenant_access_token: ctx.state.issueToken(), expire: 7200 });
    },
    { auth: false },
  ),
  // Bot info also has no `data` envelope: `{code, msg, bot: {...}}`.
  route('GET', '/open-apis/bot/v3/info', (ctx) => {
    const { botOpenId, botName } = ctx.state.opts;
    ctx.json(200, {
      code: 0,
      msg: 'ok',
      bot: { activate_status: 2, app_name: botName, avatar_url: '', ip_white_list: [], open_id: botOpenId },
    });
  }),
];
