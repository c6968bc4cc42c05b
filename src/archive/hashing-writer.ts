import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';

/** Text gathered before it is hashed and written (the fixity list adds one short line per file). */
const FLUSH_CHARS = 64 * 1024;

/**
 * A new file written piece by piece with back-pressure, hashing (SHA-256) what it writes, so
 * generated payload files need no second read for the bag manifest. Text pieces are gathered and
 * written 64 KiB at a time.
 */
export class HashingWriter {
  private readonly out: WriteStream;
  private readonly hash = createHash('sha256');
  private size = 0;
  private failed: Error | undefined;
  private text = '';

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o644 });
    this.out.on('error', (err) => (this.failed = err));
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (this.failed) throw this.failed;
    if (typeof data === 'string') {
      this.text += data;
      if (this.text.length >= FLUSH_CHARS) await this.flush();
      return;
    }
    await this.flush();
    await this.put(data);
  }

  async close(): Promise<{ sha256: string; size: number }> {
    await this.flush();
    if (this.failed) throw this.failed;
    this.out.end();
    await once(this.out, 'finish');
    return { sha256: this.hash.digest('hex'), size: this.size };
  }

  /** Gives up the file (an export that failed): its descriptor is closed, nothing more is written. */
  abort(): void {
    this.text = '';
    this.out.destroy();
  }

  private async flush(): Promise<void> {
    if (this.text === '') return;
    const buf = Buffer.from(this.text, 'utf8');
    this.text = '';
    await this.put(buf);
  }

  private async put(buf: Uint8Array): Promise<void> {
    this.hash.update(buf);
    this.size += buf.length;
    if (!this.out.write(buf)) await once(this.out, 'drain');
    if (this.failed) throw this.failed;
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
