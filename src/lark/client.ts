import * as lark from '@larksuiteoapi/node-sdk';
import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export type LarkClient = lark.Client;

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
 * The SDK writes its own error log for every failed request (including 429s we retry).
 * We log once at the catch site, so SDK chatter goes to debug.
 */
const sdkLogger = (logger: Logger): lark.Logger => {
  const log =
    (level: 'debug' | 'trace') =>
    (...msg: unknown[]) =>
      logger[level]({ sdk: true, msg: msg.map((m) => (m instanceof Error ? m.message : m)) }, 'lark sdk');
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
    httpInstance: createLarkHttpInstance(config.httpTimeoutMs) as unknown as lark.HttpInstance,
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
