import { parseArgs } from 'node:util';
import { parseInstant } from '../domain/working-days.js';
import { errorMessage } from '../errors.js';
import type { ScheduleSettings } from '../scheduler/schedule-settings.js';
import { loadCliSettings, type CliSettings } from '../settings.js';
import type { CliIo } from './run-cli.js';

export interface ScheduleCliArgs {
  dryRun: boolean;
  /** The command's one filter option (--unit or --leader). */
  filter?: string;
  at: Date;
  /** The validated environment (database, data folder). */
  cli: CliSettings;
  settings: ScheduleSettings;
}

/**
 * The common command line of `npm run remind` and `npm run digest`: --dry-run, one filter option,
 * --at (dry runs only: a real send always goes "now", so it cannot take another day's slots),
 * --help. Returns the exit code when the command should stop here (0 help, 2 usage).
 */
export function parseScheduleCli(
  argv: readonly string[],
  io: Pick<CliIo, 'env' | 'out' | 'err'>,
  usage: string,
  filter: 'unit' | 'leader',
): ScheduleCliArgs | number {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        'dry-run': { type: 'boolean', default: false },
        [filter]: { type: 'string' },
        at: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values as { 'dry-run': boolean; at?: string; help: boolean } & Record<string, string | undefined>;
  } catch (err) {
    io.err(`${errorMessage(err)}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    io.out(usage);
    return 0;
  }
  const cli = loadCliSettings(io.env);
  const settings = cli.schedules.settings();
  if (args.at && !args['dry-run']) {
    io.err(`--at 只能和 --dry-run 一起用（演练）；发送总是按现在的时间。\n\n${usage}`);
    return 2;
  }
  const at = args.at ? parseInstant(args.at, settings.timeZone) : new Date();
  if (!at) {
    io.err(`--at ${args.at}: 不是有效的时间\n\n${usage}`);
    return 2;
  }
  return { dryRun: args['dry-run'], filter: args[filter], at, cli, settings };
}
