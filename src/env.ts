import { parse as parseDotenv } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENV_FILES, type Env } from './config.js';

/**
 * `.env` fills in what the real environment does not set (the environment wins). The result carries
 * the full paths of the files read (ENV_FILES: `node --env-file=…`'s, which Node put in the
 * environment, then `.env`'s), for a configuration error to name where to fix it.
 */
export function readEnv(
  path = '.env',
  env: Env = process.env,
  execArgv: readonly string[] = process.execArgv,
): Env {
  const exists = existsSync(path);
  const fromFile = exists ? parseDotenv(readFileSync(path)) : {};
  const files = [...envFileArgs(execArgv), ...(exists ? [resolve(path)] : [])];
  return Object.assign({ ...fromFile, ...env }, { [ENV_FILES]: files });
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
