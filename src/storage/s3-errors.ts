import { AppError, ResourceUnavailableError } from '../errors.js';

/** What an S3 call's failure looks like to us: the SDK's service errors and Node's network errors. */
interface S3Failure {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
]);

export const httpStatusOf = (err: unknown): number | undefined =>
  (err as S3Failure | undefined)?.$metadata?.httpStatusCode;

const nameOf = (err: unknown): string => {
  const e = err as S3Failure | undefined;
  return e?.name ?? e?.code ?? '';
};

export const isNotFound = (err: unknown): boolean =>
  httpStatusOf(err) === 404 || ['NotFound', 'NoSuchKey'].includes(nameOf(err));

/** A conditional write (`If-None-Match: *`) lost to an object already there (or being written). */
export const isAlreadyThere = (err: unknown): boolean =>
  httpStatusOf(err) === 412 ||
  httpStatusOf(err) === 409 ||
  ['PreconditionFailed', 'ConditionalRequestConflict'].includes(nameOf(err));

/** The store cannot be used right now: no answer, a server error, refused credentials, no bucket. */
export function isStoreDown(err: unknown): boolean {
  const status = httpStatusOf(err);
  if (status === undefined) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    return NETWORK.has(nameOf(err)) || (code !== undefined && NETWORK.has(code)) || causeIsNetwork(err);
  }
  return status >= 500 || status === 403 || status === 401 || nameOf(err) === 'NoSuchBucket';
}

function causeIsNetwork(err: unknown): boolean {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return cause !== undefined && cause !== err && isStoreDown(cause);
}

/** Why the store cannot be used, in words (never credentials: the SDK's messages carry none). */
export function describeS3Failure(err: unknown, where: { endpoint: string; bucket: string }): string {
  const status = httpStatusOf(err);
  const name = nameOf(err);
  if (status === 403 || status === 401 || /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied/.test(name))
    return `对象存储 ${where.endpoint} 不接受存储桶 ${where.bucket} 的凭证（${name || status}）：请核对 S3_ACCESS_KEY_ID 和 S3_SECRET_ACCESS_KEY`;
  if (status === 404 || name === 'NoSuchBucket' || name === 'NotFound')
    return `对象存储 ${where.endpoint} 上没有存储桶 ${where.bucket}：请核对 S3_BUCKET、S3_ENDPOINT 和 S3_FORCE_PATH_STYLE`;
  if (status !== undefined)
    return `对象存储 ${where.endpoint} 对存储桶 ${where.bucket} 的请求回答了 ${status} ${name}`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? name;
  if (/Timeout|ETIMEDOUT|AbortError/i.test(code))
    return `对象存储 ${where.endpoint} 没有按时应答：请检查 S3_ENDPOINT 和网络`;
  return `连不上对象存储 ${where.endpoint}（${code || (err as Error)?.message || '网络错误'}）：请检查 S3_ENDPOINT`;
}

/** The object store is down, refuses us or has no bucket: work waits for it (queue pauses, /readyz 503). */
export class StoreUnreachableError extends ResourceUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unwritable', message, { ...options, code: 'store_unreachable' });
  }
}

/** Maps a failed S3 call: "down" failures wait (StoreUnreachableError), others pass unchanged. */
export function s3Error(err: unknown, where: { endpoint: string; bucket: string }): unknown {
  if (err instanceof AppError) return err;
  return isStoreDown(err) ? new StoreUnreachableError(describeS3Failure(err, where), { cause: err }) : err;
}
