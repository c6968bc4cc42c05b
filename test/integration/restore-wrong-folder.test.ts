import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../support/cli-in-process.js';

/**
 * `npm run cli -- restore --from DIR` with the wrong folder, as an IT person types it: a mistyped path,
 * and the backup's `database/` folder instead of the backup itself. Both said
 * `… 不是可用的备份（读不了 backup.json：ENOENT: no such file or directory, open …）`; now each says which.
 */
describe('npm run cli -- restore --from a folder that is not a backup', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'restore-wrong-folder-'));
  const dataDir = join(tmp, 'data');
  const restore = (from: string) => cliInProcess(['restore', '--from', from], { DATA_DIR: dataDir });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a folder that does not exist', async () => {
    const res = await restore(join(tmp, 'archive-2026-12-05'));
    expect(res.stderr.trim()).toBe(
      `找不到备份目录 ${join(tmp, 'archive-2026-12-05')}：没有这个文件夹（路径写错了？）`,
    );
    expect(res.code).toBe(1);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a folder without backup.json (one level too deep)', async () => {
    const inner = join(tmp, 'backup', 'database');
    mkdirSync(inner, { recursive: true });
    const res = await restore(inner);
    expect(res.stderr.trim()).toBe(
      `${inner} 里没有 backup.json，不是备份目录：--from 要写 backup --out 建的那个文件夹（里面有 backup.json 和 manifest-sha256.txt）`,
    );
    expect(res.code).toBe(1);
    expect(existsSync(dataDir)).toBe(false);
  });
});
