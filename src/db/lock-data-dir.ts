import lockfile from 'proper-lockfile';
import { AppError } from '../errors.js';

/**
 * PGlite is single-process and two processes on one folder silently lose data, so the folder is
 * locked before it is opened. The lock is refreshed while held and goes stale 10 s after a crash.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(dir, {
      stale: 10_000,
      update: 3_000,
      retries: 0,
      realpath: false,
      onCompromised: (err) => {
        // Another process took the folder over: continuing would corrupt the database.
        console.error(`FATAL: lost the lock on ${dir}: ${err.message}`);
        process.exit(70);
      },
    });
  } catch (err: any) {
    if (err?.code === 'ELOCKED') {
      throw new AppError(
        'data_dir_locked',
        `The embedded database in ${dir} is already in use by another process. Stop it first, or set DATABASE_URL to use PostgreSQL (required for several instances).`,
        { cause: err },
      );
    }
    throw err;
  }
}
