import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, LarkApiError, LarkNetworkError } from '../errors.js';
import type { BlobStore, CommittedBlob } from '../ports/blob-store.js';
import type { ChatGateway, ResourceDownload } from '../ports/chat-gateway.js';

export interface TransferOptions<T = never> {
  /** Bytes asked for per Range request. */
  chunkBytes: number;
  /** Larger resources are not downloaded (`too_large`). */
  maxBytes: number;
  idleTimeoutMs?: number;
  /** Extra requests per chunk after a network error or a short read (resuming where it stopped). */
  chunkRetries: number;
  /** Wait before a chunk retry, multiplied by the retry number. */
  chunkRetryDelayMs: number;
  /** Shutdown: stops the transfer at once (the temp file is discarded, nothing is committed). */
  signal?: AbortSignal;
  /**
   * Reads what the bytes are from the finished local file before it is committed (the writer's
   * `inspect`), with what the responses said of the file; the answer is the result's `inspected`.
   */
  inspect?: (file: string, said: { contentType?: string; fileName?: string }) => Promise<T>;
}

export interface TransferRequest {
  messageId: string;
  fileKey: string;
  type: 'image' | 'file';
}

export type TransferResult<T = never> =
  | { outcome: 'stored'; blob: CommittedBlob; contentType?: string; fileName?: string; inspected?: T }
  | { outcome: 'too_large'; sizeBytes?: number }
  | { outcome: 'empty' };

/** A response that did not deliver what it promised; the chunk is asked for again from where it stopped. */
class ShortRead extends Error {}

/** The transfer was stopped by `signal` (the bot is shutting down); the job is simply run again later. */
export class DownloadInterrupted extends AppError {
  constructor() {
    super('download_interrupted', 'download interrupted: the bot is shutting down');
  }
}

/**
 * Streams one resource into the blob store in HTTP Range chunks (so files over Lark's single-response
 * limits arrive), hashing as it writes: memory stays flat. Each chunk's bytes are checked against
 * Content-Range / Content-Length; a short read or a network error resumes that chunk a few times. A
 * server that ignores Range (200 with the whole body) is accepted. Nothing is committed unless every
 * byte arrived; Lark's refusals (LarkApiError) propagate to the caller.
 */
export async function transferResource<T = never>(
  gateway: ChatGateway,
  blobs: BlobStore,
  req: TransferRequest,
  opts: TransferOptions<T>,
): Promise<TransferResult<T>> {
  const { signal } = opts;
  if (signal?.aborted) throw new DownloadInterrupted();
  const writer = blobs.beginWrite();
  let committed = false;
  let current: ResourceDownload | undefined;
  const interrupt = () => current?.stream.destroy(new DownloadInterrupted());
  signal?.addEventListener('abort', interrupt, { once: true });
  try {
    let pos = 0;
    let total: number | undefined;
    let failures = 0;
    let reserved = false;
    let contentType: string | undefined;
    let fileName: string | undefined;
    /** After a 416 on the first range (an empty resource has no satisfiable range): ask without Range. */
    let wholeFile = false;
    while (total === undefined || pos < total) {
      // Chunks stay aligned: a resumed chunk asks only for the rest of its own range.
      const alignedEnd = (Math.floor(pos / opts.chunkBytes) + 1) * opts.chunkBytes - 1;
      const chunkEnd = total === undefined ? alignedEnd : Math.min(total - 1, alignedEnd);
      try {
        const res = await untilAborted(
          gateway.downloadResource({
            ...req,
            ...(wholeFile ? {} : { range: { start: pos, end: chunkEnd } }),
            ...(opts.idleTimeoutMs ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
          }),
          signal,
        );
        current = res;
        // The connection may break before we start reading (e.g. while free space is checked): the
        // error is kept by the stream and thrown by the loop below, never emitted unhandled.
        res.stream.on('error', () => {});
        contentType ??= res.contentType;
        fileName ??= res.fileName;
        const plan = planResponse(res, pos, total);
        total = plan.total;
        if (total !== undefined && total > opts.maxBytes) {
          res.stream.destroy();
          return { outcome: 'too_large', sizeBytes: total };
        }
        if (plan.done) break;
        if (!reserved && total !== undefined) {
          await writer.reserve(total - pos);
          reserved = true;
        }
        const start = pos;
        let skip = plan.skip;
        for await (const raw of res.stream) {
          let buf: Buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
          if (skip > 0) {
            const n = Math.min(skip, buf.length);
            skip -= n;
            buf = buf.subarray(n);
            if (buf.length === 0) continue;
          }
          if (plan.end !== undefined && pos + buf.length > plan.end) {
            throw new AppError(
              'download_overrun',
              `got more bytes than announced (${plan.end - start} expected)`,
            );
          }
          if (pos + buf.length > opts.maxBytes) return { outcome: 'too_large' };
          await writer.write(buf);
          pos += buf.length;
        }
        if (plan.end === undefined) total = pos;
        else if (pos < plan.end)
          throw new ShortRead(`short read: ${pos - start} of ${plan.end - start} bytes`);
        failures = 0;
      } catch (err) {
        if (err instanceof LarkApiError && err.httpStatus === 416 && pos === 0 && !wholeFile) {
          wholeFile = true;
          continue;
        }
        const retryable = err instanceof ShortRead || err instanceof LarkNetworkError || isStreamError(err);
        if (!retryable || failures >= opts.chunkRetries) {
          throw err instanceof ShortRead ? new AppError('download_truncated', err.message) : err;
        }
        failures++;
        if (opts.chunkRetryDelayMs > 0) await sleep(opts.chunkRetryDelayMs * failures, undefined, { signal });
      }
    }
    if (total === 0) return { outcome: 'empty' };
    const said = { ...(contentType ? { contentType } : {}), ...(fileName ? { fileName } : {}) };
    const inspect = opts.inspect;
    const { inspected, ...blob } = await writer.commit(
      { sizeBytes: total },
      inspect ? (file) => inspect(file, said) : undefined,
    );
    committed = true;
    return { outcome: 'stored', blob, ...said, ...(inspect ? { inspected: inspected as T } : {}) };
  } catch (err) {
    throw signal?.aborted ? new DownloadInterrupted() : err;
  } finally {
    signal?.removeEventListener('abort', interrupt);
    if (!committed) await writer.abort();
  }
}

/**
 * Resolves like `p`, or rejects with DownloadInterrupted as soon as `signal` aborts; a response that
 * arrives after that is discarded (its stream destroyed, so the connection is not left open).
 */
function untilAborted(
  p: Promise<ResourceDownload>,
  signal: AbortSignal | undefined,
): Promise<ResourceDownload> {
  if (!signal) return p;
  if (signal.aborted) {
    p.then(
      (r) => r.stream.destroy(),
      () => {},
    );
    return Promise.reject(new DownloadInterrupted());
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      p.then(
        (r) => r.stream.destroy(),
        () => {},
      );
      reject(new DownloadInterrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) r.stream.destroy();
        resolve(r);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

interface ResponsePlan {
  /** Total size of the resource, when known. */
  total: number | undefined;
  /** Bytes to discard first (a 200 answer restarts at 0 while we resume later). */
  skip: number;
  /** Absolute offset (exclusive) this response must reach; undefined = until the stream ends. */
  end: number | undefined;
  /** Nothing more to fetch (empty resource, or already complete). */
  done: boolean;
}

function planResponse(res: ResourceDownload, pos: number, known: number | undefined): ResponsePlan {
  const changed = (total: number) => {
    if (known !== undefined && total !== known) {
      res.stream.destroy();
      throw new AppError(
        'download_changed',
        `resource size changed from ${known} to ${total} during download`,
      );
    }
  };
  if (res.status === 206 && res.contentRange) {
    const { start, end, total } = res.contentRange;
    if (start !== pos || end < start || end >= total) {
      res.stream.destroy();
      throw new ShortRead(`unexpected Content-Range ${start}-${end}/${total} for offset ${pos}`);
    }
    changed(total);
    return { total, skip: 0, end: end + 1, done: false };
  }
  if (res.status === 206) {
    res.stream.destroy();
    throw new ShortRead('206 answer without Content-Range');
  }
  if (res.status === 200) {
    const total = res.contentLength;
    if (total !== undefined) changed(total);
    const size = total ?? known;
    if (size === 0) res.stream.destroy();
    return { total: size, skip: pos, end: size, done: size === 0 };
  }
  res.stream.destroy();
  if (res.status === 416) {
    const total = res.contentRange?.total ?? pos;
    if (total === pos) return { total, skip: 0, end: total, done: true };
  }
  throw new AppError('download_bad_status', `resource download answered HTTP ${res.status}`);
}

/** Errors a response stream raises when the connection drops (not our own AppErrors, e.g. disk_full). */
function isStreamError(err: unknown): boolean {
  if (err instanceof AppError) return false;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    code === 'ECONNABORTED' ||
    (err instanceof Error && /aborted|premature|socket hang up|terminated/i.test(err.message))
  );
}
