import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { FileSettings } from './settings.js';
import type { BlobStore } from './ports/blob-store.js';
import type { CardActionRouter } from './usecases/card-actions.js';
import type { BotDeps } from './usecases/deps.js';
import type { EventHooks } from './usecases/process-event.js';
import type { BurstPresenter } from './usecases/acknowledge-burst.js';
import { installArchive } from './wiring/archive.js';
import { installCapture } from './wiring/capture.js';
import { installFiling } from './wiring/filing.js';
import { installSchedules } from './wiring/schedules.js';

export interface JobAttempt {
  attempts: number;
  maxAttempts: number;
}
export type JobHandler = (payload: any, log: Logger, attempt: JobAttempt) => Promise<void>;
export type JobHandlers = Record<string, JobHandler>;
/** Told when a job of its kind died with its worker on the last attempt (the handler never knew). */
export type DeadJobHandler = (payload: any, log: Logger) => Promise<void>;

export interface FeatureContext {
  config: Config;
  /** schedules.yaml and archive.yaml, validated at start (settings.ts). */
  settings: FileSettings;
  deps: BotDeps;
  blobs: BlobStore;
  cards: CardActionRouter;
  jobHandlers: JobHandlers;
  deadJobHandlers: Record<string, DeadJobHandler>;
  hooks: EventHooks;
  /** Wakes the job worker after an enqueue (instead of waiting for its poll). */
  wakeJobs: () => void;
  /** Records an event found by reconciliation through the live path. */
  recordReconciled: Parameters<typeof installCapture>[0]['recordReconciled'];
  /** Filing replaces the plain burst acknowledgment with its card. */
  presenters: { burst?: BurstPresenter };
}

/** A started feature: timers it runs, stopped on shutdown. */
export type Stopper = () => Promise<void>;

/**
 * Plugs each capability into the event hooks, card router, job handlers and timers. One list, so
 * what the bot can do is readable in one place.
 */
export function installFeatures(ctx: FeatureContext): { start: () => Stopper } {
  const starters = [installCapture(ctx), installFiling(ctx), installSchedules(ctx), installArchive(ctx)];
  return {
    start: () => {
      const stoppers = starters.map((s) => s());
      return async () => {
        for (const stop of stoppers) await stop();
      };
    },
  };
}
