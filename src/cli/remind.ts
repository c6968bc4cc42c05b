/** `npm run remind`: what today's reminders are, or send them now (run-remind.ts). Exit codes 0 / 1 / 2 usage. */
import { readEnv } from '../env.js';
import { runRemind } from './run-remind.js';

const code = await runRemind(process.argv.slice(2), {
  env: readEnv(),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
process.exit(code);
