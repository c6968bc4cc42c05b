import { ConfigError } from '../config.js';
import { AppError, errorMessage } from '../errors.js';
import { writeRefusedText, type WriteContext } from './write-refused.js';

/**
 * The exit code of a command-line entry point, its failure printed through `err`: a thrown
 * AppError or ConfigError prints its message (exit 2 for usage errors, else 1); anything else
 * prints `出错了：…` and exits 1, except a write this user was refused: one line naming the folder and
 * what to do (writeRefusedText, from what `where` holds by then). Used by runVerify, runExport,
 * runRemind and runDigest, which their scripts exit with and tests call in their own process.
 */
export async function exitCodeOf(
  main: () => Promise<number>,
  err: (line: string) => void,
  where: WriteContext = {},
): Promise<number> {
  try {
    return await main();
  } catch (e) {
    err(
      e instanceof AppError || e instanceof ConfigError
        ? e.message
        : (writeRefusedText(e, where) ?? `出错了：${errorMessage(e)}`),
    );
    return e instanceof AppError && e.code === 'usage' ? 2 : 1;
  }
}
