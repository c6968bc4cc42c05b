import { ConfigError } from '../config.js';
import { AppError, errorMessage } from '../errors.js';

/**
 * The exit code of a command-line entry point, its failure printed through `err`: a thrown
 * AppError or ConfigError prints its message (exit 2 for usage errors, else 1); anything else
 * prints `出错了：…` and exits 1. Used by runVerify, runExport, runRemind and runDigest, which their
 * scripts exit with and tests call in their own process.
 */
export async function exitCodeOf(main: () => Promise<number>, err: (line: string) => void): Promise<number> {
  try {
    return await main();
  } catch (e) {
    err(e instanceof AppError || e instanceof ConfigError ? e.message : `出错了：${errorMessage(e)}`);
    return e instanceof AppError && e.code === 'usage' ? 2 : 1;
  }
}
