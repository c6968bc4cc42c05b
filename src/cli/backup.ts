import { parseArgs } from 'node:util';
import { AppError, errorMessage } from '../errors.js';
import { backupData } from '../ops/backup.js';
import { restoreData } from '../ops/restore.js';
import { loadCliSettings } from '../settings.js';
import type { StandaloneCliCommand } from './commands.js';

const BACKUP_USAGE = `用法: npm run cli -- backup --out DIR
  备份数据库和已存文件到一个新的空目录 DIR，附 SHA-256 清单（manifest-sha256.txt）。
  内置数据库（PGlite）：请先停止机器人。PostgreSQL：用 pg_dump，机器人可以继续运行。`;
const RESTORE_USAGE = `用法: npm run cli -- restore --from DIR
  把备份恢复到空的数据目录（DATA_DIR；PostgreSQL 时还要 DATABASE_URL 指向一个空数据库）。
  先逐个核对 SHA-256，损坏的备份、更新版本的备份、非空的目标都会被拒绝。`;

function option(args: string[], name: string, usage: string): string {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { [name]: { type: 'string' } } }));
  } catch (err) {
    throw new AppError('usage', `${errorMessage(err)}\n${usage}`);
  }
  const value = values[name];
  if (typeof value !== 'string' || !value) throw new AppError('usage', usage);
  return value;
}

/** `npm run cli -- backup --out DIR` */
export const backupCommand: StandaloneCliCommand = {
  summary: 'back up the database and stored files (--out DIR)',
  standalone: async (args, { env, out }) => {
    const dir = option(args, 'out', BACKUP_USAGE);
    const { dataDir, databaseUrl } = loadCliSettings(env);
    const info = await backupData({
      dataDir,
      databaseUrl,
      out: dir,
      now: new Date(),
    });
    out(
      `备份完成：${dir}\n  数据库：${info.database === 'pglite' ? '内置（PGlite）' : 'PostgreSQL'}，已应用 ${info.migrations.count} 个迁移\n  文件：${info.files} 个，${(info.bytes / 1024 / 1024).toFixed(1)} MB\n  校验：sha256sum -c manifest-sha256.txt（在备份目录里执行）`,
    );
  },
};

/** `npm run cli -- restore --from DIR` */
export const restoreCommand: StandaloneCliCommand = {
  summary: 'restore a backup into an empty data folder (--from DIR)',
  standalone: async (args, { env, out }) => {
    const dir = option(args, 'from', RESTORE_USAGE);
    const { dataDir, databaseUrl } = loadCliSettings(env);
    const info = await restoreData({ from: dir, dataDir, databaseUrl });
    out(
      `恢复完成：${dataDir}（备份时间 ${info.createdAt}，版本 ${info.version}）\n  文件：${info.files} 个，全部核对无误\n  下一步：npm run verify 做四性检测，然后启动机器人`,
    );
  },
};
