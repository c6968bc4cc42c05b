import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/client.js';
import { lockDataDir } from '../../src/db/lock-data-dir.js';
import { ensureBuilt, repoRoot, runCli, runProcess } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';

describe('embedded PGlite data folder', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await seededDataDir('archive-bot-lock');
    ensureBuilt();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'a second process on the same folder refuses to start with a clear message',
    { timeout: 90_000 },
    async () => {
      const first = await openDb({ dataDir });
      try {
        // Async: the lock holder (this process) must keep refreshing its lock meanwhile.
        const child = await runProcess(process.execPath, [join(repoRoot, 'dist/main.js')], {
          LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
          LARK_APP_SECRET: 'secret',
          LARK_DOMAIN: 'http://127.0.0.1:9',
          DATA_DIR: dataDir,
          PORT: '0',
          LOG_LEVEL: 'silent',
        });
        expect(child.code).toBe(1);
        expect(child.stderr.trim().split('\n')).toEqual([
          expect.stringMatching(/^无法启动：内置数据库 .* 正被/),
        ]);
        // It names what holds the folder (here this test's process), and never sends the county to
        // DATABASE_URL, which would leave every record in the folder behind.
        expect(child.stderr).toMatch(new RegExp(`正被(另一条命令|机器人)（进程 ${process.pid}）使用`));
        expect(child.stderr).not.toContain('DATABASE_URL');
      } finally {
        await first.close();
      }
      // Released: the folder opens again.
      const again = await openDb({ dataDir });
      await again.close();
    },
  );

  /**
   * A command while the bot holds the folder was told 「sudo systemctl stop archive-bot」 only, though on
   * a PC the bot runs in a window with `npm start` and there is no service to stop.
   */
  it(
    'a command while the bot holds the folder: says how to stop it either way',
    { timeout: 90_000 },
    async () => {
      const release = await lockDataDir(join(dataDir, 'pglite'), 'bot');
      try {
        const res = await runCli(['units', 'list'], { HOME: process.env.HOME ?? '', DATA_DIR: dataDir });
        expect(res.code).toBe(1);
        expect(res.stderr).toContain(`正被机器人（进程 ${process.pid}）使用：请先停止机器人（`);
        expect(res.stderr).toContain('作为服务运行的：sudo systemctl stop archive-bot');
        expect(res.stderr).toContain('用 npm start 启动的：关掉运行它的窗口，或在那个窗口里按 Ctrl+C');
      } finally {
        await release();
      }
    },
  );
});
