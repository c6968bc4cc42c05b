/**
 * `npm run export -- --unit CODE --year YYYY --out DIR [--bag] [--concurrency N]` — writes the
 * transfer package (run-export.ts), with progress on a terminal (stderr). Exit codes: 0 written and
 * the 四性 check passed, 1 written as a 预检包 or an error, 2 usage.
 */
import { terminalProgress } from '../archive/progress.js';
import { consoleIo } from './console-io.js';
import { runExport } from './run-export.js';

const code = await runExport(process.argv.slice(2), { ...consoleIo(), progress: terminalProgress() });
process.exit(code);
