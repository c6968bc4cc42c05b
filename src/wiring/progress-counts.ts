import { foldProgressDeltas } from '../db/repos/completeness-progress.js';
import type { Feature } from '../usecases/feature.js';
import type { FeatureEnv } from './feature-env.js';

/** How often pending progress deltas are folded into the counts (they are summed on read meanwhile). */
const FOLD_EVERY_MS = 5_000;

/**
 * Progress counts: filings and task changes append deltas (no shared row to wait on); this timer
 * folds them in so a progress page sums a few rows, not a day's filings.
 */
export function progressCountsFeature(env: FeatureEnv): Feature {
  const { deps } = env;
  return {
    name: 'progress-counts',
    timers: [
      {
        name: 'progress-counts-fold',
        everyMs: FOLD_EVERY_MS,
        atStart: true,
        run: async () => {
          const n = await foldProgressDeltas(deps.db);
          deps.metrics.inc('progress_deltas_folded_total', {}, n);
        },
      },
    ],
  };
}
