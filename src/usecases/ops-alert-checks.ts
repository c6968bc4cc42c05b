import type { Db } from '../db/client.js';
import { findInstallation } from '../db/repos/installation.js';
import { queueStats } from '../db/repos/queue.js';
import { backupState, type BackupStatus } from '../domain/backup-status.js';
import { heldSignal } from '../domain/held-signal.js';
import type { CountyHolidays } from '../domain/holiday-file.js';
import { missingHolidaysText, type HolidayFilePlace } from '../domain/holiday-advice.js';
import { createWorkingCalendar, partsIn } from '../domain/working-days.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { ResourceReason } from '../errors.js';
import { waitText } from '../domain/resource-wait-text.js';
import type { AlertKind, AlertState } from './ops-alerts.js';

/** The last time Lark refused our credentials or a scope (kept by the Lark adapter). */
export interface LarkRefusal {
  api: string;
  code: number;
  at: Date;
}

export interface OpsAlertSources {
  db: Db;
  clock: Clock;
  blobs: Pick<BlobStore, 'freeBytes'>;
  /** Where stored files live (BLOB_STORE): what a store that refuses writes means. */
  storeKind: 'local' | 's3';
  minFreeBytes: number;
  /** Work this process paused for a missing resource. */
  readiness?: {
    reasons: () => readonly ResourceReason[];
    seenSince: (reason: ResourceReason, since: Date | undefined) => boolean;
  };
  timeZone: string;
  /** The county's holidays.yaml (read at start), and where HOLIDAYS_FILE says it is. */
  holidays?: CountyHolidays;
  holidaysFile: HolidayFilePlace;
  /** Long connection only: when Lark was last heard from, and how long silence may last. */
  ws?: { lastActivityAt: () => Date | undefined; startedAt: Date; silenceMs: number };
  /**
   * Webhook mode only: the pushes this process received, and those a setting of this machine refused
   * (a wrong Encrypt Key: the bot hears nothing), counted since it started.
   */
  pushes?: { received: () => number; refusedForSetting: () => number };
  lastLarkRefusal: () => LarkRefusal | undefined;
  /** A refusal counts for this long after it happened (then the alert clears). */
  refusalWindowMs: number;
  /**
   * The backups (DATA_DIR/backup-status.json, written by the backup command) and how old the last
   * complete one may be; absent (BACKUP_ALERT_HOURS=0): no backup alert.
   */
  backups?: { status: () => Promise<BackupStatus | undefined>; maxAgeMs: number };
}

const MB = 1024 * 1024;

/**
 * `database_busy` comes and goes (another instance takes the last connections, then frees them): it
 * is reported once it has held for 10 minutes, and cleared once it has not been seen for 30, so the
 * operations chat gets one alert and one 恢复正常 instead of a pair every hour.
 */
const DATABASE_BUSY_RAISE_MS = 10 * 60_000;
const DATABASE_BUSY_CLEAR_MS = 30 * 60_000;
const minutes = (ms: number) => Math.round(ms / 60_000);

/**
 * The periodic checks: dead rows, a silent connection, low disk, Lark refusals, the backups, next year's
 * holidays.
 */
export function opsAlertChecks(s: OpsAlertSources): Partial<Record<AlertKind, () => Promise<AlertState>>> {
  const calendar = createWorkingCalendar({ county: s.holidays });
  // Between rounds: the counts seen last, and since when pushes are refused with none received.
  const pushes = { received: 0, refused: 0, refusedSince: undefined as Date | undefined, lastRefusedAt: 0 };
  const databaseBusy = heldSignal({ raiseMs: DATABASE_BUSY_RAISE_MS, clearMs: DATABASE_BUSY_CLEAR_MS });
  return {
    dead_rows: async () => {
      const now = s.clock.now();
      const [events, jobs] = [
        await queueStats(s.db, 'inbound_events', now),
        await queueStats(s.db, 'jobs', now),
      ];
      const firing = events.dead + jobs.dead > 0;
      const how = [
        ...(events.dead > 0 ? ['npm run cli -- events dead（重试：events retry all-dead）'] : []),
        ...(jobs.dead > 0 ? ['npm run cli -- jobs dead（重试：jobs retry --all）'] : []),
      ];
      return {
        firing,
        detail: firing
          ? `失败的事件 ${events.dead} 条、后台任务 ${jobs.dead} 条，已停止重试。查看：${how.join('；')}`
          : '失败的事件和任务已处理完。',
      };
    },
    ...(s.ws
      ? {
          ws_silent: async () => {
            const ws = s.ws!;
            const last = ws.lastActivityAt() ?? ws.startedAt;
            const silentMs = s.clock.now().getTime() - last.getTime();
            const firing = silentMs >= ws.silenceMs;
            return {
              firing,
              detail: firing
                ? `已有 ${minutes(silentMs)} 分钟没有收到飞书的任何消息（长连接可能断了，或网络不通）。`
                : '长连接又收到飞书的消息了。',
            };
          },
        }
      : {}),
    ...(s.pushes
      ? {
          pushes_refused: async () => {
            const now = s.clock.now();
            const [received, refused] = [s.pushes!.received(), s.pushes!.refusedForSetting()];
            if (received > pushes.received) pushes.refusedSince = undefined;
            else if (refused > pushes.refused) pushes.refusedSince ??= now;
            if (refused > pushes.refused) pushes.lastRefusedAt = now.getTime();
            [pushes.received, pushes.refused] = [received, refused];
            const firing =
              pushes.refusedSince !== undefined && now.getTime() - pushes.lastRefusedAt < s.refusalWindowMs;
            return {
              firing,
              detail: firing
                ? '飞书推送来的事件都被机器人拒绝了（签名、Token 或时间不对），群里的消息收不到。' +
                  '请核对 LARK_ENCRYPT_KEY、LARK_VERIFICATION_TOKEN 与开发者后台「事件与回调 → 加密策略」一致，' +
                  '本机时间准确；npm run cli -- doctor 的「飞书推送」一行说明原因。'
                : '又能收到飞书推送的事件了。',
            };
          },
        }
      : {}),
    disk_low: async () => {
      const free = await s.blobs.freeBytes();
      const firing = free < s.minFreeBytes;
      return {
        firing,
        detail: `剩余磁盘空间 ${Math.floor(free / MB)} MB，下限 ${Math.floor(s.minFreeBytes / MB)} MB${firing ? '；新文件暂停下载，请清理磁盘。' : '。'}`,
      };
    },
    ...(s.readiness
      ? {
          work_waiting: async () => {
            const readiness = s.readiness!;
            const busy = databaseBusy(s.clock.now(), (since) => readiness.seenSince('database_busy', since));
            const reasons = [
              ...readiness.reasons().filter((r) => r !== 'database_busy'),
              ...(busy ? (['database_busy'] as const) : []),
            ].sort();
            const firing = reasons.length > 0;
            return {
              firing,
              detail: firing
                ? `${reasons.map((r) => `${waitText(r, s.storeKind)}（${r}）`).join('、')}：下载等后台工作已暂停，不算失败，恢复后自动继续。`
                : '后台工作已恢复。',
            };
          },
        }
      : {}),
    lark_refused: async () => {
      const r = s.lastLarkRefusal();
      const firing = r !== undefined && s.clock.now().getTime() - r.at.getTime() < s.refusalWindowMs;
      return {
        firing,
        detail: firing
          ? // The secret reset in the console is fixed in the settings file, not in the console (the alert
            // sent the IT person to 发布新版本 alone).
            `接口 ${r!.api} 被拒绝（错误码 ${r!.code}）。请在开发者后台检查 App ID/Secret 和权限，并发布新版本；` +
            '如果重置过 App Secret，请把新的写进设置文件的 LARK_APP_SECRET，再重启机器人。'
          : `${minutes(s.refusalWindowMs)} 分钟内飞书没有再拒绝。`,
      };
    },
    ...(s.backups
      ? {
          backup: async () =>
            backupState(await s.backups!.status(), {
              now: s.clock.now(),
              installedAt: (await findInstallation(s.db))?.installedAt,
              maxAgeMs: s.backups!.maxAgeMs,
              timeZone: s.timeZone,
            }),
        }
      : {}),
    holidays: async () => {
      // In December the table must hold next year; from January on, this year (a table never
      // updated past New Year would otherwise read as settled while 春节 counts as working days).
      const p = partsIn(s.clock.now(), s.timeZone);
      const year = Number(p.year);
      const missing = !calendar.knowsYear(year)
        ? year
        : p.month === '12' && !calendar.knowsYear(year + 1)
          ? year + 1
          : undefined;
      const known = p.month === '12' ? year + 1 : year;
      return missing !== undefined
        ? { firing: true, detail: missingHolidaysText(missing, missing === year, s.holidaysFile) }
        : {
            firing: false,
            detail: `节假日表已包含 ${known} 年的数据（${calendar.yearSource(known) === 'holidays.yaml' ? s.holidaysFile.path : 'chinese-days'}）。`,
          };
    },
  };
}
