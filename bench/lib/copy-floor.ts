import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { CopyPool } from '../../src/archive/copy-pool.js';

const run = promisify(execFile);

export interface FloorTimes {
  /** Every file read, hashed and written by the export's own copy threads, nothing else. */
  copyHash: { cache: number; durable: number };
  /** The same threads reading and hashing every file, writing nothing. */
  hashOnly: number;
}

/**
 * The export's floor on this machine: the part of its work no design can drop (every byte read,
 * hashed and written to a new file), done by the export's own copy threads with nothing else (no
 * database, no item XML, no catalogue, no 四性 report). When this alone is slower than 80 % of
 * `cp -r`, the target is out of reach for any export that keeps its fixity.
 */
export async function measureFloor(from: string, to: string, inFlight = 32): Promise<FloorTimes> {
  const files = (await readdir(from, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
  const pool = new CopyPool();
  try {
    const t0 = process.hrtime.bigint();
    for (const d of new Set(files.map((f) => join(to, relative(from, f), '..'))))
      await mkdir(d, { recursive: true });
    await eachFile(files, inFlight, (f) => pool.copy(f, join(to, relative(from, f))));
    const cache = secsSince(t0);
    const t1 = process.hrtime.bigint();
    await run('sync', []);
    const durable = cache + secsSince(t1);
    const t2 = process.hrtime.bigint();
    await eachFile(files, inFlight, (f) => pool.copy(f));
    return { copyHash: { cache, durable }, hashOnly: secsSince(t2) };
  } finally {
    await pool.close();
  }
}

async function eachFile(files: string[], inFlight: number, job: (f: string) => Promise<unknown>) {
  let next = 0;
  const lane = async () => {
    while (next < files.length) await job(files[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

const secsSince = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
