import { systemClock } from '../ports/clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Readiness } from '../readiness.js';
import type { BotDeps } from '../usecases/deps.js';
import { opsAlertChecks, type LarkRefusal } from '../usecases/ops-alert-checks.js';
import { checkOpsAlerts, type OpsAlertOptions } from '../usecases/ops-alerts.js';
import { every } from './interval.js';

export const opsAlertOptions = (config: Config): OpsAlertOptions => ({
  opsChatId: config.alerts.opsChatId,
  minIntervalMs: config.alerts.intervalMs,
  timeZone: config.timeZone,
});

/**
 * The operations alerts timer (every ALERT_CHECK_MINUTES; 0 = off): dead rows, a silent long
 * connection, low disk, Lark refusing credentials or scopes, next year's holidays missing in
 * December. `check` runs one round (tests drive it with their clock).
 */
export function installOpsAlerts(ctx: {
  config: Config;
  deps: BotDeps;
  logger: Logger;
  blobs: BlobStore;
  readiness?: Readiness;
  lastLarkRefusal: () => LarkRefusal | undefined;
  ws?: { lastActivityAt: () => Date | undefined };
}): { check: () => Promise<unknown>; stop: () => Promise<void> } {
  const { config, deps } = ctx;
  const checks = opsAlertChecks({
    db: deps.db,
    clock: deps.clock,
    blobs: ctx.blobs,
    minFreeBytes: config.capture.minFreeDiskBytes,
    ...(ctx.readiness ? { readiness: ctx.readiness } : {}),
    timeZone: config.timeZone,
    ws: ctx.ws
      ? {
          lastActivityAt: ctx.ws.lastActivityAt,
          startedAt: deps.clock.now(),
          silenceMs: config.lark.wsSilenceAlertMinutes * 60_000,
        }
      : undefined,
    lastLarkRefusal: ctx.lastLarkRefusal,
    refusalWindowMs: config.alerts.refusalWindowMs,
  });
  const check = () => checkOpsAlerts(deps, opsAlertOptions(config), checks);
  const stop =
    config.alerts.checkMs > 0
      ? every(systemClock, config.alerts.checkMs, 'ops-alerts', ctx.logger, check)
      : async () => {};
  return { check, stop };
}
