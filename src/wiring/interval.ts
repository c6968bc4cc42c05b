import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Runs `fn` every `ms` (never overlapping itself); returns the stopper. Failures are logged and the
 * timer keeps going. Timers only trigger: what they do is claimed in the database.
 */
export function every(
  ms: number,
  name: string,
  logger: Logger,
  fn: () => Promise<unknown>,
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = fn()
      .catch((err) => logger.error({ task: name, err: errorMessage(err) }, 'periodic task failed'))
      .finally(() => (running = undefined));
  }, ms);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
