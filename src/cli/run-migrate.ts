import { errorMessage } from '../errors.js';
import { loadCliSettings } from '../settings.js';
import { saidServiceSettingsUnread } from './no-database.js';
import { openCliDb } from './open-cli-db.js';
import type { CliIo } from './run-cli.js';
import { writeRefusedText } from './write-refused.js';

const USAGE = `用法: npm run db:migrate
  对 DATABASE_URL（或 DATA_DIR 里的内置数据库）执行 drizzle/ 里的迁移；机器人启动时也会执行。
  更新版本的程序迁移过的数据库会被拒绝。`;

/**
 * `npm run db:migrate` (`argv` without node and the script): applies drizzle/ migrations to
 * DATABASE_URL (or the PGlite in DATA_DIR). Returns the exit code: 0 migrated, 1 failed or refused,
 * 2 usage. `--help` (or a mistyped argument) touches no database; on a server run without the
 * service's settings it would create or migrate the program's ./data, so it is refused as every
 * other CLI command is (no-database.ts). migrate.ts exits with it; tests call it in their process.
 */
export async function runMigrate(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length > 0) {
    const help = argv.length === 1 && ['--help', '-h', 'help'].includes(argv[0]!);
    if (help) io.out(USAGE);
    else io.err(`没有这个参数：${argv[0]}\n${USAGE}`);
    return help ? 0 : 2;
  }
  if (saidServiceSettingsUnread(io, 'dist/cli/migrate.js')) return 1;
  let dataDir: string | undefined;
  try {
    const settings = loadCliSettings(io.env);
    dataDir = settings.dataDir;
    const database = await openCliDb(settings, io.err);
    await database.close();
    io.out(`迁移完成（${database.kind === 'pglite' ? '内置数据库' : 'PostgreSQL'}）。`);
    return 0;
  } catch (err) {
    // A data folder this user may not make or write: the install -d that makes it theirs.
    io.err(`迁移失败：${writeRefusedText(err, { dataDir }) ?? errorMessage(err)}`);
    return 1;
  }
}
