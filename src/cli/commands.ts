import type { Env } from '../config.js';
import type { Db } from '../db/client.js';
import { eventsCommand } from './events.js';

export interface CliContext {
  db: Db;
  env: Env;
  out: (line: string) => void;
}

export interface CliCommand {
  summary: string;
  run: (args: string[], ctx: CliContext) => Promise<void>;
}

/** Every `npm run cli` command group, in one list. */
export const COMMANDS: Record<string, CliCommand> = {
  events: eventsCommand,
};
