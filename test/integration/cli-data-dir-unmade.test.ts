import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/bot-process.js';
import { NOBODY, nodeForNobody, runCompiled } from '../support/node-for-nobody.js';
import { ORG_CSV } from './campaign-fixtures.js';

/**
 * The first setup on a server, before the service ever started: systemd makes /var/lib/archive-bot at
 * the first start, so `sudo -u archive-bot node --env-file=… dist/cli/main.js units import …` said only
 * 「打不开数据库：EACCES: permission denied, mkdir '…/archive-bot/pglite'」. It names the folder and the
 * `install -d` that makes it the service user's. Root ignores permission bits, so as root the compiled
 * CLI runs as `nobody`, for whom /var/lib (here a 0755 folder of root's) is not writable.
 */
describe('a command before the service made its data folder', () => {
  const asNobody = process.getuid?.() === 0 ? NOBODY : undefined;
  const user = asNobody ? 'nobody' : userInfo().username;
  let tmp: string;
  let varLib: string;
  let node = process.execPath;
  let cleanup = () => {};
  beforeAll(() => {
    ensureBuilt();
    if (asNobody) ({ node, cleanup } = nodeForNobody());
    tmp = mkdtempSync(join(tmpdir(), 'archive-bot-data-unmade-'));
    chmodSync(tmp, 0o755);
    varLib = join(tmp, 'var-lib');
    mkdirSync(varLib, { mode: 0o755 });
    if (!asNobody) chmodSync(varLib, 0o555);
    writeFileSync(join(tmp, 'units.csv'), ORG_CSV, { mode: 0o644 });
  }, 300_000);
  afterAll(() => {
    chmodSync(varLib, 0o755);
    rmSync(tmp, { recursive: true, force: true });
    cleanup();
  });

  it(
    'names the folder and the install -d that makes it; exit 1, nothing made',
    { timeout: 90_000 },
    async () => {
      const dataDir = join(varLib, 'archive-bot');
      const { code, stderr } = await runCompiled(
        node,
        'cli/main.js',
        ['units', 'import', join(tmp, 'units.csv')],
        { HOME: tmp, DATA_DIR: dataDir },
        asNobody !== undefined,
        repoRoot,
      );
      const group = spawnSync('id', ['-gn'], { ...(asNobody ?? {}), encoding: 'utf8' }).stdout.trim();
      expect(stderr.trim()).toBe(
        `打不开数据库：数据目录 ${dataDir} 不能由 ${user} 写入（EACCES）：服务还没启动过时它可能还不存在，或是 root 建的。` +
          `请先以 root 运行 install -d -o ${user} -g ${group} -m 750 ${dataDir}，再运行这条命令`,
      );
      expect(code).toBe(1);
      expect(readdirSync(varLib)).toEqual([]);
      expect(existsSync(dataDir)).toBe(false);
    },
  );
});
