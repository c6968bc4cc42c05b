import { parseCliOptions } from './cli-options.js';
import { STOP_BOT_WAYS } from '../domain/stop-bot-text.js';
import { AppError } from '../errors.js';
import { moveToPostgres } from '../ops/move-to-postgres.js';
import { loadCliSettings } from '../settings.js';
import type { StandaloneCliCommand } from './commands.js';

const USAGE = `用法: npm run cli -- db move-to-postgres [--dry-run]
  把内置数据库（DATA_DIR/pglite）整体搬到 DATABASE_URL 指向的、新建的空 PostgreSQL 数据库。
  先停止机器人（${STOP_BOT_WAYS}）。逐表复制，两边核对行数和内容后才提交；
  中途出错全部撤销，PostgreSQL 仍是空的。成功后 DATA_DIR/pglite 改名为 pglite.moved-年月日，
  DATA_DIR/files 里的文件原地不动；之后在机器人的设置里加上 DATABASE_URL 再启动。
  --dry-run 只统计各表行数，不写入。`;

/** `npm run cli -- db move-to-postgres [--dry-run]` */
export const dbCommand: StandaloneCliCommand = {
  usage: USAGE,
  summary: '把内置数据库搬到 PostgreSQL：move-to-postgres [--dry-run]',
  standalone: async (args, { env, out }) => {
    const values = parseCliOptions(args.slice(1), { 'dry-run': { type: 'boolean' } }, USAGE);
    if (args[0] !== 'move-to-postgres') throw new AppError('usage', USAGE);
    const settings = loadCliSettings(env);
    if (!settings.databaseUrl)
      throw new AppError(
        'usage',
        `请把 DATABASE_URL 设为新建的空 PostgreSQL 数据库（postgres://用户:密码@主机:5432/库名）。\n${USAGE}`,
      );
    const dryRun = values['dry-run'] === true;
    const r = await moveToPostgres({
      dataDir: settings.dataDir,
      databaseUrl: settings.databaseUrl,
      dryRun,
      now: new Date(),
    });
    const rows = r.tables.reduce((n, t) => n + t.rows, 0);
    for (const t of r.tables.filter((t) => t.rows > 0)) out(`  ${t.name}：${t.rows} 行`);
    if (!r.movedTo) {
      out(`共 ${r.tables.length} 张表，${rows} 行（--dry-run：未写入）。`);
      return;
    }
    out(`已搬到 PostgreSQL：${r.tables.length} 张表，${rows} 行，两边核对一致。`);
    out(`内置数据库已改名为 ${r.movedTo}（确认无误后可删除）；DATA_DIR 里的文件原地不动。`);
    out(
      '下一步：在机器人的设置里加上同一个 DATABASE_URL，再启动机器人（sudo systemctl start archive-bot）。',
    );
  },
};
