import { runCli } from '../../src/cli/run-cli.js';
import type { Database } from '../../src/db/client.js';
import type { ProcessResult } from './bot-process.js';

/**
 * `npm run cli -- …` run in this process through the same `runCli` that dist/cli/main.js runs (its
 * exit code, standard output and error as lines), on `database` when given (it stays open), else on
 * the database `env` names. For tests about what a command does, not about the process: several
 * commands then cost no process start and no second database boot. runCli (bot-process.ts) is the
 * compiled CLI as a real process.
 */
export async function cliInProcess(
  args: string[],
  env: Record<string, string>,
  database?: Database,
): Promise<ProcessResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    ...(database ? { database } : {}),
  });
  const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
  return { code, stdout: text(out), stderr: text(err) };
}
