import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyPool } from '../../src/archive/copy-pool.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The pool hands the jobs of one turn to a thread as one message and gets their answers back as one:
 * each caller must still get its own file's answer, and one job that fails must fail alone.
 */
describe('CopyPool: many jobs at once', () => {
  let dir: string;
  const sources: Buffer[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'copy-pool-'));
    for (let i = 0; i < 40; i++) {
      // Sizes around HEAD and TAIL and well past them.
      const bytes = randomBytes([10, 4096, 4100, 9000, 200_000][i % 5]! + i);
      sources.push(bytes);
      writeFileSync(join(dir, `src-${i}`), bytes);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers each copy and write with its own bytes; a failing job rejects alone', async () => {
    const pool = new CopyPool(2);
    try {
      const copies = sources.map((_, i) => pool.copy(join(dir, `src-${i}`), join(dir, `dst-${i}`)));
      // Settled into a value at once, so its rejection is never unhandled while the others run.
      const missing = pool.copy(join(dir, 'no-such-file'), join(dir, 'dst-missing')).then(
        () => 'copied',
        (err: NodeJS.ErrnoException) => err.code,
      );
      const texts = sources.map((_, i) => `<x>${i} 文件</x>`);
      const writes = texts.map((t, i) => pool.write(join(dir, `w-${i}.xml`), Buffer.from(t)));
      const results = await Promise.all(copies);
      results.forEach((r, i) => {
        const bytes = sources[i]!;
        expect(r.size).toBe(bytes.length);
        expect(r.sha256).toBe(sha256(bytes));
        expect(r.sha256).toBe(sha256(readFileSync(join(dir, `dst-${i}`))));
        expect(Buffer.isBuffer(r.head) && Buffer.isBuffer(r.tail)).toBe(true);
        expect(r.head.equals(bytes.subarray(0, 4100))).toBe(true);
        expect(r.tail.equals(bytes.subarray(Math.max(0, bytes.length - 4096)))).toBe(true);
      });
      expect(await missing).toBe('ENOENT');
      const written = await Promise.all(writes);
      written.forEach((w, i) => {
        const bytes = readFileSync(join(dir, `w-${i}.xml`));
        expect(bytes.toString()).toBe(texts[i]);
        expect(w).toEqual({ sha256: sha256(bytes), size: bytes.length });
      });
    } finally {
      await pool.close();
    }
  });
});
