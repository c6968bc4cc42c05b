/** `npm run digest`: the leaders' weekly digests, printed or sent now (run-digest.ts). Exit codes 0 / 1 / 2 usage. */
import { readEnv } from '../env.js';
import { runDigest } from './run-digest.js';

const code = await runDigest(process.argv.slice(2), {
  env: readEnv(),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
process.exit(code);
