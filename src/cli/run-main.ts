import { ConfigError } from '../config.js';
import { AppError, errorMessage } from '../errors.js';

/**
 * Runs a command-line entry point and exits with its code. A thrown AppError prints its message
 * (exit 2 for usage errors, else 1); anything else prints `Failed: …` and exits 1.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(
        err instanceof AppError || err instanceof ConfigError ? err.message : `Failed: ${errorMessage(err)}`,
      );
      process.exit(err instanceof AppError && err.code === 'usage' ? 2 : 1);
    },
  );
}
