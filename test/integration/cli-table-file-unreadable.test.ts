import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/bot-process.js';
import { NOBODY, nodeForNobody } from '../support/node-for-nobody.js';

/**
 * The table an IT person names on `units import` / `units people import` (README's first setup) that
 * cannot be read: a mistyped path said `读不到文件 …: ENOENT: no such file or directory, open …`, a folder
 * `出错了：EISDIR: illegal operation on a directory, read`, and a table left in /root, run as the service
 * user, `EACCES: permission denied`. Each is one plain line now, exit 1, through the compiled CLI.
 */
describe('npm run cli -- units … import FILE: a file that cannot be read', () => {
  const asNobody = process.getuid?.() === 0 ? NOBODY : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'cli-table-file-'));
  const dataDir = join(dir, 'data');
  let node = process.execPath;
  let cleanup = () => {};
  beforeAll(() => {
    ensureBuilt();
    mkdirSync(dataDir);
    chmodSync(dir, 0o755);
    if (asNobody) {
      chownSync(dataDir, asNobody.uid, asNobody.gid);
      ({ node, cleanup } = nodeForNobody());
    }
  }, 300_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    cleanup();
  });

  /** The compiled CLI as the service user would run it (nobody when the tests run as root). */
  const cli = async (...args: string[]) => {
    const child = spawn(asNobody ? node : process.execPath, [join(repoRoot, 'dist/cli/main.js'), ...args], {
      cwd: repoRoot,
      ...(asNobody ?? {}),
      env: { PATH: process.env.PATH ?? '', HOME: dir, DATA_DIR: dataDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('close', resolve);
      child.on('error', reject);
    });
    return { code, stdout, stderr };
  };

  it('a path that does not exist', { timeout: 90_000 }, async () => {
    const res = await cli('units', 'import', join(dir, 'nope', 'units.csv'));
    expect(res.stderr.trim()).toBe(
      `找不到文件 ${join(dir, 'nope', 'units.csv')}：没有这个文件（路径或文件名写错了？当前目录是 ${repoRoot.replace(/\/$/, '')}）`,
    );
    expect(res.code).toBe(1);
  });

  it('a folder instead of the file', { timeout: 90_000 }, async () => {
    // The example names no one table: it said 人员.xlsx to a units import and a chats table too.
    for (const command of [
      ['units', 'import'],
      ['units', 'people', 'import'],
      ['chats', 'bind'],
    ]) {
      const res = await cli(...command, dir);
      expect(res.stderr.trim(), command.join(' ')).toBe(
        `${dir} 是一个文件夹，不是表格文件：请在后面写上文件名，例如 ${join(dir, '表格.xlsx')}`,
      );
      expect(res.code).toBe(1);
    }
  });

  it.skipIf(!asNobody)('a file the user running the command may not read', { timeout: 90_000 }, async () => {
    const table = join(dir, '人员.csv');
    writeFileSync(table, '姓名,open_id,单位编码,角色\n张三,ou_0123456789abcdef0123456789abcdef,V1,村干部\n');
    chmodSync(table, 0o600); // root's, as a table copied into /root would be
    const res = await cli('units', 'people', 'import', table);
    expect(res.stderr.trim()).toBe(
      `读不了文件 ${table}：运行命令的用户 nobody 没有权限读它。请把文件放到这个用户读得到的地方（例如 /tmp），或改一下文件的权限`,
    );
    expect(res.code).toBe(1);
  });
});
