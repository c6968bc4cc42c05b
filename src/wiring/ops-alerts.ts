import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { topAdmins } from '../db/repos/people.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';
import { SETTING_REFUSALS } from '../domain/push-refusal-causes.js';
import type { Feature } from '../usecases/feature.js';
import { opsAlertChecks } from '../usecases/ops-alert-checks.js';
import {
  checkOpsAlerts,
  loadAlertAdmins,
  OPS_ALERT_ADMINS,
  OPS_ALERT_ROUND_CUT_SHORT,
  OPS_ALERTS_UNDELIVERED,
  OpsAlertMemory,
  type OpsAlertOptions,
} from '../usecases/ops-alerts.js';
import { holidayFilePlace } from '../holiday-settings.js';
import { readBackupStatus } from '../ops/backup-status.js';
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
 * scopes, the backups (DATA_DIR/backup-status.json), next year's holidays missing in December.
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
    backups:
      config.alerts.backupMaxAgeMs > 0
        ? { status: () => readBackupStatus(config.dataDir), maxAgeMs: config.alerts.backupMaxAgeMs }
        : undefined,
  });
  const memory = new OpsAlertMemory();
  let loading = Promise.resolve();
  if (!config.alerts.opsChatId)
    registerAlertAdmins(deps.metrics, deps.db, deps.clock, config.operations.metricsRefreshSeconds);
  return {
    name: 'ops-alerts',
    // Whom to tell should the database go down before the first round (it needs no database to be sent).
    services: [
      {
        name: 'ops-alert-admins',
        start: () => {
          loading = loadAlertAdmins(deps, opsAlertOptions(config), memory);
          return () => loading;
        },
        idle: () => loading,
      },
    ],
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

/**
 * OPS_ALERT_ADMINS on /metrics: the admins the alerts go to by direct message, read at scrape time (at
 * most every `refreshSeconds`, one read in flight shared by every scrape meanwhile). While the bot
 * holds the embedded database the doctor cannot count them itself: its 告警去向 line said ✓ 私信最上级单位的管理员
 * with no admin at all, every alert reaching nobody.
 */
function registerAlertAdmins(metrics: Metrics, db: Db, clock: Clock, refreshSeconds: number): void {
  let cached: { at: number; admins: number } | undefined;
  let inFlight: Promise<number> | undefined;
  metrics.collect(
    OPS_ALERT_ADMINS,
    'Admins the ops alerts go to by direct message (OPS_CHAT_ID unset); 0: nobody gets them',
    async () => {
      const now = clock.now().getTime();
      if (cached && now - cached.at < refreshSeconds * 1000) return [{ labels: {}, value: cached.admins }];
      inFlight ??= topAdmins(db)
        .then((ids) => {
          cached = { at: now, admins: ids.length };
          return ids.length;
        })
        .finally(() => (inFlight = undefined));
      return [{ labels: {}, value: await inFlight }];
    },
  );
}
