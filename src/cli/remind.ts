/** `npm run remind`: what today's reminders are, or send them now (run-remind.ts). Exit codes 0 / 1 / 2 usage. */
import { consoleIo } from './console-io.js';
import { runRemind } from './run-remind.js';

const code = await runRemind(process.argv.slice(2), consoleIo());
process.exit(code);
