import { ConfigError, type Env } from '../config.js';
import type { Database } from '../db/client.js';
import { dataDirAccessText } from '../data-dir-check.js';
import { diskFullText } from '../disk-full.js';
import { AppError, errorMessage } from '../errors.js';
import { loadCliSettings } from '../settings.js';
import { COMMANDS } from './commands.js';
import { noDatabaseText, saidServiceSettingsUnread } from './no-database.js';
import { CLI_DATABASE_UNREACHABLE, openCliDb } from './open-cli-db.js';
import { writeRefusedText } from './write-refused.js';
import { asCliOperator, cliOperatorOf } from '../cli-operator.js';
import { databaseConnectFailure } from '../db/connect-failure.js';

const HELP = new Set(['--help', '-h', 'help']);

export interface CliIo {
  env: Env;
  out: (line: string) => void;
  err: (line: string) => void;
  /** The database to run on, already open (tests); by default it is opened from `env` and closed after. */
  database?: Database;
  /**
   * The service's settings file whose presence says this machine runs the bot as a service
   * (no-database.ts: SERVICE_ENV_FILE, /etc/archive-bot/archive-bot.env); tests name one of their own.
   */
  serviceEnvFile?: string;
}

/**
 * `npm run cli -- <group> <command> [args]` (`argv` without node and the script): runs the command
 * and returns the exit code — 0 ok, 1 failure (`units check`: the setup still lacks something), 2 usage
 * (backup and restore: 3, done without some files). main.ts exits with it; a test may call it
 * directly to run several commands in one process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [group, ...args] = argv;
  // Own entries only: 'constructor' or 'toString' is a mistyped command too, not Object's.
  const load = group && Object.hasOwn(COMMANDS, group) ? COMMANDS[group] : undefined;
  if (!load) {
    const summaries = await Promise.all(
      Object.entries(COMMANDS).map(async ([name, l]) => `  ${name.padEnd(12)} ${(await l()).summary}`),
    );
    const list = `用法: npm run cli -- <命令> …（某个命令的说明：npm run cli -- <命令> --help）\n\n命令：\n${summaries.join('\n')}`;
    if (group && HELP.has(group)) {
      io.out(list);
      return 0;
    }
    io.err(group ? `没有这个命令：${group}\n\n${list}` : list);
    return group ? 2 : 0;
  }
  const failed = (err: unknown, quietIfEmpty: boolean) => {
    if (!(quietIfEmpty && err instanceof AppError && !err.message))
      io.err(
        err instanceof AppError || err instanceof ConfigError
          ? err.message
          : (unreachableText(err, io.env) ??
              writeRefusedText(err, { dataDir: dataDirOf(io.env) }) ??
              `出错了：${errorMessage(err)}`),
      );
    return err instanceof AppError && err.code === 'usage' ? 2 : 1;
  };
  const entry = await load();
  // Help, and a group without its subcommand or with one it does not have, before anything is opened:
  // on the embedded database the running bot holds the folder, and opening migrates (a newer program's
  // help would upgrade the database).
  if (args.includes('--help') || (args[0] !== undefined && HELP.has(args[0]))) {
    io.out(entry.usage);
    return 0;
  }
  if (!('standalone' in entry) && args.length === 0) {
    io.err(entry.usage);
    return 2;
  }
  // A mistyped subcommand, likewise before anything is opened.
  if (!('standalone' in entry) && !entry.subcommands.includes(args[0]!)) {
    io.err(`没有这个命令：${group} ${args[0]}\n\n${entry.usage}`);
    return 2;
  }
  // A subcommand without what it needs (`units set` with no unit code, `campaigns create` without
  // --deadline or with a date that is no day), likewise.
  if (!('standalone' in entry) && entry.wellFormed) {
    let ok: boolean;
    try {
      ok = entry.wellFormed(args, io.env);
    } catch (err) {
      return failed(err, false);
    }
    if (!ok) {
      io.err(entry.usage);
      return 2;
    }
  }
  // On a server, run without the service's settings (`npm run cli -- …` in /opt/archive-bot): it would
  // read and write ./data and the shipped archive.yaml, not the service's, and answer about them.
  if (saidServiceSettingsUnread(io, `dist/cli/main.js ${argv.join(' ')}`)) return 1;
  if ('standalone' in entry) {
    try {
      const code = await entry.standalone(args, { env: io.env, out: io.out, err: io.err });
      // Only a number is an exit code (a command ending in `return out(…)` returned what out returned).
      return typeof code === 'number' ? code : 0;
    } catch (err) {
      return failed(err, true);
    }
  }
  let database: Database;
  let dataDir: string | undefined;
  try {
    const settings = loadCliSettings(io.env);
    dataDir = settings.dataDir;
    const nothing =
      !io.database && entry.readsOnly?.(args)
        ? noDatabaseText(settings, `dist/cli/main.js ${argv.join(' ')}`)
        : undefined;
    if (nothing) {
      io.err(nothing);
      return 1;
    }
    database = io.database ?? (await openCliDb(settings, io.err));
  } catch (err) {
    // A bad variable is not a database problem: its own lines (every problem, with where to fix it);
    // PostgreSQL refusing or not there is its own line too (连不上数据库 …, what to check).
    const access = dataDir === undefined ? undefined : dataDirAccessText(dataDir, err);
    const full = diskFullText(err, dataDir);
    io.err(
      err instanceof ConfigError || (err instanceof AppError && err.code === CLI_DATABASE_UNREACHABLE)
        ? err.message
        : `打不开数据库：${access ?? full ?? errorMessage(err)}`,
    );
    return 1;
  }
  try {
    // Its audit rows name the operating-system user who ran it (and the sudo user), not only `cli`.
    const code = await asCliOperator(cliOperatorOf(io.env), () =>
      entry.run(args, { db: database.db, env: io.env, out: io.out, err: io.err }),
    );
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    return failed(err, false);
  } finally {
    if (!io.database) await database.close().catch(() => {});
  }
}

/** The data folder the settings name, for a message about a write refused in it (none when they are bad). */
function dataDirOf(env: CliIo['env']): string | undefined {
  try {
    return loadCliSettings(env).dataDir;
  } catch {
    return undefined;
  }
}

/**
 * A command that opens PostgreSQL itself (backup, restore, db move-to-postgres) and was refused or found
 * nothing there: the same line as every other command's (connect-failure.ts), not 「出错了：connect ECONNREFUSED …」.
 */
function unreachableText(err: unknown, env: CliIo['env']): string | undefined {
  try {
    const { databaseUrl, envFiles } = loadCliSettings(env);
    return databaseConnectFailure(err, databaseUrl, envFiles, 'command')?.text;
  } catch {
    return undefined;
  }
}
