import type { Config } from '../config.js';
import { SETTING_REFUSALS } from '../domain/push-refusal-causes.js';
import type { Feature } from '../usecases/feature.js';
import { opsAlertChecks } from '../usecases/ops-alert-checks.js';
import {
  checkOpsAlerts,
  OPS_ALERT_ROUND_CUT_SHORT,
  OPS_ALERTS_UNDELIVERED,
  OpsAlertMemory,
  type OpsAlertOptions,
} from '../usecases/ops-alerts.js';
import { holidayFilePlace } from '../holiday-settings.js';
import type { FeatureEnv } from './feature-env.js';
import { systemClock } from '../ports/clock.js';

export const opsAlertOptions = (config: Config): OpsAlertOptions => ({
  opsChatId: config.alerts.opsChatId,
  minIntervalMs: config.alerts.intervalMs,
  timeZone: config.timeZone,
});

/** The timer's name (RunningBot.checkAlerts runs one round of it). */
export const OPS_ALERTS_TIMER = 'ops-alerts';

/**
 * The operations alerts timer (every ALERT_CHECK_MINUTES; 0 = off): dead rows, a silent long
 * connection, webhook pushes all refused for a setting, low disk, Lark refusing credentials or
 * scopes, next year's holidays missing in December.
 */
export function opsAlertsFeature(env: FeatureEnv): Feature {
  const { config, deps } = env;
  const checks = opsAlertChecks({
    db: deps.db,
    clock: deps.clock,
    blobs: env.blobs,
    storeKind: config.blobStore.kind,
    minFreeBytes: config.capture.minFreeDiskBytes,
    readiness: env.readiness,
    timeZone: config.timeZone,
    holidays: env.settings.holidays,
    holidaysFile: holidayFilePlace(config.schedules.holidaysFile),
    ws:
      config.lark.eventMode === 'ws'
        ? {
            lastActivityAt: env.wsLastActivityAt,
            startedAt: deps.clock.now(),
            silenceMs: config.lark.wsSilenceAlertMinutes * 60_000,
          }
        : undefined,
    pushes:
      config.lark.eventMode === 'webhook'
        ? {
            received: () =>
              deps.metrics.value('lark_events_total', { result: 'accepted', source: 'webhook' }) +
              deps.metrics.value('lark_events_total', { result: 'duplicate', source: 'webhook' }) +
              // Card taps come by the same URL and key; a chat busy only with taps is heard too.
              deps.metrics.total('card_actions_total'),
            refusedForSetting: () =>
              SETTING_REFUSALS.reduce(
                (n, reason) => n + deps.metrics.value('lark_events_refused_total', { reason }),
                0,
              ),
          }
        : undefined,
    lastLarkRefusal: env.lastLarkRefusal,
    refusalWindowMs: config.alerts.refusalWindowMs,
  });
  const memory = new OpsAlertMemory();
  return {
    name: 'ops-alerts',
    timers: [
      {
        name: OPS_ALERTS_TIMER,
        everyMs: config.alerts.checkMs,
        clock: systemClock,
        run: async () => {
          try {
            return await checkOpsAlerts(deps, opsAlertOptions(config), checks, memory);
          } finally {
            // What the doctor reads: a round the database cut short, and alerts Lark did not take.
            deps.metrics.set(
              OPS_ALERT_ROUND_CUT_SHORT,
              memory.cutShort ? 1 : 0,
              {},
              'The last ops-alert round could not record every state (the database refused or was unreachable)',
            );
            deps.metrics.set(
              OPS_ALERTS_UNDELIVERED,
              memory.undelivered,
              {},
              'Ops alerts the last round owed and could not deliver (sent again every round until Lark takes them)',
            );
          }
        },
      },
    ],
  };
}
