/** An error reading the source of a copy (not writing its target): the file is named, not fatal. */
export class SourceReadError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'SourceReadError';
  }
}

/**
 * The chunks of `source`, its errors tagged as SourceReadError, for pipeline(readSide(() => open source), target):
 * a failing target rejects with its own error; a failing source with a SourceReadError.
 */
export async function* readSide(open: () => AsyncIterable<unknown>): AsyncGenerator<unknown> {
  try {
    for await (const chunk of open()) yield chunk;
  } catch (err) {
    throw new SourceReadError(err);
  }
}
