import { createHash, webcrypto } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { pdfaIdScanner } from './pdfa-id-scan.js';

/** What one pass over a file learned: its SHA-256, size, first and last bytes (for format checks). */
export interface FileProbe {
  sha256: string;
  size: number;
  /** The first HEAD bytes (enough for magic-number sniffing). */
  head: Buffer;
  /** The last TAIL bytes (a PDF's trailer and usually its xref). */
  tail: Buffer;
  /**
   * The PDF/A claim of the XMP found in the bytes as they passed (`PDF/A-2b`; null: none). Absent
   * when the producer did not scan: the check then reads the file for it.
   */
  pdfaId?: string | null;
}

export const HEAD = 4100;
export const TAIL = 4096;
/** Files up to this size are read whole and hashed on the thread pool, in parallel with the write. */
const WHOLE = 8 << 20;
const CHUNK = 1 << 20;
const pool: Buffer[] = [];

/**
 * Reads `src` once, hashing every byte (SHA-256), and (when `dest` is given) writes the same bytes
 * to a new file `dest` (never overwriting). Small files are read whole and hashed off the main thread
 * (WebCrypto digest runs on libuv's pool) while they are written; large ones stream in 1 MiB chunks,
 * so memory stays bounded either way. When the copy fails, the partial `dest` is removed (only a file
 * this call created: an existing `dest` is never touched).
 */
export async function copyAndHash(src: string, dest?: string): Promise<FileProbe> {
  const input = await open(src, 'r');
  let output: FileHandle | undefined;
  let size: number;
  try {
    size = (await input.stat()).size;
    if (size <= WHOLE) {
      const buf = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const { bytesRead } = await input.read(buf, got, size - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const bytes = got === size ? buf : buf.subarray(0, got);
      if (dest) output = await open(dest, 'wx', 0o644);
      const [digest] = await Promise.all([
        webcrypto.subtle.digest('SHA-256', bytes),
        output?.writeFile(bytes),
      ]);
      await output?.close();
      output = undefined;
      const pdfa = pdfaIdScanner();
      pdfa.update(bytes);
      return {
        sha256: Buffer.from(digest).toString('hex'),
        size: bytes.length,
        head: Buffer.from(bytes.subarray(0, HEAD)),
        tail: Buffer.from(bytes.subarray(Math.max(0, bytes.length - TAIL))),
        pdfaId: pdfa.result(),
      };
    }
    if (dest) output = await open(dest, 'wx', 0o644);
    const probe = await streamCopy(input, output);
    await output?.close();
    output = undefined;
    return probe;
  } catch (err) {
    if (output) {
      await output.close().catch(() => {});
      await unlink(dest!).catch(() => {});
    }
    throw err;
  } finally {
    await input.close();
  }
}

async function streamCopy(input: FileHandle, output: FileHandle | undefined): Promise<FileProbe> {
  const buf = pool.pop() ?? Buffer.allocUnsafe(CHUNK);
  const hash = createHash('sha256');
  const pdfa = pdfaIdScanner();
  let size = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  try {
    for (;;) {
      const { bytesRead } = await input.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      hash.update(chunk);
      pdfa.update(chunk);
      if (output) {
        let off = 0;
        while (off < bytesRead) off += (await output.write(chunk, off, bytesRead - off)).bytesWritten;
      }
      if (size < HEAD) head = Buffer.concat([head, chunk.subarray(0, HEAD - size)]);
      tail =
        bytesRead >= TAIL
          ? Buffer.from(chunk.subarray(bytesRead - TAIL))
          : Buffer.concat([tail, chunk]).subarray(-TAIL);
      size += bytesRead;
    }
  } finally {
    pool.push(buf);
  }
  return { sha256: hash.digest('hex'), size, head, tail, pdfaId: pdfa.result() };
}

/**
 * The same as `copyAndHash` for bytes that arrive as a stream (a blob read from an object store):
 * every chunk hashed and, when `dest` is given, written to the new file `dest` (never overwriting);
 * memory stays at one chunk. A stream that fails removes the partial `dest`.
 */
export async function copyStreamAndHash(
  source: AsyncIterable<Uint8Array>,
  dest?: string,
): Promise<FileProbe> {
  const output = dest ? await open(dest, 'wx', 0o644) : undefined;
  const hash = createHash('sha256');
  const pdfa = pdfaIdScanner();
  let size = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  try {
    for await (const piece of source) {
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      hash.update(chunk);
      pdfa.update(chunk);
      if (output) {
        let off = 0;
        while (off < chunk.length) off += (await output.write(chunk, off, chunk.length - off)).bytesWritten;
      }
      if (size < HEAD) head = Buffer.concat([head, chunk.subarray(0, HEAD - size)]);
      tail =
        chunk.length >= TAIL
          ? Buffer.from(chunk.subarray(chunk.length - TAIL))
          : Buffer.concat([tail, chunk]).subarray(-TAIL);
      size += chunk.length;
    }
    await output?.close();
  } catch (err) {
    if (output) {
      await output.close().catch(() => {});
      await unlink(dest!).catch(() => {});
    }
    throw err;
  }
  return { sha256: hash.digest('hex'), size, head, tail, pdfaId: pdfa.result() };
}

/** Reads `length` bytes at `position` (e.g. what a PDF's startxref points at). */
export async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The bytes at `position` from the probe's tail when they are in it, else read from the file. */
export async function bytesAt(
  path: string,
  probe: FileProbe,
  position: number,
  length: number,
): Promise<Buffer> {
  const tailStart = probe.size - probe.tail.length;
  if (position >= tailStart) return probe.tail.subarray(position - tailStart, position - tailStart + length);
  if (position + length <= probe.head.length) return probe.head.subarray(position, position + length);
  return readAt(path, position, length);
}
