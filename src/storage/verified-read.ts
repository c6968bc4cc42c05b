import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { BlobDamagedError, BlobNotFoundError, sha256OfBlobKey } from '../ports/blob-store.js';

/**
 * Passes the bytes through unchanged while hashing them; at the end, bytes that do not hash to the
 * blob key's SHA-256 fail the stream with a BlobDamagedError (the reader sees an error and misses the
 * last chunk, never a silently wrong file). Keys that name no hash (thumbnails) pass as they are.
 */
export function verifyBlob(storageKey: string, source: Readable): Readable {
  const expected = sha256OfBlobKey(storageKey);
  if (!expected) return source;
  const hash = createHash('sha256');
  // The last chunk is held back until the hash is checked: a reader (an HTTP response with its
  // Content-Length) never receives every byte of a damaged file, so it cannot take it for whole.
  let held: Buffer | undefined;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      const actual = hash.digest('hex');
      if (actual !== expected) return done(new BlobDamagedError(storageKey, actual));
      done(null, held);
    },
  });
  source.on('error', (err) => check.destroy(err));
  check.on('close', () => source.destroy());
  return source.pipe(check);
}

/** A file-system ENOENT becomes the port's BlobNotFoundError; other errors pass unchanged. */
export function missingAsNotFound(storageKey: string, err: unknown): unknown {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
    ? new BlobNotFoundError(storageKey, { cause: err })
    : err;
}
