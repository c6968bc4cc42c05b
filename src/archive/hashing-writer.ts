import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';

/**
 * A new file written piece by piece with back-pressure, hashing (SHA-256) what it writes, so
 * generated payload files need no second read for the bag manifest.
 */
export class HashingWriter {
  private readonly out: WriteStream;
  private readonly hash = createHash('sha256');
  private size = 0;
  private failed: Error | undefined;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o644 });
    this.out.on('error', (err) => (this.failed = err));
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (this.failed) throw this.failed;
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.hash.update(buf);
    this.size += buf.length;
    if (!this.out.write(buf)) await once(this.out, 'drain');
  }

  async close(): Promise<{ sha256: string; size: number }> {
    if (this.failed) throw this.failed;
    this.out.end();
    await once(this.out, 'finish');
    return { sha256: this.hash.digest('hex'), size: this.size };
  }
}

/** Writes a whole small (new) file and returns its hash and size. */
export async function writeHashed(
  path: string,
  data: string | Uint8Array,
): Promise<{ sha256: string; size: number }> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  await writeFile(path, buf, { flag: 'wx', mode: 0o644 });
  return { sha256: createHash('sha256').update(buf).digest('hex'), size: buf.length };
}
