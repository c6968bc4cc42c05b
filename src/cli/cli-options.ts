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
    throw new AppError('usage', `${optionProblem(err)}\n${usage}`);
  }
}

/** node:util parseArgs's complaint, said in Chinese (the option as typed). */
export function optionProblem(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = errorMessage(err);
  const named = /'([^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `没有这个选项：${named}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `多余的参数：${named}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return message.includes('argument missing') ? `${named} 后面要写上值` : `${named} 不带值`;
  return message;
}

/**
 * The required options a command line left out, named before the usage (it printed only the usage,
 * and the IT person had to compare it with what they typed): each of `names` not given, as
 * `--name`, then `alsoMissing` (e.g. 「--units 或 --parent」, one of two).
 */
export function requireOptions<T extends object, K extends keyof T & string>(
  values: T,
  names: readonly K[],
  usage: string,
  alsoMissing: readonly string[] = [],
): asserts values is T & { [P in K]-?: NonNullable<T[P]> } {
  const missing = [...names.filter((n) => !values[n]).map((n) => `--${n}`), ...alsoMissing];
  if (missing.length > 0) throw new AppError('usage', `缺少选项：${missing.join('、')}\n${usage}`);
}
