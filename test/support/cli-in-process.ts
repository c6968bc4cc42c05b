import { localDay } from '../../src/domain/working-days.js';
import { runCli, type CliIo } from '../../src/cli/run-cli.js';
import type { Database } from '../../src/db/client.js';
import type { ProcessResult } from './bot-process.js';

/** A command-line entry point as a function: argv without node and the script, its output as lines. */
type Entry = (argv: readonly string[], io: CliIo) => Promise<number>;

async function inProcess(
  entry: Entry,
  args: string[],
  env: Record<string, string>,
  database?: Database,
): Promise<ProcessResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await entry(args, {
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    ...(database ? { database } : {}),
  });
  const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
  return { code, stdout: text(out), stderr: text(err) };
}

/**
 * `npm run cli -- …` run in this process through the same `runCli` that dist/cli/main.js runs (its
 * exit code, standard output and error as lines), on `database` when given (it stays open), else on
 * the database `env` names. For tests about what a command does, not about the process: several
 * commands then cost no process start and no second database boot. runCli (bot-process.ts) is the
 * compiled CLI as a real process.
 */
export function cliInProcess(
  args: string[],
  env: Record<string, string>,
  database?: Database,
): Promise<ProcessResult> {
  return inProcess(runCli, args, env, database);
}

type InProcess = (args: string[], env: Record<string, string>, database?: Database) => Promise<ProcessResult>;

/** An entry point imported on first use: files that only run `npm run cli` do not load the others. */
const onFirstUse =
  (load: () => Promise<Entry>): InProcess =>
  async (args, env, database) =>
    inProcess(await load(), args, env, database);

/** `npm run verify -- …` in this process through the same `runVerify` that dist/cli/verify.js runs (as cliInProcess). */
export const verifyInProcess = onFirstUse(
  async () => (await import('../../src/cli/run-verify.js')).runVerify,
);

/** `npm run export -- …` in this process through the same `runExport` that dist/cli/export.js runs. */
export const exportInProcess = onFirstUse(
  async () => (await import('../../src/cli/run-export.js')).runExport,
);

/** `npm run remind -- …` in this process through the same `runRemind` that dist/cli/remind.js runs. */
export const remindInProcess = onFirstUse(
  async () => (await import('../../src/cli/run-remind.js')).runRemind,
);

/** `npm run digest -- …` in this process through the same `runDigest` that dist/cli/digest.js runs. */
export const digestInProcess = onFirstUse(
  async () => (await import('../../src/cli/run-digest.js')).runDigest,
);

/**
 * `archive transfers --handed N --date <today in Asia/Shanghai> --receiver 县档案馆 王五`: the package
 * recorded as handed over today (tests whose 导出 stands for a package that went to the county archive).
 */
export function handOverArgs(
  packageId: number | string,
  day = localDay(new Date(), 'Asia/Shanghai'),
): string[] {
  return ['transfers', '--handed', String(packageId), '--date', day, '--receiver', '县档案馆 王五'];
}
