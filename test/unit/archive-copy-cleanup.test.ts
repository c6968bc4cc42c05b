import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../support/bot-process.js';

const root = resolve(import.meta.dirname, '../..');

/**
 * Runs both copiers in a child process whose file-size limit (ulimit -f) is 1 MiB, so every write
 * past the first MiB fails with EFBIG half-way through the copy: a real failing copy, no fakes.
 */
const SCRIPT = `
import { copyAndHash } from ${JSON.stringify(join(root, 'src/archive/copy-and-hash.ts'))};
import { CopyPool } from ${JSON.stringify(join(root, 'src/archive/copy-pool.ts'))};
const dir = process.argv[2];
const out = {};
const attempt = async (name, run) => {
  try { await run(); out[name] = 'ok'; } catch (err) { out[name] = err.code ?? String(err); }
};
await attempt('whole', () => copyAndHash(dir + '/small.bin', dir + '/whole.out'));
await attempt('stream', () => copyAndHash(dir + '/large.bin', dir + '/stream.out'));
await attempt('existing', () => copyAndHash(dir + '/small.bin', dir + '/existing.out'));
const pool = new CopyPool(1);
await attempt('pool', () => pool.copy(dir + '/large.bin', dir + '/pool.out'));
await attempt('poolExisting', () => pool.copy(dir + '/large.bin', dir + '/existing.out'));
await pool.close();
console.log(JSON.stringify(out));
`;

describe('a failed copy leaves no partial file behind', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'copy-cleanup-'));
    writeFileSync(join(dir, 'small.bin'), randomBytes(3 << 20)); // read whole, then written
    writeFileSync(join(dir, 'large.bin'), randomBytes(10 << 20)); // streamed in chunks
    writeFileSync(join(dir, 'existing.out'), 'not ours');
    writeFileSync(join(dir, 'run.mts'), SCRIPT);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('removes the destination when writing fails part-way (in process and in the pool)', async () => {
    const tsx = join(root, 'node_modules/.bin/tsx');
    const res = await runProcess(
      'bash',
      ['-c', 'ulimit -f 1024 && exec "$0" "$@"', tsx, join(dir, 'run.mts'), dir],
      { HOME: process.env.HOME ?? '' },
      root,
    );
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout.trim())).toEqual({
      whole: 'EFBIG',
      stream: 'EFBIG',
      existing: 'EEXIST',
      pool: 'EFBIG',
      poolExisting: 'EEXIST',
    });
    expect(existsSync(join(dir, 'whole.out'))).toBe(false);
    expect(existsSync(join(dir, 'stream.out'))).toBe(false);
    expect(existsSync(join(dir, 'pool.out'))).toBe(false);
    // A file that was there before is never removed.
    expect(readFileSync(join(dir, 'existing.out'), 'utf8')).toBe('not ours');
  });
});
