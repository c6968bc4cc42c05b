import { consoleIo } from './console-io.js';
import { runCli } from './run-cli.js';

/** `npm run cli -- <group> <command> [args]`: see run-cli.ts and COMMANDS. */
const code = await runCli(process.argv.slice(2), consoleIo());
process.exit(code);
