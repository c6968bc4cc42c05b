import type { Db } from '../db/client.js';
import { LarkApiError, PermanentError, resourceProblem } from '../errors.js';
import type { Logger } from '../logger.js';
import { downloadMaterial, markDownloadFailed, type DownloadMaterialDeps } from './download-material.js';

/**
 * One attempt of a `download-material` job, with the rules for giving up: a missing resource (disk
 * low, store unwritable, database gone) is not a failure (rethrown: the worker pauses downloads);
 * Lark refusing for good (a 4xx code we cannot fix) or a broken row is not retried; on the last
 * attempt, or a hopeless one, the material becomes `failed` (visible in the burst reply).
 */
export async function downloadMaterialAttempt(
  deps: DownloadMaterialDeps,
  materialId: number,
  attempt: { attempts: number; maxAttempts: number; finishIn?: (tx: Db) => Promise<void> },
  log: Logger,
): Promise<void> {
  try {
    await downloadMaterial(deps, materialId, attempt);
  } catch (err) {
    if (resourceProblem(err)) throw err;
    const retryable = !(err instanceof PermanentError || (err instanceof LarkApiError && !err.isRetryable));
    if (attempt.attempts >= attempt.maxAttempts || !retryable) {
      await markDownloadFailed(deps.db, materialId, err, deps.clock.now());
      log.error({ materialId }, 'material download failed for good');
      if (!retryable) return;
    }
    throw err;
  }
}
