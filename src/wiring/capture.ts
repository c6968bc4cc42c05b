import { setMaxListeners } from 'node:events';
import { closeDueBursts } from '../db/repos/bursts.js';
import { enqueueJob } from '../db/repos/jobs.js';
import type { FeatureContext, Stopper } from '../features.js';
import type { LarkMessageItem } from '../ports/chat-gateway.js';
import { acknowledgeBurst } from '../usecases/acknowledge-burst.js';
import { captureMessage } from '../usecases/capture-message.js';
import { markDownloadFailed } from '../usecases/download-material.js';
import { downloadMaterialAttempt } from '../usecases/download-material-attempt.js';
import { expandForward } from '../usecases/expand-forward.js';
import { reconcileChats } from '../usecases/reconcile-chats.js';
import { every } from './interval.js';

/** Bursts wait at most this long for their downloads before they are acknowledged anyway. */
const BURST_MAX_WAIT_MS = 10 * 60_000;

/**
 * Capture of materials (issue: capture every material): messages → materials + download jobs;
 * merged forwards expanded; bursts closed and acknowledged once; periodic reconciliation.
 */
export function installCapture(
  ctx: Omit<FeatureContext, 'recordReconciled'> & {
    recordReconciled: (item: LarkMessageItem, chatType: string) => Promise<'accepted' | 'duplicate'>;
  },
): () => Stopper {
  const { config, deps, blobs, hooks, jobHandlers, deadJobHandlers } = ctx;
  const cap = config.capture;
  // Aborted when the bot stops: downloads in flight end at once (nothing half-written is kept)
  // instead of holding up the shutdown; their jobs are retried, by this or another instance.
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal); // one listener per download in flight

  hooks.onMessage = async (d, msg, _log, isCommand) => {
    const res = await captureMessage(d, msg, { quietWindowMs: cap.quietWindowMs, isCommand });
    if (res.materialIds.length > 0 || res.burstId !== undefined) ctx.wakeJobs();
  };

  jobHandlers['download-material'] = (payload, log, attempt) =>
    downloadMaterialAttempt(
      {
        ...deps,
        blobs,
        options: {
          chunkBytes: cap.chunkBytes,
          maxBytes: cap.maxFileBytes,
          idleTimeoutMs: cap.idleTimeoutMs,
          photoTimeZone: config.timeZone,
          signal: shutdown.signal,
        },
      },
      Number(payload.materialId),
      attempt,
      log,
    );

  // The process died during the last attempt (OOM on a hostile file, a kill): the sweeper buries the
  // job, and the material must not wait as `pending` forever.
  deadJobHandlers['download-material'] = async (payload, log) => {
    await markDownloadFailed(
      deps.db,
      Number(payload.materialId),
      new Error('the download was interrupted on its last attempt (process stopped)'),
      deps.clock.now(),
    );
    log.error({ materialId: payload.materialId }, 'material download failed for good');
  };

  jobHandlers['expand-forward'] = async (payload) => {
    await expandForward(deps, payload);
    ctx.wakeJobs();
  };

  jobHandlers['ack-burst'] = async (payload) => {
    await acknowledgeBurst(deps, Number(payload.burstId), {
      quietWindowMs: cap.quietWindowMs,
      maxFileBytes: cap.maxFileBytes,
      present: ctx.presenters.burst,
    });
  };

  jobHandlers.reconcile = async () => {
    await reconcileChats(deps, { lookbackMs: cap.reconcileLookbackMs, record: ctx.recordReconciled });
  };

  return () => {
    void blobs.cleanupTemp(new Date(deps.clock.now().getTime() - 3_600_000)).catch(() => 0);
    const stops = [
      every(
        deps.clock,
        Math.min(2000, Math.max(200, cap.quietWindowMs / 4)),
        'close-bursts',
        deps.logger,
        async () => {
          const now = deps.clock.now();
          // One transaction: a burst is closed only together with the job that answers it, so a crash
          // in between cannot leave a closed burst that nobody ever acknowledges.
          await deps.db.transaction(async (tx) => {
            for (const b of await closeDueBursts(tx, now, BURST_MAX_WAIT_MS))
              await enqueueJob(
                tx,
                { kind: 'ack-burst', key: String(b.id), payload: { burstId: b.id }, runAt: now },
                now,
              );
          });
          ctx.wakeJobs();
        },
      ),
    ];
    if (cap.reconcileIntervalMs > 0) {
      // One reconciliation per interval slot, whichever instance enqueues it first.
      stops.push(
        every(deps.clock, Math.min(60_000, cap.reconcileIntervalMs), 'reconcile', deps.logger, async () => {
          const now = deps.clock.now();
          const slot = Math.floor(now.getTime() / cap.reconcileIntervalMs);
          if (
            await enqueueJob(
              deps.db,
              { kind: 'reconcile', key: String(slot), payload: {}, runAt: now, maxAttempts: 2 },
              now,
            )
          ) {
            ctx.wakeJobs();
          }
        }),
      );
    }
    return async () => {
      shutdown.abort();
      for (const stop of stops) await stop();
    };
  };
}
