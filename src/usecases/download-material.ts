import type { Db } from '../db/client.js';
import { LarkApiError, PermanentError, resourceProblem } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';
import { inspectDownloadedFile } from './download-inspect.js';
import {
  FINAL_STATUSES,
  giveBackAttempt,
  markDownloadFailed,
  recordStored,
  recordUnstored,
  startAttempt,
  type MaterialStatus,
} from './download-record.js';
import { transferResource } from './download-to-blob.js';

export { markDownloadFailed } from './download-record.js';
export { DownloadInterrupted } from './download-to-blob.js';

export interface DownloadMaterialOptions {
  /** Bytes per Range request (default 8 MiB, as Lark's own CLI). */
  chunkBytes?: number;
  /** Largest file we keep (default 1 GiB); larger → `too_large`. */
  maxBytes?: number;
  /** Abort a response when no byte arrived for this long. */
  idleTimeoutMs?: number;
  /** Retries of one chunk after a network error or short read (default 3). */
  chunkRetries?: number;
  chunkRetryDelayMs?: number;
  /** Emoji key of the reaction a message gets once its file is stored (e.g. DONE); none if unset. */
  reaction?: string;
  /** Aborted at shutdown: the transfer stops at once and throws DownloadInterrupted. */
  signal?: AbortSignal;
}

export interface DownloadMaterialDeps {
  db: Db;
  gateway: ChatGateway;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** The configured time zone (TZ): a camera's EXIF time without an offset is its wall clock there. */
  timeZone: string;
  /**
   * archive.yaml `allowedFormats`: each stored file's format is judged against it as the 四性 check judges
   * it (materials.format_refused); a refused one is kept but counts towards no task. Unset: not judged.
   */
  allowedFormats?: readonly string[];
  options?: DownloadMaterialOptions;
}

export interface DownloadMaterialResult {
  status: MaterialStatus;
  sha256?: string;
  duplicateOf?: number;
}

/** Lark refuses this message id for this key (merged-forward children): try the next id. */
const REFUSED = new Set([234003, 234043]);
const TOO_LARGE = 234037;

/**
 * One download attempt of a material: streams it into the blob store (Range chunks, hashed on the
 * way), inspects it before committing it (real type; photos: EXIF) and records it (a photo's
 * thumbnail job is queued with the stored row). Message ids are tried
 * in order (a merged forward's parent first, then the child itself). Final outcomes are written and
 * returned; retryable problems (429, 5xx, network, truncation) are thrown for the job runner, which
 * calls `markDownloadFailed` after its last attempt. A missing resource (disk below the floor, store
 * unwritable, database gone) throws a ResourceUnavailableError and costs no attempt: the store is
 * checked before the attempt is counted, and an attempt cut short by one is given back.
 */
export async function downloadMaterial(
  deps: DownloadMaterialDeps,
  materialId: number,
  /** Marks the download's job done in the transaction that records the stored file (JobAttempt). */
  job: { finishIn?: (tx: Db) => Promise<void> } = {},
): Promise<DownloadMaterialResult> {
  await deps.blobs.ensureWritable();
  const m = await startAttempt(deps.db, materialId);
  if (!m) throw new PermanentError('material_not_found', `material ${materialId} does not exist`);
  try {
    return await attempt(deps, materialId, m, job);
  } catch (err) {
    if (resourceProblem(err)) await giveBackAttempt(deps.db, materialId).catch(() => {});
    throw err;
  }
}

async function attempt(
  deps: DownloadMaterialDeps,
  materialId: number,
  m: NonNullable<Awaited<ReturnType<typeof startAttempt>>>,
  job: { finishIn?: (tx: Db) => Promise<void> },
): Promise<DownloadMaterialResult> {
  const { db, metrics } = deps;
  const o = deps.options ?? {};
  if (FINAL_STATUSES.has(m.status)) {
    return {
      status: m.status as MaterialStatus,
      ...(m.sha256 ? { sha256: m.sha256 } : {}),
      ...(m.duplicateOf ? { duplicateOf: m.duplicateOf } : {}),
    };
  }
  const log = deps.logger.child({ materialId, resourceKey: m.resourceKey });
  const maxBytes = o.maxBytes ?? 1024 ** 3;
  const ids = [
    ...new Set([m.downloadMessageId, m.forwardRootId, m.messageId].filter((x): x is string => !!x)),
  ];
  const finish = async (
    status: 'too_large' | 'empty' | 'needs_reupload',
    detail: { sizeBytes?: number; lastError?: string },
  ): Promise<DownloadMaterialResult> => {
    await recordUnstored(db, materialId, status, detail, deps.clock.now());
    metrics.inc('material_downloads_total', { status });
    log.info({ status, ...detail }, 'material not stored');
    return { status };
  };

  let refusal: LarkApiError | undefined;
  for (const messageId of ids) {
    let result;
    try {
      result = await transferResource(
        deps.gateway,
        deps.blobs,
        { messageId, fileKey: m.resourceKey, type: m.resourceType === 'image' ? 'image' : 'file' },
        {
          chunkBytes: o.chunkBytes ?? 8 * 1024 * 1024,
          maxBytes,
          chunkRetries: o.chunkRetries ?? 3,
          chunkRetryDelayMs: o.chunkRetryDelayMs ?? 500,
          ...(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
          ...(o.signal ? { signal: o.signal } : {}),
          inspect: (file, said) =>
            inspectDownloadedFile(file, m, said, {
              timeZone: deps.timeZone,
              ...(deps.allowedFormats ? { allowedFormats: deps.allowedFormats } : {}),
            }),
        },
      );
    } catch (err) {
      if (err instanceof LarkApiError && REFUSED.has(err.larkCode)) {
        refusal = err;
        log.debug(
          { messageId, larkCode: err.larkCode },
          'message id refused for this resource; trying the next',
        );
        continue;
      }
      if (err instanceof LarkApiError && err.larkCode === TOO_LARGE) {
        return finish('too_large', { lastError: `lark_${TOO_LARGE}: ${err.message}` });
      }
      throw err;
    }
    if (result.outcome === 'too_large') {
      return finish('too_large', {
        ...(result.sizeBytes !== undefined ? { sizeBytes: result.sizeBytes } : {}),
        lastError: `larger than the ${maxBytes}-byte limit`,
      });
    }
    if (result.outcome === 'empty') return finish('empty', { sizeBytes: 0 });

    const facts = result.inspected!;
    const { duplicateOf, recalled } = await recordStored(db, materialId, {
      sniffedMime: facts.sniffedMime,
      ...(facts.bytesMime ? { bytesMime: facts.bytesMime } : {}),
      ...(facts.formatRefused !== undefined ? { formatRefused: facts.formatRefused } : {}),
      ...(facts.photo ? { photo: facts.photo } : {}),
      thumbnail: facts.thumbnail,
      blob: result.blob,
      now: deps.clock.now(),
      ...(o.reaction ? { reaction: o.reaction } : {}),
      ...(job.finishIn ? { finishIn: job.finishIn } : {}),
    });
    if (recalled) {
      metrics.inc('material_downloads_total', { status: 'recalled' });
      log.info('message recalled while its file was downloading; not filed');
      return { status: 'recalled' };
    }
    metrics.inc('material_downloads_total', { status: 'stored' });
    metrics.inc('material_download_bytes_total', {}, result.blob.sizeBytes);
    log.info(
      { sha256: result.blob.sha256, sizeBytes: result.blob.sizeBytes, duplicateOf },
      'material stored',
    );
    return {
      status: 'stored',
      sha256: result.blob.sha256,
      ...(duplicateOf !== undefined ? { duplicateOf } : {}),
    };
  }
  return finish('needs_reupload', {
    lastError: refusal ? `lark_${refusal.larkCode}: ${refusal.message}` : 'no message id',
  });
}

/** The download died with its worker on the last attempt: the material must not wait as `pending`. */
export async function downloadDied(
  deps: { db: Db; clock: Clock },
  materialId: number,
  log: Logger,
): Promise<void> {
  await markDownloadFailed(
    deps.db,
    materialId,
    new Error('the download was interrupted on its last attempt (process stopped)'),
    deps.clock.now(),
  );
  log.error({ materialId }, 'material download failed for good');
}
