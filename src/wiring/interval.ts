import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';

/**
 * Runs `fn` every `ms` of the clock's time (never overlapping itself); returns the stopper.
 * Failures are logged and the timer keeps going. Timers only trigger: what they do is claimed in
 * the database.
 */
export function every(
  clock: Clock,
  ms: number,
  name: string,
  logger: Logger,
  fn: () => Promise<unknown>,
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const cancel = clock.every(ms, () => {
    running ??= fn()
      .catch((err) => logger.error({ task: name, err }, 'periodic task failed'))
      .finally(() => (running = undefined));
    return running;
  });
  return async () => {
    cancel();
    await running;
  };
}
