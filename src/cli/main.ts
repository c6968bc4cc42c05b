import { readEnv } from '../env.js';
import { runCli } from './run-cli.js';

/** `npm run cli -- <group> <command> [args]`: see run-cli.ts and COMMANDS. */
const code = await runCli(process.argv.slice(2), {
  env: readEnv(),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
process.exit(code);
