import { parse as parseDotenv } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DOT_ENV, ENV_FILES, type Env } from './config.js';

/**
 * The file a service manager read the variables from, named by the service itself: systemd's
 * EnvironmentFile= hands the process the variables, never the file's name, so the shipped unit
 * (deploy/archive-bot.service) sets this beside it. Without it a bad value under systemd was said to
 * come from 「环境变量」 and the IT person did not know which file to edit.
 */
export const ENV_FILE_VARIABLE = 'ARCHIVE_BOT_ENV_FILE';

/**
 * `.env` fills in what the real environment does not set (the environment wins), unless the service's
 * settings were read (`node --env-file=…`, or ARCHIVE_BOT_ENV_FILE in the environment, as the shipped
 * unit sets it): then a `.env` left in the program's folder is not read, so it cannot mix a developer's
 * values into the service's. The result carries the full paths of the files read (ENV_FILES:
 * `node --env-file=…`'s, which Node put in the environment, the service's file that ARCHIVE_BOT_ENV_FILE
 * names, or `.env`'s), for a configuration error to name where to fix it.
 */
export function readEnv(
  path = '.env',
  env: Env = process.env,
  execArgv: readonly string[] = process.execArgv,
): Env {
  const service = env[ENV_FILE_VARIABLE]?.trim();
  const settingsFiles = [...envFileArgs(execArgv), ...(service ? [resolve(service)] : [])];
  const readDotEnv = settingsFiles.length === 0 && existsSync(path);
  const fromFile = readDotEnv ? parseDotenv(readFileSync(path)) : {};
  const merged: Env = { ...fromFile, ...env };
  const files = [...settingsFiles, ...(readDotEnv ? [resolve(path)] : [])];
  const dotEnv = readDotEnv
    ? { file: resolve(path), keys: Object.keys(fromFile).filter((k) => env[k] === undefined) }
    : undefined;
  return Object.assign(merged, { [ENV_FILES]: [...new Set(files)], [DOT_ENV]: dotEnv });
}

/** The files of `--env-file=PATH` / `--env-file PATH` (and -if-exists, when there) on node's command line. */
function envFileArgs(execArgv: readonly string[]): string[] {
  const files: string[] = [];
  execArgv.forEach((arg, i) => {
    const m = /^--env-file(?:-if-exists)?(?:=(.*))?$/.exec(arg);
    if (!m) return;
    const file = m[1] ?? execArgv[i + 1];
    if (file && (!arg.includes('-if-exists') || existsSync(file))) files.push(resolve(file));
  });
  return files;
}
