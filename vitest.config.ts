import { defineConfig } from 'vitest/config';

/**
 * Two projects. Units need no database: no global set-up, and they run in worker threads that are
 * reused between files. Integration files run in worker processes (forks) that are also reused
 * between files: a file pays neither a process start, nor the import of src/, nor a PGlite boot
 * (test/support/test-db.ts hands the worker's PGlite, emptied, to the next file). The migrated
 * template is cached on disk (test/support/global-setup.ts). vitest still hands out one file at a
 * time, so a worker that dies fails only the file it was running.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores → two files at a time.
    maxWorkers: 2,
    minWorkers: 1,
    // Pool options are read once for all projects.
    poolOptions: { threads: { isolate: false }, forks: { isolate: false } },
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
