import { parseCliOptions } from './cli-options.js';
import { join, resolve } from 'node:path';
import type { BackupOutcome } from '../domain/backup-status.js';
import { AppError, errorMessage } from '../errors.js';
import { backupData } from '../ops/backup.js';
import { DAMAGED_LIST, type BackupInfo, type DamagedFile } from '../ops/backup-info.js';
import { BACKUP_STATUS_FILE, recordBackupRun } from '../ops/backup-status.js';
import { s3TargetName } from '../ops/migrate-blobs.js';
import { restoreData } from '../ops/restore.js';
import { localDateTime } from '../domain/catalogue-date.js';
import { loadCliSettings, type CliSettings } from '../settings.js';
import { openBlobStore } from '../storage/open-blob-store.js';
import type { StandaloneCliCommand } from './commands.js';

const BACKUP_USAGE = `用法: npm run cli -- backup --out DIR [--include-files]
  备份数据库和已存文件到一个新的空目录 DIR，附 SHA-256 清单（manifest-sha256.txt），完成前写入磁盘。
  每个文件都按数据库记录核对（SHA-256 或大小）：损坏或缺少的文件不进入备份，其余照常备份，
  它们列在备份里的 DAMAGED.txt，并以退出码 3 结束（备份可用但不完整）。其他失败：退出码 1，删除没写完的目录。
  内置数据库（PGlite）：请先停止机器人。PostgreSQL：用 pg_dump，机器人可以继续运行。
  文件在存储桶（BLOB_STORE=s3）时默认只列出清单（blobs-sha256.txt、blobs-size.txt），文件留在存储桶；
  加 --include-files 把每个文件核对后复制进备份。
  SCHEDULES_FILE、ARCHIVE_CONFIG、HOLIDAYS_FILE 指向的设置文件和网页登录密钥也复制进备份（settings/）；
  机器人的设置文件（archive-bot.env 或 .env：飞书应用密钥等）不在备份里，请另外保存。
  每次备份的结果记在 DATA_DIR/backup-status.json：备份失败、不完整或太久没做，机器人会发告警。`;
const RESTORE_USAGE = `用法: npm run cli -- restore --from DIR
  把备份恢复到空的数据目录（DATA_DIR；PostgreSQL 时还要 DATABASE_URL 指向一个空数据库）。
  先逐个核对 SHA-256，损坏的备份、更新版本的备份、非空的目标都会被拒绝。
  只列了清单的存储桶备份：设置 BLOB_STORE=s3 指向该存储桶，先核对清单上的文件都在、大小相符。
  恢复中断（数据目录里留有 RESTORE-INCOMPLETE）时，再运行一次即可：先清除那次写入的内容，再完整恢复。
  备份时缺少的文件（DAMAGED.txt）恢复不了：其余照常恢复，列出它们并以退出码 3 结束。
  备份里的设置文件放到这台机器的 SCHEDULES_FILE、ARCHIVE_CONFIG、HOLIDAYS_FILE 指向的位置：
  那里已有不同的文件时不覆盖，写不进去时（/etc/archive-bot 属于 root）给出复制的命令，并以退出码 4 结束。`;

/**
 * Exit code of a backup that left out damaged or missing files (DAMAGED.txt), and of a restore of
 * such a backup: done, usable, incomplete (cron mails it; 1 is a failure, 2 a usage error).
 */
export const EXIT_FILES_MISSING = 3;

/**
 * Exit code of a restore that left settings files of the backup not put back (a different file there, or
 * one the service user may not write): the archive is restored, the county's settings are not yet.
 */
const EXIT_SETTINGS_LEFT = 4;

/** What `npm run verify` should count after a restore of this backup (its whole-archive 「N 条，M 个文件」). */
const archiveLine = (a: { records: number; files: number } | undefined, restoring: boolean): string =>
  a
    ? `\n  档案：${restoring ? '备份时 ' : ''}${a.records} 条，${a.files} 个文件（四性检测 npm run verify 数的条数和文件数${restoring ? '：恢复后应数出同样的数' : '，恢复后用来对照'}）`
    : restoring
      ? '\n  档案：这个备份没有记下条数（做备份的程序较旧），四性检测的数无从对照'
      : '';

/** The warning for files a backup left out (zh-CN, several lines): which, why, what to do. */
function damagedWarning(damaged: DamagedFile[], restoring: boolean): string {
  const shown = damaged.slice(0, 20).map((d) => {
    const materials =
      d.materials.length > 0
        ? `，材料 ${d.materials.slice(0, 5).join('、')}${d.materials.length > 5 ? ' 等' : ''}`
        : '';
    return `  - ${d.key}（${d.reason}${materials}）`;
  });
  if (damaged.length > 20) shown.push(`  …（共 ${damaged.length} 个，全部列在备份目录的 ${DAMAGED_LIST}）`);
  const head = restoring
    ? `警告：这个备份缺少 ${damaged.length} 个文件（备份时已损坏或不见了，见备份目录的 ${DAMAGED_LIST}），它们没有恢复，其余都已恢复：`
    : `警告：${damaged.length} 个文件已损坏或不见了，没有进入这个备份（数据库和其余文件都已备份；清单见备份目录的 ${DAMAGED_LIST}）：`;
  return `${head}\n${shown.join('\n')}\n  请运行 npm run verify 查出对应的件，从更早的备份、存储桶的旧版本或原始飞书消息找回这些文件（退出码 ${EXIT_FILES_MISSING}）`;
}

function parse(args: string[], name: string, usage: string, flags: string[] = []) {
  const values = parseCliOptions(
    args,
    {
      [name]: { type: 'string' as const },
      ...Object.fromEntries(flags.map((f) => [f, { type: 'boolean' as const }])),
    },
    usage,
  );
  const value = values[name];
  if (typeof value !== 'string' || !value) throw new AppError('usage', usage);
  return { value, flags: values as Record<string, unknown> };
}

/** Where this machine's settings name the settings files a backup keeps (backup-settings.ts). */
const settingsPlaces = (s: CliSettings) => ({
  schedulesFile: s.schedules.file,
  archiveConfig: s.archive.configFile,
  holidaysFile: s.schedules.holidaysFile,
  dataDir: s.dataDir,
});

/** The bucket when BLOB_STORE=s3 (its files are backed up through the port), else undefined. */
async function objectStoreOf(settings: CliSettings) {
  const config = settings.blobStore;
  if (config.kind !== 's3') return undefined;
  return { blobs: (await openBlobStore(settings, { minFreeBytes: 0 })).blobs, name: s3TargetName(config) };
}

/** `npm run cli -- backup --out DIR` */
export const backupCommand: StandaloneCliCommand = {
  usage: BACKUP_USAGE,
  summary: '备份数据库和文件：--out 目录 [--include-files]',
  standalone: async (args, { env, out, err }) => {
    const { value: dir, flags } = parse(args, 'out', BACKUP_USAGE, ['include-files']);
    const settings = loadCliSettings(env);
    const objectStore = await objectStoreOf(settings);
    if (flags['include-files'] && !objectStore)
      throw new AppError(
        'usage',
        `--include-files 只用于存储桶（BLOB_STORE=s3）：本地文件总是备份\n${BACKUP_USAGE}`,
      );
    const now = new Date();
    // Recorded in DATA_DIR for the bot's 「备份没有按时完成」 alert, the doctor and /readyz; a record that
    // cannot be written is said, and changes nothing of the backup or its exit code.
    const record = async (outcome: BackupOutcome, more: { missing?: number; error?: string } = {}) =>
      recordBackupRun(settings.dataDir, { at: now, outcome, folder: resolve(dir), ...more }).catch(
        (e: unknown) =>
          err(
            `注意：备份结果没能记进 ${join(settings.dataDir, BACKUP_STATUS_FILE)}（${errorMessage(e)}）：机器人的备份告警看不到这次备份`,
          ),
      );
    let info: BackupInfo;
    try {
      info = await backupData({
        dataDir: settings.dataDir,
        databaseUrl: settings.databaseUrl,
        out: dir,
        now,
        objectStore,
        includeFiles: flags['include-files'] === true,
        settings: { ...settingsPlaces(settings), envFiles: settings.envFiles },
      });
    } catch (e) {
      await record('failed', { error: errorMessage(e).split('\n')[0]!.slice(0, 300) });
      throw e;
    }
    await record(info.damaged?.length ? 'incomplete' : 'complete', { missing: info.damaged?.length });
    const files =
      info.store && !info.store.filesIncluded
        ? `${info.files} 个，留在存储桶 ${info.store.name}（未复制，清单 blobs-sha256.txt；要复制请加 --include-files）`
        : `${info.files} 个，${(info.bytes / 1024 / 1024).toFixed(1)} MB`;
    const missing = info.damaged?.length ?? 0;
    out(
      `备份完成${missing > 0 ? `（缺少 ${missing} 个已损坏或不见了的文件）` : ''}：${dir}\n  数据库：${info.database === 'pglite' ? '内置（PGlite）' : 'PostgreSQL'}，已应用 ${info.migrations.count} 个迁移\n  文件：${files}${archiveLine(info.archive, false)}\n  校验：sha256sum -c manifest-sha256.txt（在备份目录里执行）` +
        `\n  设置：${info.settings?.length ? `${info.settings.map((s) => s.path.slice('settings/'.length)).join('、')}（settings/）` : '没有找到设置文件'}` +
        `\n  注意：${info.notInBackup}`,
    );
    if (missing === 0) return 0;
    err(damagedWarning(info.damaged!, false));
    return EXIT_FILES_MISSING;
  },
};

/**
 * After a restore: the 四性 check, in both forms. Run on a server without the service's settings (its
 * user, its environment file) verify reads another DATA_DIR (cli/no-database.ts refuses then).
 */
const RESTORE_NEXT =
  '下一步：做四性检测（服务器上：sudo -u archive-bot node --env-file=/etc/archive-bot/archive-bot.env dist/cli/verify.js；' +
  '电脑上：npm run verify），然后启动机器人';

/** `npm run cli -- restore --from DIR` */
export const restoreCommand: StandaloneCliCommand = {
  usage: RESTORE_USAGE,
  summary: '把备份恢复到空的数据目录：--from 目录',
  standalone: async (args, { env, out, err }) => {
    const { value: dir } = parse(args, 'from', RESTORE_USAGE);
    const settings = loadCliSettings(env);
    const { dataDir, databaseUrl } = settings;
    const objectStore = await objectStoreOf(settings);
    const { info, settings: put } = await restoreData({
      from: dir,
      dataDir,
      databaseUrl,
      objectStore,
      report: out,
      settings: settingsPlaces(settings),
    });
    const missing = info.damaged?.length ?? 0;
    const files =
      (objectStore
        ? `${info.files} 个，都在存储桶 ${objectStore.name}`
        : `${info.files} 个，${missing > 0 ? '都已核对' : '全部核对无误'}`) +
      (missing > 0 ? `；另有 ${missing} 个备份时已缺少，没有恢复（见下）` : '');
    for (const line of put.todo) err(`注意：${line}`);
    if (missing > 0) err(damagedWarning(info.damaged!, true));
    // The summary comes last, and repeats what is still to do: a notice on standard error above a
    // 「恢复完成」 is easily missed, and the bot then runs on the new machine's settings.
    const left =
      put.todo.length > 0
        ? `  还没有放回的设置（${put.todo.length} 项，启动机器人前先照做）：\n` +
          put.todo.map((line) => `    - ${line}\n`).join('')
        : '';
    out(
      `恢复完成${put.todo.length > 0 ? '（设置没有全部放回）' : ''}：${dataDir}（备份时间 ${localDateTime(new Date(info.createdAt), settings.timeZone)}，版本 ${info.version}）\n  文件：${files}` +
        `${archiveLine(info.archive, true)}\n` +
        put.done.map((line) => `  ${line}\n`).join('') +
        left +
        `  ${RESTORE_NEXT}` +
        (missing > 0 || put.todo.length > 0
          ? `（退出码 ${missing > 0 ? EXIT_FILES_MISSING : EXIT_SETTINGS_LEFT}：${missing > 0 ? '有文件没能恢复' : '有设置没有放回'}）`
          : ''),
    );
    if (missing > 0) return EXIT_FILES_MISSING;
    return put.todo.length > 0 ? EXIT_SETTINGS_LEFT : 0;
  },
};
