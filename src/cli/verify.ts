/**
 * `npm run verify -- [--unit CODE] [--year YYYY] [--out DIR]` — the DA/T 70 four-properties check
 * (run-verify.ts), with progress on a terminal (stderr). Exit codes: 0 passed, 1 failures found (or
 * an error), 2 usage.
 */
import { terminalProgress } from '../archive/progress.js';
import { consoleIo } from './console-io.js';
import { runVerify } from './run-verify.js';

const code = await runVerify(process.argv.slice(2), { ...consoleIo(), progress: terminalProgress() });
process.exit(code);
