import { startBot } from './bot.js';
import { ConfigError } from './config.js';
import { databaseConnectFailure } from './db/connect-failure.js';
import { readEnv } from './env.js';
import { checkDataDirWritable, checkNoUnfinishedRestore } from './data-dir-check.js';
import { diskFullText } from './disk-full.js';
import { AppError, errorMessage } from './errors.js';
import { loadSettings, type Settings } from './settings.js';

/** Start-up failures a restart cannot fix (exit 2, like a configuration error). */
const EXIT_2_CODES = new Set([
  'database_newer_schema',
  'data_dir_other_owner',
  'data_dir_foreign_files',
  'pglite_left_behind',
  'pglite_moved',
  // An archive's originals beside a new or empty database (a restore not run, DATABASE_URL missing).
  'files_without_database',
  // Lark answered and refused LARK_APP_ID / LARK_APP_SECRET (10014 and the like, never a network error or a
  // 5xx): the same secret is refused every 10 s until someone edits the settings file.
  'lark_credentials_refused',
]);

/** The composition root: environment, signals, exit codes. Everything else is in startBot(). */
async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings(readEnv());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(
        `${err.message}\n每个变量的说明见 config/.env.example 和 README.md 的 Configuration 一节。`,
      );
      process.exit(2);
    }
    if (err instanceof AppError) {
      // schedules.yaml / archive.yaml: the message names the file and the field.
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  try {
    checkDataDirWritable(settings.config.dataDir);
    checkNoUnfinishedRestore(settings.config.dataDir);
  } catch (err) {
    // A read-only or foreign data folder, or a restore that did not finish: one line, and the same
    // exit code as a configuration error.
    console.error(errorMessage(err));
    process.exit(2);
  }
  const bot = await startBot(settings.config, { settings: settings.files }).catch((err) => {
    // PostgreSQL refused or not there: the address (password masked), why, what to check; a wrong
    // password or a database that does not exist is exit 2 (a restart cannot fix it), a server not
    // answering yet exit 1 (systemd retries: it may be starting).
    const unreachable = databaseConnectFailure(err, settings.config.databaseUrl, settings.config.envFiles);
    if (unreachable) {
      console.error(`无法启动：${unreachable.text}`);
      process.exit(unreachable.permanent ? 2 : 1);
    }
    // A full disk: the folder and what to free; exit 1, so systemd starts it again once there is room.
    console.error(`无法启动：${diskFullText(err, settings.config.dataDir) ?? errorMessage(err)}`);
    // A database a newer program migrated stays so, and so do a data folder holding another user's
    // files and credentials Lark refuses: restarting cannot help (systemd: RestartPreventExitStatus=2).
    process.exit(err instanceof AppError && EXIT_2_CODES.has(err.code) ? 2 : 1);
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    bot.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      bot.logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    bot
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        bot.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
