import { pruneFinished } from '../db/repos/retention.js';
import { systemClock } from '../ports/clock.js';
import type { Feature } from '../usecases/feature.js';
import type { FeatureEnv } from './feature-env.js';

/** Prunes processed events and finished jobs older than RETENTION_DAYS, hourly and once at start. */
export function retentionFeature(env: FeatureEnv): Feature {
  const { deps } = env;
  const retentionDays = env.config.operations.retentionDays;
  return {
    name: 'retention',
    timers: [
      {
        name: 'retention',
        everyMs: 3_600_000,
        clock: systemClock,
        atStart: true,
        run: async () => {
          const before = new Date(deps.clock.now().getTime() - retentionDays * 86_400_000);
          const n = await pruneFinished(deps.db, { before });
          deps.metrics.inc('retention_pruned_total', { table: 'inbound_events' }, n.inboundEvents);
          deps.metrics.inc('retention_pruned_total', { table: 'jobs' }, n.jobs);
          if (n.inboundEvents + n.jobs > 0) deps.logger.info({ ...n, before }, 'pruned finished rows');
        },
      },
    ],
  };
}
