import { readEnv } from '../env.js';
import { errorMessage } from '../errors.js';
import { loadCliSettings } from '../settings.js';
import { openCliDb } from './open-cli-db.js';

const USAGE = `用法: npm run db:migrate
  对 DATABASE_URL（或 DATA_DIR 里的内置数据库）执行 drizzle/ 里的迁移；机器人启动时也会执行。
  更新版本的程序迁移过的数据库会被拒绝。`;

/** `npm run db:migrate`: applies drizzle/ migrations to DATABASE_URL (or the PGlite in DATA_DIR). */
const args = process.argv.slice(2);
if (args.length > 0) {
  // `--help` (or a mistyped argument) must not touch the database.
  const help = args.length === 1 && ['--help', '-h', 'help'].includes(args[0]!);
  (help ? console.log : console.error)(help ? USAGE : `没有这个参数：${args[0]}\n${USAGE}`);
  process.exit(help ? 0 : 2);
}
try {
  const database = await openCliDb(loadCliSettings(readEnv()));
  await database.close();
  console.log(`迁移完成（${database.kind === 'pglite' ? '内置数据库' : 'PostgreSQL'}）。`);
} catch (err) {
  console.error(`迁移失败：${errorMessage(err)}`);
  process.exit(1);
}
