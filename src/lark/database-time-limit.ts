import { resourceProblem } from '../errors.js';
import { TimeLimitExceeded, timeLimited } from '../time-limit.js';

/**
 * Lark waits 3 s for an answer, then retries (an event) or shows the tapper an error (a card). A
 * database that does not answer within this gets a quick "unavailable" answer instead of a hanging
 * request; if the write lands after all, the retry is a duplicate and changes nothing. Both intake
 * paths (webhook, long connection) use it.
 */
export const RECORD_TIME_LIMIT_MS = 2500;

/**
 * Runs a database step of the intake within the time limit. Unavailable (the limit passed, or the
 * database is unreachable or out of connections) → undefined; any other failure throws.
 */
export async function withDatabase<T>(p: Promise<T>): Promise<{ value: T } | undefined> {
  try {
    return { value: await timeLimited(p, RECORD_TIME_LIMIT_MS, 'recording the event') };
  } catch (err) {
    if (err instanceof TimeLimitExceeded || resourceProblem(err)) return undefined;
    throw err;
  }
}
