import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError, errorMessage } from '../errors.js';

/**
 * The options of a command line, parsed strictly: an unknown or malformed option is a usage error
 * (AppError 'usage': the runners print it with the usage text and exit 2).
 */
export function parseCliOptions<O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
  usage: string,
) {
  try {
    return parseArgs({ args: [...args], options }).values;
  } catch (err) {
    throw new AppError('usage', `${errorMessage(err)}\n${usage}`);
  }
}
