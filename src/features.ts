import { archiveFeature } from './wiring/archive.js';
import { captureFeature } from './wiring/capture.js';
import type { FeatureModule } from './wiring/feature-env.js';
import { correctionsFeature, filingFeature, unitsFeature } from './wiring/filing.js';
import { opsAlertsFeature } from './wiring/ops-alerts.js';
import { pagesFeature } from './wiring/pages.js';
import { progressCountsFeature } from './wiring/progress-counts.js';
import { retentionFeature } from './wiring/retention.js';
import { schedulesFeature } from './wiring/schedules.js';

export type { FeatureModule } from './wiring/feature-env.js';

/**
 * Every capability of the bot, each a module returning its declarations (jobs, card actions,
 * commands, timers, page routes, event hooks). startBot composes them; a test may start the bot with a subset.
 */
export const allFeatures: readonly FeatureModule[] = [
  captureFeature,
  filingFeature,
  correctionsFeature,
  unitsFeature,
  schedulesFeature,
  archiveFeature,
  opsAlertsFeature,
  retentionFeature,
  progressCountsFeature,
  pagesFeature,
];
