import type { AxiosInstance } from 'axios';
import type { Config } from '../config.js';
import { scrubText, serializeError } from '../log-redaction.js';
import type { Logger } from '../logger.js';
import { axios, lark, type LarkSdk } from './sdk.js';

export type LarkClient = LarkSdk.Client;

/**
 * An axios instance shaped like the SDK's `defaultHttpInstance` (lib/index.js:185-205): the
 * response interceptor unwraps `resp.data`, or `{data, headers}` when a request sets
 * `$return_headers` (the SDK does so for `messageResource.get`). Unlike the default one it has a
 * timeout, and it is ours alone (the default instance is shared by every client in the process).
 */
export function createLarkHttpInstance(timeoutMs: number): AxiosInstance {
  const http = axios.create({ timeout: timeoutMs });
  http.interceptors.response.use((resp) => {
    if ((resp.config as { $return_headers?: boolean }).$return_headers) {
      return { data: resp.data, headers: resp.headers } as any;
    }
    return resp.data;
  });
  return http;
}

/**
 * What of an SDK log argument may be logged: strings scrubbed (its ws debug line ends in the
 * event's JSON, its ws URL carries a ticket), errors and the SDK's `formatErrors` objects reduced
 * to method, URL path, status and Lark's code/msg — never `config.data` (request bodies, the app
 * secret of a token request) or headers (`Authorization: Bearer t-…`).
 */
export const summariseSdkArg = (m: unknown): unknown => {
  if (typeof m === 'string') return scrubText(m);
  if (m instanceof Error) return serializeError(m);
  if (Array.isArray(m)) return m.slice(0, 5).map(summariseSdkArg);
  if (m === null || typeof m !== 'object') return m;
  const o = m as Record<string, any>;
  const url = o.config?.url ?? o.url;
  const data = o.response?.data;
  const out = {
    message: typeof o.message === 'string' ? scrubText(o.message) : undefined,
    method: typeof (o.config?.method ?? o.method) === 'string' ? (o.config?.method ?? o.method) : undefined,
    url: typeof url === 'string' ? scrubText(url.split('?')[0]!) : undefined,
    status: typeof o.response?.status === 'number' ? o.response.status : undefined,
    code: typeof (data?.code ?? o.code) === 'number' ? (data?.code ?? o.code) : undefined,
    larkMsg: typeof (data?.msg ?? o.msg) === 'string' ? scrubText(data?.msg ?? o.msg) : undefined,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
};

/**
 * The SDK writes its own error log for every failed request (including 429s we retry).
 * We log once at the catch site, so SDK chatter goes to debug, summarised (summariseSdkArg).
 */
const sdkLogger = (logger: Logger): LarkSdk.Logger => {
  const log =
    (level: 'debug' | 'trace') =>
    (...msg: unknown[]) =>
      logger[level]({ sdk: true, said: msg.map(summariseSdkArg) }, 'lark sdk');
  return {
    error: log('debug'),
    warn: log('debug'),
    info: log('trace'),
    debug: log('trace'),
    trace: log('trace'),
  };
};

/**
 * The Lark SDK client: self-built app, automatic tenant token, its own token cache (the SDK's
 * default cache is process-global and keyed by appId only, so two clients would share tokens),
 * its own axios instance with a timeout.
 */
export function createLarkClient(config: Config['lark'], opts: { logger?: Logger } = {}): LarkClient {
  return new lark.Client({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    appType: lark.AppType.SelfBuild,
    disableTokenCache: false,
    cache: new lark.DefaultCache(),
    httpInstance: createLarkHttpInstance(config.httpTimeoutMs) as unknown as LarkSdk.HttpInstance,
    loggerLevel: lark.LoggerLevel.error,
    ...(opts.logger ? { logger: sdkLogger(opts.logger) } : {}),
  });
}

/**
 * Forgets the cached tenant token so the next call fetches a fresh one. The SDK never does this
 * itself on 99991663: it keeps sending a revoked token until its own expiry (~2 h).
 * Works with any `Cache` that honours expiry times (we store an already-expired entry).
 */
export async function clearTenantToken(client: LarkClient): Promise<void> {
  await client.cache.set(lark.CTenantAccessToken, undefined, 1, { namespace: client.appId });
}

/** The axios instance behind the client (for callers that must see raw statuses). */
export const httpOf = (client: LarkClient): AxiosInstance => client.httpInstance as unknown as AxiosInstance;
