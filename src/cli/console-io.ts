import { readEnv } from '../env.js';
import type { CliIo } from './run-cli.js';

/** What a command-line script runs on: the environment (.env below it) and the terminal's stdout and stderr. */
export function consoleIo(): CliIo {
  return {
    env: readEnv(),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  };
}
