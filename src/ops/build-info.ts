import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledMigrations } from '../db/migration-state.js';
import type { Metrics } from '../metrics.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { APP_VERSION } from '../version.js';

/**
 * The gauge saying which program a process runs, Prometheus style: always 1, its labels the version
 * (package.json), how many migrations the program ships (its drizzle/ journal; the bot applies them
 * all at start) and when its dist/ was compiled. The doctor compares them with the installed program's:
 * an upgrade without a restart leaves the old bot running.
 */
export const BUILD_INFO = 'archive_bot_build_info';

/**
 * When `root`'s dist/ was compiled (dist/.build-stamp, scripts/build.mjs); undefined when not compiled
 * (a run from src/). package.json's version stays the same between releases pulled with git: the
 * compile time tells an old running bot from the program installed since.
 */
export function builtAt(root = PACKAGE_ROOT): string | undefined {
  try {
    const stamp = JSON.parse(readFileSync(join(root, 'dist', '.build-stamp'), 'utf8')) as {
      builtAt?: unknown;
    };
    return typeof stamp.builtAt === 'string' ? stamp.builtAt : undefined;
  } catch {
    return undefined;
  }
}

export function registerBuildInfo(metrics: Metrics): void {
  metrics.set(
    BUILD_INFO,
    1,
    { version: APP_VERSION, migrations: bundledMigrations().length, built: builtAt() ?? '' },
    'The running program: its version and the number of migrations it ships (always 1)',
  );
}
