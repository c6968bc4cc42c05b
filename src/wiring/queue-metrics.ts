import type { Database } from '../db/client.js';
import { queueStats, type QueueStats } from '../db/repos/queue.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';

/**
 * Queue gauges on /metrics. The figures come from one query per table on its partial indexes
 * (queueStats), run at most every `refreshSeconds` and shared by every scrape meanwhile (one
 * refresh in flight at a time): twenty scrapers a second cost the database what one does.
 */
export function registerQueueMetrics(
  metrics: Metrics,
  database: Database,
  clock: Clock,
  refreshSeconds: number,
): void {
  for (const table of ['inbound_events', 'jobs'] as const) {
    let cached: { at: number; stats: QueueStats } | undefined;
    let inFlight: Promise<QueueStats> | undefined;
    const stats = (): Promise<QueueStats> => {
      const now = clock.now();
      if (cached && now.getTime() - cached.at < refreshSeconds * 1000) return Promise.resolve(cached.stats);
      inFlight ??= queueStats(database.db, table, now)
        .then((s) => {
          cached = { at: now.getTime(), stats: s };
          return s;
        })
        .finally(() => (inFlight = undefined));
      return inFlight;
    };
    metrics.collect(`queue_${table}_rows`, `Rows of ${table} by status`, async () => {
      const s = await stats();
      return [
        { labels: { status: 'pending' }, value: s.pending },
        { labels: { status: 'processing' }, value: s.processing },
        { labels: { status: 'dead' }, value: s.dead },
      ];
    });
    metrics.collect(`queue_${table}_lag_seconds`, `Age of the oldest due row of ${table}`, async () => [
      { labels: {}, value: (await stats()).lagSeconds },
    ]);
  }
  metrics.collect('lark_seconds_since_last_event', 'Seconds since the last accepted Lark event', () => {
    const last = metrics.value('lark_last_event_timestamp_seconds');
    return last ? [{ labels: {}, value: Math.round(clock.now().getTime() / 1000 - last) }] : [];
  });
}
