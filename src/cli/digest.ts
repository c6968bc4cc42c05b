/** `npm run digest`: the leaders' weekly digests, printed or sent now (run-digest.ts). Exit codes 0 / 1 / 2 usage. */
import { consoleIo } from './console-io.js';
import { runDigest } from './run-digest.js';

const code = await runDigest(process.argv.slice(2), consoleIo());
process.exit(code);
