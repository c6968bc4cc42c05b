import { plainDateTime } from './plain-date.js';

/** How a backup command ended: exit 0, exit 3 (damaged files left out, DAMAGED.txt), or a failure. */
export type BackupOutcome = 'complete' | 'incomplete' | 'failed';

/** One run of `backup --out FOLDER`, as the command recorded it (ops/backup-status.ts). */
export interface BackupRun {
  at: Date;
  outcome: BackupOutcome;
  folder: string;
  /** Incomplete: how many damaged or missing files were left out. */
  missing?: number;
  /** Failed: the command's own first line of why. */
  error?: string;
}

/** The last backup run and the last complete one (the same run when the last was complete). */
export interface BackupStatus {
  last: BackupRun;
  lastComplete?: BackupRun;
}

/** A county that never made a backup is told once the bot has run this long (not on day one). */
const FIRST_BACKUP_DAYS = 7;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HOW =
  '每晚自动备份见说明书「定期备份」（systemctl enable --now archive-bot-backup.timer），' +
  '原因看 journalctl -u archive-bot-backup';

/**
 * Whether the backups need the operator (the 「备份没有按时完成」 alert, the doctor's 备份 line): the last
 * backup failed or left damaged files out, or the last complete one is older than `maxAgeMs`; none ever
 * made, once the bot has run FIRST_BACKUP_DAYS (`installedAt`; unknown: at once). The text names when
 * and where the last complete backup is, the copy to get damaged files back from.
 */
export function backupState(
  status: BackupStatus | undefined,
  input: { now: Date; installedAt?: Date; maxAgeMs: number; timeZone: string },
): { firing: boolean; detail: string } {
  const when = (r: BackupRun) => plainDateTime(r.at, input.now, input.timeZone);
  if (!status) {
    const days = input.installedAt
      ? Math.floor((input.now.getTime() - input.installedAt.getTime()) / DAY)
      : undefined;
    return {
      firing: days === undefined || days >= FIRST_BACKUP_DAYS,
      detail: `还没有做过备份${days !== undefined ? `（机器人已运行 ${days} 天）` : ''}：存档只有这一份，硬盘坏了就全丢了。${HOW}。`,
    };
  }
  const good = status.lastComplete;
  const goodText = good ? `上一次完整的备份：${when(good)}，${good.folder}` : '还没有一次完整的备份';
  const { last } = status;
  if (last.outcome === 'failed')
    return {
      firing: true,
      detail: `最近一次备份（${when(last)}）失败了：${last.error ?? '原因见备份命令的输出'}。${goodText}。${HOW}。`,
    };
  if (last.outcome === 'incomplete')
    return {
      firing: true,
      detail:
        `最近一次备份（${when(last)}，${last.folder}）不完整：${last.missing ?? '有'} 个文件已损坏或不见了，没有进入备份（见其中的 DAMAGED.txt）。` +
        `${goodText}${good ? '，损坏的文件从那里找回' : ''}；npm run verify 查出对应的件。`,
    };
  const ageMs = input.now.getTime() - last.at.getTime();
  if (ageMs > input.maxAgeMs)
    return {
      firing: true,
      detail: `已经 ${Math.floor(ageMs / HOUR)} 小时没有新的备份了。${goodText}。${HOW}。`,
    };
  return { firing: false, detail: `备份已完成：${when(last)}，${last.folder}。` };
}
