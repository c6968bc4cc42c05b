import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { BlobDamagedError, BlobNotFoundError, sha256OfBlobKey } from '../ports/blob-store.js';

/**
 * Passes the bytes through unchanged while hashing them; at the end, bytes that do not hash to the
 * blob key's SHA-256 fail the stream with a BlobDamagedError (the reader sees an error, never a
 * silently wrong file). Keys that name no hash (thumbnails) pass as they are.
 */
export function verifyBlob(storageKey: string, source: Readable): Readable {
  const expected = sha256OfBlobKey(storageKey);
  if (!expected) return source;
  const hash = createHash('sha256');
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      done(actual === expected ? null : new BlobDamagedError(storageKey, actual));
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
