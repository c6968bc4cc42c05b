import { setMaxListeners } from 'node:events';
import { DEFAULT_ALLOWED_FORMATS } from '../archive/archive-config.js';
import { closeDueBursts } from '../db/repos/bursts.js';
import { enqueueJob } from '../db/repos/jobs.js';
import {
  ACK_BURST_JOB,
  DOWNLOAD_MATERIAL_JOB,
  EXPAND_FORWARD_JOB,
  LATE_CAPTION_JOB,
  UNKEPT_NOTICE_JOB,
  MAKE_THUMBNAIL_JOB,
  REACT_STORED_JOB,
  RECALL_CARD_JOB,
  RECALL_NOTICE_JOB,
  RECONCILE_JOB,
  UNCLEAR_TEXT_JOB,
  UNSAVED_NOTICE_JOB,
} from '../domain/job-types.js';
import { acknowledgeBurst } from '../usecases/acknowledge-burst.js';
import { captureMessage } from '../usecases/capture-message.js';
import { downloadDied } from '../usecases/download-material.js';
import { downloadMaterialAttempt } from '../usecases/download-material-attempt.js';
import { resourceProblem } from '../errors.js';
import { expandForward } from '../usecases/expand-forward.js';
import { noticeForwardUnread } from '../usecases/forward-unread.js';
import { jobHandler, type Feature } from '../usecases/feature.js';
import { warmInspectLibraries } from '../media/load-on-first-use.js';
import { makeMaterialThumbnail } from '../usecases/make-material-thumbnail.js';
import { noticeUnkeptMessage } from '../usecases/unkept-message-notice.js';
import { noticeUnsaved } from '../usecases/notice-unsaved.js';
import { reactToStored } from '../usecases/react-to-stored.js';
import { patchWithdrawnCards } from '../usecases/recall-card.js';
import { sendRecallNotice } from '../usecases/recall-notice.js';
import { answerUnclearText } from '../usecases/unclear-text-hint.js';
import { takeLateCaption } from '../usecases/late-caption.js';
import { reconcileChats } from '../usecases/reconcile-chats.js';
import { rejudgeFormats } from '../usecases/rejudge-formats.js';
import { partsCardOf } from '../usecases/split-parts.js';
import type { FeatureEnv } from './feature-env.js';

/**
 * Capture of materials (issue: capture every material): messages → materials + download jobs;
 * merged forwards expanded; bursts closed and acknowledged once; periodic reconciliation.
 */
export function captureFeature(env: FeatureEnv): Feature {
  const { config, deps, blobs } = env;
  const cap = config.capture;
  // Aborted when the bot stops: downloads in flight end at once (nothing half-written is kept)
  // instead of holding up the shutdown; their jobs are retried, by this or another instance.
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal); // one listener per download in flight
  // Each stored file's format is judged as the 四性 check will (the defaults without an archive.yaml).
  const allowedFormats = env.settings.archive?.allowedFormats ?? DEFAULT_ALLOWED_FORMATS;

  return {
    name: 'capture',
    holdsUnclearText: true,
    onMessage: async (d, msg, _log, use, finishIn) => {
      // A caption written to the bot in a group (after its @) is kept without that @.
      const botOpenId = use === 'unclear' && msg.chatType !== 'p2p' ? await d.botOpenId() : undefined;
      const res = await captureMessage(d, msg, {
        quietWindowMs: cap.quietWindowMs,
        use,
        ...(botOpenId ? { botOpenId } : {}),
        ...(finishIn ? { finishIn } : {}),
      });
      if (res.materialIds.length > 0) warmInspectLibraries();
      if (res.materialIds.length > 0 || res.burstId !== undefined || res.notice) env.wakeJobs();
    },
    jobs: [
      jobHandler({
        type: DOWNLOAD_MATERIAL_JOB,
        handle: (payload, log, attempt) =>
          downloadMaterialAttempt(
            {
              ...deps,
              blobs,
              allowedFormats,
              options: {
                chunkBytes: cap.chunkBytes,
                maxBytes: cap.maxFileBytes,
                idleTimeoutMs: cap.idleTimeoutMs,
                ...(cap.storedReaction ? { reaction: cap.storedReaction } : {}),
                signal: shutdown.signal,
              },
            },
            payload.materialId,
            attempt,
            log,
          ),
        // The process died during the last attempt (OOM on a hostile file, a kill): the sweeper buries
        // the job, and the material must not wait as `pending` forever.
        onDead: (payload, log) => downloadDied(deps, payload.materialId, log),
      }),
      jobHandler({ type: REACT_STORED_JOB, handle: (payload, log) => reactToStored(deps, payload, log) }),
      jobHandler({
        type: MAKE_THUMBNAIL_JOB,
        handle: async (payload, log) => {
          const outcome = await makeMaterialThumbnail({ db: deps.db, blobs }, payload.materialId);
          log.debug({ materialId: payload.materialId, outcome }, 'thumbnail');
        },
      }),
      jobHandler({
        type: UNSAVED_NOTICE_JOB,
        handle: (payload) => noticeUnsaved(deps, payload.materialId, { maxFileBytes: cap.maxFileBytes }),
      }),
      jobHandler({
        type: UNKEPT_NOTICE_JOB,
        handle: (payload) => noticeUnkeptMessage(deps.gateway, payload),
      }),
      jobHandler({
        type: UNCLEAR_TEXT_JOB,
        handle: async (payload, log) => {
          const outcome = await answerUnclearText(deps, payload, {
            quietWindowMs: cap.quietWindowMs,
            commands: env.commands(),
          });
          log.debug({ messageId: payload.messageId, outcome }, 'direct text naming no command');
        },
      }),
      jobHandler({
        type: LATE_CAPTION_JOB,
        handle: async (payload, log) => {
          const outcome = await takeLateCaption(deps, payload, log, {
            quietWindowMs: cap.quietWindowMs,
            maxFileBytes: cap.maxFileBytes,
            sharedCard: (messageId) => partsCardOf(deps, messageId),
            present: env.burstPresenter(),
          });
          log.debug({ burstId: payload.burstId, outcome }, 'text after the burst’s card');
        },
      }),
      jobHandler({ type: RECALL_NOTICE_JOB, handle: (payload) => sendRecallNotice(deps.gateway, payload) }),
      jobHandler({
        type: RECALL_CARD_JOB,
        handle: (payload, log) =>
          patchWithdrawnCards(deps, payload.burstId, log, {
            maxFileBytes: cap.maxFileBytes,
            sharedCard: (messageId) => partsCardOf(deps, messageId),
            present: env.burstPresenter(),
          }),
      }),
      jobHandler({
        type: EXPAND_FORWARD_JOB,
        handle: async (payload, log, attempt) => {
          try {
            await expandForward(deps, payload);
          } catch (err) {
            // Given up (a missing database only waits): the sender hears of it instead of waiting.
            if (attempt.attempts >= attempt.maxAttempts && !resourceProblem(err)) {
              log.error({ err, messageId: payload.messageId }, 'merged forward could not be read; giving up');
              await noticeForwardUnread(deps, payload);
            }
            throw err;
          }
          env.wakeJobs();
        },
        onDead: (payload) => noticeForwardUnread(deps, payload),
      }),
      jobHandler({
        type: ACK_BURST_JOB,
        handle: (payload) =>
          acknowledgeBurst(deps, payload.burstId, {
            quietWindowMs: cap.quietWindowMs,
            maxFileBytes: cap.maxFileBytes,
            present: env.burstPresenter(),
          }),
      }),
      jobHandler({
        type: RECONCILE_JOB,
        handle: async () => {
          await reconcileChats(deps, { lookbackMs: cap.reconcileLookbackMs, record: env.recordReconciled });
        },
      }),
    ],
    timers: [
      {
        name: 'close-bursts',
        everyMs: Math.min(2000, Math.max(200, cap.quietWindowMs / 4)),
        run: async () => {
          const now = deps.clock.now();
          // One transaction: a burst is closed only together with the job that answers it, so a crash
          // in between cannot leave a closed burst that nobody ever acknowledges.
          await deps.db.transaction(async (tx) => {
            for (const b of await closeDueBursts(tx, now, cap.downloadWaitMs))
              await enqueueJob(
                tx,
                { type: ACK_BURST_JOB, key: String(b.id), payload: { burstId: b.id }, runAt: now },
                now,
              );
          });
          env.wakeJobs();
        },
      },
      // The formats of files stored before this start, judged again against archive.yaml as read now.
      {
        name: 'rejudge-formats',
        everyMs: 24 * 3_600_000,
        atStart: true,
        run: async () => {
          const n = await rejudgeFormats(deps.db, allowedFormats);
          if (n.materials > 0) deps.logger.info(n, 'stored files judged again against allowedFormats');
        },
      },
      // Temp files of dead writers and (object store) multipart uploads whose abort never reached it.
      {
        name: 'blob-temp-cleanup',
        everyMs: 3_600_000,
        run: async () => {
          await blobs.cleanupTemp(new Date(deps.clock.now().getTime() - 3_600_000));
        },
      },
      // One reconciliation per interval slot, whichever instance enqueues it first (0 = off).
      {
        name: 'reconcile',
        everyMs: cap.reconcileIntervalMs > 0 ? Math.min(60_000, cap.reconcileIntervalMs) : 0,
        run: async () => {
          const now = deps.clock.now();
          const slot = Math.floor(now.getTime() / cap.reconcileIntervalMs);
          const queued = await enqueueJob(
            deps.db,
            { type: RECONCILE_JOB, key: String(slot), payload: {}, runAt: now, maxAttempts: 2 },
            now,
          );
          if (queued) env.wakeJobs();
        },
      },
    ],
    services: [
      {
        name: 'capture-downloads',
        start: () => {
          void blobs.cleanupTemp(new Date(deps.clock.now().getTime() - 3_600_000)).catch(() => 0);
          return async () => shutdown.abort();
        },
      },
    ],
  };
}
