import type { Db } from '../db/client.js';
import { insertInboundEvent, type NewInboundEvent } from '../db/repos/inbound-events.js';
import { storableValue } from '../domain/storable-text.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';

export interface RecordDeps {
  db: Db;
  clock: Clock;
  metrics: Metrics;
  /** Wakes the worker so a new event is processed without waiting for the next poll. */
  onRecorded?: () => void;
}

/**
 * Record, then acknowledge: both intake paths (webhook and long connection) call this and answer
 * Lark only after it resolved. Duplicates (same event id or message id) are no-ops.
 */
export async function recordInboundEvent(
  deps: RecordDeps,
  event: NewInboundEvent,
): Promise<'accepted' | 'duplicate'> {
  const now = deps.clock.now();
  // jsonb refuses U+0000: an envelope carrying one is stored with it replaced (and counted).
  const safe = storableValue(event.payload);
  if (safe.replaced > 0)
    deps.metrics.inc('text_characters_replaced_total', { where: 'event' }, safe.replaced);
  const fresh = await insertInboundEvent(deps.db, { ...event, payload: safe.value }, now);
  deps.metrics.inc('lark_events_total', { result: fresh ? 'accepted' : 'duplicate', source: event.source });
  deps.metrics.set('lark_last_event_timestamp_seconds', Math.floor(now.getTime() / 1000));
  if (fresh) deps.onRecorded?.();
  return fresh ? 'accepted' : 'duplicate';
}
