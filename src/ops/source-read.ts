import { ResourceUnavailableError } from '../errors.js';

/** An error reading the source of a copy (not writing its target): the file is named, not fatal. */
export class SourceReadError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'SourceReadError';
  }
}

/**
 * The chunks of `source`, its errors tagged as SourceReadError, for pipeline(readSide(() => open source), target):
 * a failing target rejects with its own error; a failing source with a SourceReadError. A store that is
 * down (ResourceUnavailableError: unreachable, refusing our credentials) is not one damaged file: that
 * error stays as it is and fails the backup, rather than listing every object as damaged.
 */
export async function* readSide(open: () => AsyncIterable<unknown>): AsyncGenerator<unknown> {
  try {
    for await (const chunk of open()) yield chunk;
  } catch (err) {
    if (err instanceof ResourceUnavailableError) throw err;
    throw new SourceReadError(err);
  }
}
