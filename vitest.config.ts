import { defineConfig } from 'vitest/config';

/**
 * Two projects. Units need no database: no global set-up, and one worker process runs many files.
 * Integration files share one migrated PGlite per worker process (test/support/test-db.ts resets it
 * to the migrated state for each file), so a file pays neither a process start nor a database boot.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Set here, not per project: the pool is shared. Worker processes are reused between files
    // (recycled between the two projects).
    isolate: false,
    // Two cores → two files at a time.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
