import { bundledMigrations } from '../db/migration-state.js';
import type { Metrics } from '../metrics.js';
import { APP_VERSION } from '../version.js';

/**
 * The gauge saying which program a process runs, Prometheus style: always 1, its labels the version
 * (package.json) and how many migrations the program ships (its drizzle/ journal; the bot applies them
 * all at start). The doctor compares them with the installed program's: an upgrade without a restart
 * leaves the old bot running.
 */
export const BUILD_INFO = 'archive_bot_build_info';

export function registerBuildInfo(metrics: Metrics): void {
  metrics.set(
    BUILD_INFO,
    1,
    { version: APP_VERSION, migrations: bundledMigrations().length },
    'The running program: its version and the number of migrations it ships (always 1)',
  );
}
