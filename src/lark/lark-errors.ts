import { Readable } from 'node:stream';
import { LarkApiError, LarkNetworkError } from '../errors.js';
import { axios } from './sdk.js';

/** Lark answered without a Lark code of its own (e.g. an HTML 502 from a proxy). */
export const NO_LARK_CODE = -1;

interface LarkBody {
  code?: unknown;
  msg?: unknown;
}

/** Throws a LarkApiError for an HTTP-2xx answer whose `code` is not 0. Returns the body otherwise. */
export function ensureOk<T extends LarkBody>(body: T | null | undefined, api: string): T {
  if (!body || typeof body !== 'object') {
    throw new LarkApiError(NO_LARK_CODE, `${api}: empty answer from Lark`, 200);
  }
  const code = typeof body.code === 'number' ? body.code : NO_LARK_CODE;
  if (code !== 0) throw new LarkApiError(code, `${api}: ${String(body.msg ?? 'no message')}`, 200);
  return body;
}

/** Reads at most `limit` bytes of an error body that arrived as a stream (downloads). */
async function readSmall(stream: Readable, limit = 64 * 1024, timeoutMs = 5000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(() => stream.destroy(new Error('error body read timed out')), timeoutMs);
  timer.unref();
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      chunks.push(buf);
      size += buf.length;
      if (size >= limit) break;
    }
  } catch {
    // A broken error body still leaves us the HTTP status.
  } finally {
    clearTimeout(timer);
    stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function parseBody(data: unknown): Promise<LarkBody | undefined> {
  let value = data;
  if (value instanceof Readable) value = await readSmall(value);
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return value && typeof value === 'object' ? (value as LarkBody) : undefined;
}

const retryAfter = (headers: unknown): number | undefined => {
  const h = headers as Record<string, unknown> | undefined;
  const raw = h?.['x-ogw-ratelimit-reset'];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return raw !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
};

/**
 * Turns whatever the SDK/axios threw into our two error kinds: LarkApiError ("Lark said no":
 * an HTTP error, with Lark's code when the body carries one) or LarkNetworkError (no answer:
 * timeout, reset, refused). Our own errors pass through unchanged.
 */
export async function toLarkError(err: unknown, api: string): Promise<Error> {
  if (err instanceof LarkApiError || err instanceof LarkNetworkError) return err;
  if (axios.isAxiosError(err)) {
    const res = err.response;
    if (!res)
      return new LarkNetworkError(`${api}: ${err.code ?? 'network error'}: ${err.message}`, { cause: err });
    const body = await parseBody(res.data);
    const code = typeof body?.code === 'number' ? body.code : NO_LARK_CODE;
    const msg = typeof body?.msg === 'string' ? body.msg : `HTTP ${res.status}`;
    return new LarkApiError(code, `${api}: ${msg}`, res.status, retryAfter(res.headers), { cause: err });
  }
  if (err instanceof Error) {
    // TokenManager turns an HTTP-200 token failure into "failed to get tenant_access_token, code: X, msg: Y".
    const m = /failed to get \w+, code: (-?\d+)/.exec(err.message);
    if (m) return new LarkApiError(Number(m[1]), `${api}: ${err.message}`, 200, undefined, { cause: err });
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|ERR_)/.test(code)) {
      return new LarkNetworkError(`${api}: ${code}: ${err.message}`, { cause: err });
    }
    return err;
  }
  return new Error(`${api}: ${String(err)}`);
}
