import { parseCliOptions } from './cli-options.js';
import { STOP_BOT_WAYS } from '../domain/stop-bot-text.js';
import { AppError } from '../errors.js';
import { migrateBlobsToS3 } from '../ops/migrate-blobs.js';
import { loadCliSettings } from '../settings.js';
import type { StandaloneCliCommand } from './commands.js';

const USAGE = `用法: npm run cli -- storage migrate --to s3 [--dry-run]
  把 DATA_DIR/files 的全部文件（原件和缩略图）复制到 S3_* 指定的对象存储，逐个按 SHA-256 读回核对。
  中断后再运行会从断点继续（DATA_DIR/files/migrate-s3.journal）。
  机器人运行时只复制、不切换；停止机器人后再运行一次：补齐期间新增的文件，核对数据库里的每个原件都已在
  对象存储里，才切换（缺少的缩略图不阻止切换：清除其记录，机器人启动后重新生成）：写入
  DATA_DIR/files/MOVED-TO-S3.json，此后 BLOB_STORE=local 的机器人拒绝启动，请改为 BLOB_STORE=s3。
  --dry-run 只统计，不复制。`;

/** `npm run cli -- storage migrate --to s3 [--dry-run]` */
export const storageCommand: StandaloneCliCommand = {
  usage: USAGE,
  summary: '把存储的文件搬到 S3 对象存储：migrate --to s3 [--dry-run]',
  standalone: async (args, { env, out }) => {
    const values = parseCliOptions(
      args.slice(1),
      { to: { type: 'string' }, 'dry-run': { type: 'boolean' } },
      USAGE,
    );
    if (args[0] !== 'migrate' || values.to !== 's3') throw new AppError('usage', USAGE);
    const settings = loadCliSettings(env);
    const store = settings.blobStore;
    if (store.kind === 's3')
      throw new AppError('usage', 'BLOB_STORE 已是 s3：文件已在对象存储里，无需迁移。');
    if (!store.migrateTo)
      throw new AppError(
        'usage',
        `请先设置 S3_BUCKET、S3_ACCESS_KEY_ID、S3_SECRET_ACCESS_KEY（及 S3_ENDPOINT 等）。\n${USAGE}`,
      );
    const dryRun = values['dry-run'] === true;
    const r = await migrateBlobsToS3({
      dataDir: settings.dataDir,
      databaseUrl: settings.databaseUrl,
      bot: settings,
      s3: store.migrateTo,
      dryRun,
      progress: out,
    });
    const mb = (r.bytes / 1024 / 1024).toFixed(1);
    out(`文件 ${r.files} 个，缩略图 ${r.thumbnails} 个，共 ${mb} MB；此前已核对 ${r.alreadyVerified} 个`);
    if (dryRun) {
      out('（--dry-run：未复制）');
      return;
    }
    out(`本次复制并核对 ${r.copied} 个`);
    if (r.thumbnailsCleared)
      out(
        `${r.thumbnailsCleared.thumbnails} 个缩略图不在对象存储里：已清除 ${r.thumbnailsCleared.materials} 个文件的缩略图记录，机器人启动后按原件重新生成。`,
      );
    if (r.failed.length > 0) {
      for (const f of r.failed.slice(0, 20)) out(`  失败 ${f.key}：${f.error}`);
      throw new AppError(
        'migrate_incomplete',
        `${r.failed.length} 个文件未能复制或核对，未切换；处理后再运行一次（从断点继续）。`,
      );
    }
    if (r.botRunning) {
      out(
        `已复制并核对全部文件，但机器人正在运行（${r.botRunning}），未切换。\n请停止机器人（${STOP_BOT_WAYS}）后再运行一次本命令：补齐新文件并切换。`,
      );
      return;
    }
    if (r.missing) {
      for (const m of r.missing.slice(0, 20))
        out(
          `  缺少 ${m.key}（数据库记录的文件；${m.local ? '本地 DATA_DIR/files 里有，尚未复制' : '本地 DATA_DIR/files 也没有'}）`,
        );
      const local = r.missing.filter((m) => m.local).length;
      const lost = r.missing.length - local;
      throw new AppError(
        'migrate_incomplete',
        `数据库记录的 ${r.missing.length} 个文件不在对象存储里，未切换；` +
          (lost === 0
            ? '它们在本地（列出之后才写入），再运行一次本命令即可复制并切换。'
            : local === 0
              ? '补回这些文件（如从备份）后再运行一次。'
              : `补回本地也没有的 ${lost} 个（如从备份）后再运行一次（本地有的 ${local} 个届时一并复制）。`),
      );
    }
    out('全部核对无误，已切换（DATA_DIR/files/MOVED-TO-S3.json）。请设置 BLOB_STORE=s3 后启动机器人。');
  },
};
