import { randomBytes } from 'node:crypto';
import { route, type Route, type RouteContext } from './context.js';

/** A code the authorize page handed out: valid 5 minutes, usable once (Lark's rules). */
interface OAuthCode {
  openId: string;
  name: string;
  redirectUri: string;
  issuedAt: number;
  used: boolean;
}

/** The web-app login (网页应用): who "is signed in to Lark" in the fake, codes and user tokens. */
export class FakeOAuth {
  /** The Lark user the authorize page signs in (as inside the Lark client: no prompt). */
  user?: { openId: string; name: string };
  readonly codes = new Map<string, OAuthCode>();
  readonly userTokens = new Map<string, { openId: string; name: string }>();
  /** Codes the token endpoint refused (used twice, unknown, expired, wrong redirect). */
  refusedCodes = 0;
}

const oauthOf = (ctx: RouteContext): FakeOAuth => ctx.state.oauth;

export const oauthRoutes: Route[] = [
  // The authorize page: with a signed-in user it redirects straight back with a code (免登).
  route(
    'GET',
    '/open-apis/authen/v1/authorize',
    (ctx) => {
      const { client_id: clientId, redirect_uri: redirectUri, state } = ctx.query;
      const user = oauthOf(ctx).user;
      if (clientId !== ctx.state.opts.appId || !redirectUri) {
        ctx.json(400, { code: 20029, msg: 'redirect_uri or client_id invalid' });
        return;
      }
      if (!user) {
        ctx.send(
          200,
          { 'Content-Type': 'text/html; charset=utf-8' },
          Buffer.from('<p>fake-lark: nobody signed in</p>'),
        );
        return;
      }
      const code = `code-${randomBytes(12).toString('hex')}`;
      oauthOf(ctx).codes.set(code, { ...user, redirectUri, issuedAt: Date.now(), used: false });
      const to = new URL(redirectUri);
      to.searchParams.set('code', code);
      if (state !== undefined) to.searchParams.set('state', state);
      ctx.send(302, { Location: to.toString() }, Buffer.alloc(0));
    },
    { auth: false },
  ),
  // v2 token endpoint: no `data` envelope; OAuth-style errors.
  route(
    'POST',
    '/open-apis/authen/v2/oauth/token',
    (ctx) => {
      const b = ctx.jsonBody;
      const o = oauthOf(ctx);
      const refuse = (code: number, error: string, description: string) => {
        o.refusedCodes++;
        ctx.json(400, { code, error, error_description: description });
      };
      if (b.client_id !== ctx.state.opts.appId || b.client_secret !== ctx.state.opts.appSecret) {
        return refuse(20002, 'invalid_client', 'client authentication failed');
      }
      if (b.grant_type !== 'authorization_code') return refuse(20001, 'unsupported_grant_type', 'grant type');
      const entry = typeof b.code === 'string' ? o.codes.get(b.code) : undefined;
      if (!entry || entry.used || Date.now() - entry.issuedAt > 5 * 60_000) {
        if (entry) entry.used = true;
        return refuse(20003, 'invalid_grant', 'the code is invalid, expired or already used');
      }
      entry.used = true;
      if (b.redirect_uri !== entry.redirectUri)
        return refuse(20003, 'invalid_grant', 'redirect_uri mismatch');
      const token = `u-${randomBytes(16).toString('hex')}`;
      o.userTokens.set(token, { openId: entry.openId, name: entry.name });
      ctx.json(200, {
        code: 0,
        access_token: token,
        expires_in: 7200,
        refresh_token: `ur-${randomBytes(16).toString('hex')}`,
        refresh_token_expires_in: 604800,
        token_type: 'Bearer',
        scope: '',
      });
    },
    { auth: false },
  ),
  route(
    'GET',
    '/open-apis/authen/v1/user_info',
    (ctx) => {
      const token = /^Bearer (.+)$/.exec(ctx.req.headers.authorization ?? '')?.[1];
      const user = token ? oauthOf(ctx).userTokens.get(token) : undefined;
      if (!user) {
        ctx.fail(99991668, 'Invalid access token for authorization.', 401);
        return;
      }
      ctx.ok({
        name: user.name,
        en_name: '',
        avatar_url: '',
        open_id: user.openId,
        union_id: `on_${user.openId.slice(3)}`,
        tenant_key: 'fake-tenant',
      });
    },
    { auth: false },
  ),
];
