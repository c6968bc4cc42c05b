import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { copyAndHash, HEAD, TAIL, type FileProbe } from './copy-and-hash.js';
import { writeHashed } from './hashing-writer.js';
import { PDFA_ID_SCANNER_SOURCE } from './pdfa-id-scan.js';

/** Copies and hashes files, and writes small generated ones (hashing what it writes). */
export interface FileCopier {
  copy(src: string, dest?: string): Promise<FileProbe>;
  write(path: string, data: string | Uint8Array): Promise<{ sha256: string; size: number }>;
  close(): Promise<void>;
}

/** The same on the main thread (libuv's pool does the I/O): for small jobs and as a fallback. */
export const inProcessCopier: FileCopier = {
  copy: (src, dest) => copyAndHash(src, dest),
  write: (path, data) => writeHashed(path, data),
  close: async () => {},
};

/**
 * The worker's code (CommonJS, Node built-ins only), inlined so it runs the same under tsx, vitest
 * and compiled JS. Each job: read a file once with plain blocking calls, SHA-256 every byte, write
 * the bytes to a new file when asked (never overwriting; removed again when the copy fails), and
 * report size, hash, first and last bytes and the PDF/A claim in them (pdfa-id-scan.ts). Blocking calls are right here: each worker is its own thread, and this is all it does.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const CHUNK = 1 << 20;
const buf = Buffer.allocUnsafe(CHUNK);
${PDFA_ID_SCANNER_SOURCE}
function copy(src, dest, head, tail) {
  const hash = createHash('sha256');
  const pdfa = pdfaIdScanner();
  const input = fs.openSync(src, 'r');
  let output;
  let size = 0;
  let first = Buffer.alloc(0);
  let last = Buffer.alloc(0);
  let done = false;
  try {
    if (dest) output = fs.openSync(dest, 'wx', 0o644);
    for (;;) {
      const n = fs.readSync(input, buf, 0, CHUNK, null);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      pdfa.update(chunk);
      if (output !== undefined) { let off = 0; while (off < n) off += fs.writeSync(output, chunk, off, n - off); }
      if (size < head) first = Buffer.concat([first, chunk.subarray(0, head - size)]);
      last = n >= tail ? Buffer.from(chunk.subarray(n - tail)) : Buffer.concat([last, chunk]).subarray(-tail);
      size += n;
    }
    done = true;
  } finally {
    fs.closeSync(input);
    if (output !== undefined) {
      try { fs.closeSync(output); } finally {
        // A failed copy leaves no partial file (only one this job created is removed).
        if (!done) try { fs.unlinkSync(dest); } catch {}
      }
    }
  }
  return { sha256: hash.digest('hex'), size, head: first, tail: last, pdfaId: pdfa.result() };
}
function write(path, data) {
  const bytes = Buffer.from(data);
  fs.writeFileSync(path, bytes, { flag: 'wx', mode: 0o644 });
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}
function run(m) {
  try {
    return { id: m.id, result: m.op === 'write' ? write(m.path, m.data) : copy(m.src, m.dest, m.head, m.tail) };
  } catch (err) {
    return { id: m.id, error: { message: err.message, code: err.code, path: err.path } };
  }
}
// Jobs arrive in batches (an array) and their answers go back as one.
parentPort.on('message', (jobs) => parentPort.postMessage(jobs.map(run)));
`;

type Pending = { resolve: (v: any) => void; reject: (e: Error) => void };
type Answer = { id: number; result?: any; error?: { message: string; code?: string; path?: string } };

/**
 * A few worker threads that copy-and-hash files in parallel (SHA-256 is the export's main cost;
 * the main thread keeps the database, the catalogues and the manifest). Jobs go to the least busy
 * worker. The jobs of one turn of the event loop go to a worker as one message and come back as one
 * (each message costs both threads a wake-up and a serialisation: two per file were a tenth of the
 * main thread's time). `close()` ends the threads.
 */
export class CopyPool implements FileCopier {
  private readonly workers: { w: Worker; busy: number; outbox: Record<string, unknown>[] }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private flushing = false;

  // One thread per core: hashing is CPU-bound, and each thread costs memory (peak RSS is a target).
  constructor(size = Math.max(2, Math.min(8, cpus().length))) {
    for (let i = 0; i < size; i++) {
      // No inherited loaders (tsx, vitest): the worker is plain CommonJS and starts faster without them.
      const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      const slot = { w, busy: 0, outbox: [] as Record<string, unknown>[] };
      w.on('message', (answers: Answer[]) => {
        for (const m of answers) {
          slot.busy--;
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (!p) continue;
          if (m.error)
            p.reject(Object.assign(new Error(m.error.message), { code: m.error.code, path: m.error.path }));
          else p.resolve(m.result);
        }
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(slot);
    }
  }

  /** Hashes `src` and (when given) copies it to the new file `dest`. */
  async copy(src: string, dest?: string): Promise<FileProbe> {
    const r = await this.send({ op: 'copy', src, dest, head: HEAD, tail: TAIL });
    // The bytes arrive as Uint8Arrays of their own: Buffers over the same memory, not copies.
    return {
      sha256: r.sha256,
      size: r.size,
      head: Buffer.from(r.head.buffer, r.head.byteOffset, r.head.byteLength),
      tail: Buffer.from(r.tail.buffer, r.tail.byteOffset, r.tail.byteLength),
      pdfaId: r.pdfaId,
    };
  }

  /** Writes a new small file and returns its hash and size. */
  write(path: string, data: string | Uint8Array): Promise<{ sha256: string; size: number }> {
    return this.send({ op: 'write', path, data });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((s) => s.w.terminate()));
  }

  private send(message: Record<string, unknown>): Promise<any> {
    const id = this.nextId++;
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.outbox.push({ ...message, id });
      if (this.flushing) return;
      this.flushing = true;
      // After this turn's callbacks and promise continuations, which queue their jobs too.
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.flushing = false;
    for (const slot of this.workers) {
      if (slot.outbox.length === 0) continue;
      const jobs = slot.outbox;
      slot.outbox = [];
      slot.w.postMessage(jobs);
    }
  }
}
