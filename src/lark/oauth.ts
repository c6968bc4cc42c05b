import { LarkApiError, LarkNetworkError } from '../errors.js';

/** Who signed in through Lark's web-app login (网页应用). */
export interface LarkUser {
  openId: string;
  name: string;
}

export interface LarkOAuthConfig {
  appId: string;
  appSecret: string;
  /** The Open Platform base URL (config.lark.domain): https://open.feishu.cn, … or the fake's. */
  domain: string;
  httpTimeoutMs: number;
}

/**
 * Lark's authorize page lives on the accounts host (accounts.feishu.cn / accounts.larksuite.com);
 * any other base URL (a private deployment, the test fake) serves it itself.
 */
export function authorizeUrl(cfg: LarkOAuthConfig, redirectUri: string, state: string): string {
  const host = cfg.domain
    .replace(/^https:\/\/open\.feishu\.cn$/, 'https://accounts.feishu.cn')
    .replace(/^https:\/\/open\.larksuite\.com$/, 'https://accounts.larksuite.com');
  const q = new URLSearchParams({
    client_id: cfg.appId,
    redirect_uri: redirectUri,
    state,
    response_type: 'code',
  });
  return `${host}/open-apis/authen/v1/authorize?${q}`;
}

async function call(cfg: LarkOAuthConfig, path: string, init: RequestInit): Promise<Record<string, any>> {
  let res: Response;
  try {
    res = await fetch(`${cfg.domain}${path}`, { ...init, signal: AbortSignal.timeout(cfg.httpTimeoutMs) });
  } catch (err) {
    throw new LarkNetworkError(`${path}: ${(err as Error).name}`, { cause: err });
  }
  const body = (await res.json().catch(() => undefined)) as Record<string, any> | undefined;
  const code = typeof body?.code === 'number' ? body.code : -1;
  if (!res.ok || code !== 0) {
    // Lark's OAuth errors carry `error` (invalid_grant …); never the code or token we sent.
    throw new LarkApiError(code, `${path}: ${String(body?.error ?? body?.msg ?? 'refused')}`, res.status);
  }
  return body!;
}

/**
 * Exchanges an authorization code (valid 5 minutes, usable once) for the user's access token
 * (`POST /open-apis/authen/v2/oauth/token`, no `data` envelope), then reads who it is
 * (`GET /open-apis/authen/v1/user_info`). The token is used once here and never kept.
 */
export async function larkUserFromCode(
  cfg: LarkOAuthConfig,
  code: string,
  redirectUri: string,
): Promise<LarkUser> {
  const token = await call(cfg, '/open-apis/authen/v2/oauth/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({
      grant_type: 'authorization_code',
      client_id: cfg.appId,
      client_secret: cfg.appSecret,
      code,
      redirect_uri: redirectUri,
    }),
  });
  if (typeof token.access_token !== 'string') throw new LarkApiError(-1, 'oauth token: no access_token', 200);
  const info = await call(cfg, '/open-apis/authen/v1/user_info', {
    headers: { Authorization: `Bearer ${token.access_token}` },
  });
  const openId = info.data?.open_id;
  if (typeof openId !== 'string' || !openId) throw new LarkApiError(-1, 'user_info: no open_id', 200);
  return { openId, name: typeof info.data?.name === 'string' ? info.data.name : '' };
}
