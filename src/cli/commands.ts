import type { Env } from '../config.js';
import type { Db } from '../db/client.js';

export interface CliContext {
  db: Db;
  env: Env;
  out: (line: string) => void;
  /** stderr: what a person must see though stdout goes to a file (`chats list --csv > 群.csv`). */
  err?: (line: string) => void;
}

export interface CliCommand {
  summary: string;
  /** Printed for `--help` (exit 0) or no subcommand (exit 2), before the database is opened. */
  usage: string;
  /**
   * The words `run` accepts first (`units list`, `jobs retry` …): any other is refused with the usage
   * (exit 2) before the database is opened, so a typo neither waits for the data folder nor migrates it.
   */
  subcommands: readonly string[];
  /**
   * Whether the words carry what the subcommand needs (`units set` needs a unit code): a line without
   * it gets the usage (exit 2) before the database is opened, as a mistyped subcommand does. It may
   * instead throw what is wrong (AppError 'usage': 「缺少选项：--deadline」, exit 2; a DomainError such as a
   * date that is no day, exit 1), said likewise before the database is opened: an option left out or
   * mistyped must not open, wait for or migrate the database.
   */
  wellFormed?: (args: readonly string[], env: Env) => boolean;
  /**
   * Whether the line only reads (`jobs dead`, `units list`): on an embedded database that does not
   * exist it is refused, creating nothing, instead of answering «0» from a new empty one (root running
   * `npm run cli -- jobs dead` on a server, where DATA_DIR is only in the service's settings).
   */
  readsOnly?: (args: readonly string[]) => boolean;
  /**
   * Resolves to the exit code when the command ran but its answer is «not all well» (`units check`
   * while the setup still lacks something: 1), so a script or `&& echo ok` is not told all is well.
   */
  run: (args: string[], ctx: CliContext) => Promise<void | number>;
}

/**
 * A command that must not open (and migrate) the database first: backup and restore handle the
 * data folder themselves, doctor reports on a database it may not be able to open.
 */
export interface StandaloneCliCommand {
  summary: string;
  /** Printed for `--help` (exit 0). */
  usage: string;
  /** Resolves to the exit code when it is not 0 without being a failure (backup: files left out). */
  standalone: (
    args: string[],
    ctx: Omit<CliContext, 'db' | 'err'> & { err: (line: string) => void },
  ) => Promise<void | number>;
}

/**
 * Every `npm run cli` command group, in one list. Each is loaded only when run (a command imports
 * only what it needs: `units list` starts without the archive writers or the Lark SDK).
 */
export const COMMANDS: Record<string, () => Promise<CliCommand | StandaloneCliCommand>> = {
  units: async () => (await import('./units.js')).unitsCommand,
  campaigns: async () => (await import('./campaigns.js')).campaignsCommand,
  chats: async () => (await import('./chats.js')).chatsCommand,
  events: async () => (await import('./events.js')).eventsCommand,
  jobs: async () => (await import('./jobs.js')).jobsCommand,
  archive: async () => (await import('./archive.js')).archiveCommand,
  backup: async () => (await import('./backup.js')).backupCommand,
  restore: async () => (await import('./backup.js')).restoreCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  storage: async () => (await import('./storage.js')).storageCommand,
  db: async () => (await import('./db.js')).dbCommand,
};
