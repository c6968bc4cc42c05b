/**
 * `npm run db:migrate` — applies drizzle/ migrations (run-migrate.ts). Exit codes: 0 migrated, 1
 * failed or refused, 2 usage.
 */
import { consoleIo } from './console-io.js';
import { runMigrate } from './run-migrate.js';

process.exit(await runMigrate(process.argv.slice(2), consoleIo()));
