import { defineConfig } from 'vitest/config';

/**
 * Two projects. Units need no database: no global set-up, and they run in worker threads that are
 * reused between files. Integration files each run in a process of their own (forks), starting
 * from a migrated PGlite template cached on disk (test/support/global-setup.ts).
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores → two files at a time.
    maxWorkers: 2,
    minWorkers: 1,
    // Pool options are read once for all projects.
    poolOptions: { threads: { isolate: false }, forks: { isolate: true } },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads' },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          pool: 'forks',
        },
      },
    ],
  },
});
