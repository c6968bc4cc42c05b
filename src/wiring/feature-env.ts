import type { Config } from '../config.js';
import type { PageRoute } from '../http/page-routes.js';
import type { JobType } from '../domain/job-type.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Readiness } from '../readiness.js';
import type { FileSettings } from '../settings.js';
import type { LarkMessageItem } from '../ports/chat-gateway.js';
import type { BurstPresenter } from '../usecases/acknowledge-burst.js';
import type { BotDeps } from '../usecases/deps.js';
import type { CommandAudience, Feature } from '../usecases/feature.js';
import type { LarkRefusal } from '../usecases/ops-alert-checks.js';

/**
 * What a capability module is given by the composition root (bot.ts). Read-only: a module returns
 * its declarations and never writes into a shared object. The few answers that depend on what
 * other features declared (the burst presenter, whether a job kind is handled) are asked of the
 * composed result when they are needed.
 */
export interface FeatureEnv {
  config: Config;
  /** schedules.yaml and archive.yaml, validated at start (settings.ts). */
  settings: FileSettings;
  deps: BotDeps;
  /** Work paused for a missing resource (operations alerts report it). */
  readiness: Readiness;
  blobs: BlobStore;
  /** Wakes the job worker after an enqueue (instead of waiting for its poll). */
  wakeJobs(): void;
  /** Records an event found by reconciliation through the live path. */
  recordReconciled(item: LarkMessageItem, chatType: string): Promise<'accepted' | 'duplicate'>;
  /** The burst presenter some feature declared (filing), if any. */
  burstPresenter(): BurstPresenter | undefined;
  /** Every declared chat command's name, words and audience (a guess at a mistyped one, held texts). */
  commands(): readonly { name: string; words: readonly string[]; who: CommandAudience }[];
  /** Whether some feature handles this job kind. */
  handlesJob(type: JobType<unknown>): boolean;
  /** Lark's last refusal of our credentials or scopes (operations alerts). */
  lastLarkRefusal(): LarkRefusal | undefined;
  /** When the long connection last heard from Lark (ws mode). */
  wsLastActivityAt(): Date | undefined;
}

/** A capability: given the environment, it returns its declarations (its page routes typed for http/). */
export type FeatureModule = (env: FeatureEnv) => Feature<PageRoute>;
