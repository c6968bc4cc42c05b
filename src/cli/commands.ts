import type { Env } from '../config.js';
import type { Db } from '../db/client.js';
import { archiveCommand } from './archive.js';
import { campaignsCommand } from './campaigns.js';
import { chatsCommand } from './chats.js';
import { eventsCommand } from './events.js';
import { unitsCommand } from './units.js';

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
  units: unitsCommand,
  campaigns: campaignsCommand,
  chats: chatsCommand,
  events: eventsCommand,
  archive: archiveCommand,
};
