import { AppError } from './errors.js';

/** A promise did not settle within its time limit (its work may still finish later). */
export class TimeLimitExceeded extends AppError {
  constructor(what: string, ms: number) {
    super('time_limit_exceeded', `${what} took longer than ${ms} ms`);
  }
}

/** Resolves like `p`, or rejects with TimeLimitExceeded after `ms` (the timer never holds the process). */
export function timeLimited<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeLimitExceeded(what, ms)), ms);
    timer.unref();
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
