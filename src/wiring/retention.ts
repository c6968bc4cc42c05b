import { systemClock } from '../ports/clock.js';
import { pruneFinished } from '../db/repos/retention.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';
import { every } from './interval.js';

/** Prunes processed events and finished jobs older than `retentionDays`, hourly and once at start. */
export function installRetention(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  retentionDays: number;
  intervalMs?: number;
}): { stop: () => Promise<void>; runOnce: () => Promise<void> } {
  const runOnce = async () => {
    const before = new Date(deps.clock.now().getTime() - deps.retentionDays * 86_400_000);
    const n = await pruneFinished(deps.db, { before });
    deps.metrics.inc('retention_pruned_total', { table: 'inbound_events' }, n.inboundEvents);
    deps.metrics.inc('retention_pruned_total', { table: 'jobs' }, n.jobs);
    if (n.inboundEvents + n.jobs > 0) deps.logger.info({ ...n, before }, 'pruned finished rows');
  };
  const stop = every(systemClock, deps.intervalMs ?? 3_600_000, 'retention', deps.logger, runOnce);
  return { stop, runOnce };
}
