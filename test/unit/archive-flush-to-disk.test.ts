import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flushToDisk } from '../../src/archive/flush-to-disk.js';

describe('a written package is flushed to its disk before it is declared done', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flush-'));
  mkdirSync(join(dir, '电子档案', '文书'), { recursive: true });
  writeFileSync(join(dir, '说明文件.TXT'), 'x');
  writeFileSync(join(dir, '电子档案', '文书', 'A-1.pdf'), '%PDF-1.7');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('through sync -f, and by fsyncing every file and folder where sync is missing', async () => {
    await expect(flushToDisk(dir)).resolves.toBeUndefined();
    await expect(flushToDisk(dir, join(dir, 'no-such-sync'))).resolves.toBeUndefined();
  });

  it('a folder that is gone (a carrier pulled out) is an error, not a package declared written', async () => {
    await expect(flushToDisk(join(dir, 'gone'))).rejects.toThrow(/ENOENT/);
  });
});
