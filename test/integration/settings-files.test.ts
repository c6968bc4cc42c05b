import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { repoRoot, runCli } from '../support/bot-process.js';
import { verifyInProcess } from '../support/cli-in-process.js';

/** A bad value in schedules.yaml or archive.yaml names the file and the field: at bot start and in the CLIs. */
describe('settings files (settings.ts)', () => {
  let dir: string;
  let badSchedules: string;
  let badArchive: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'settings-files-'));
    badSchedules = join(dir, 'bad-schedules.yaml');
    writeFileSync(badSchedules, 'reminders:\n  time: "9 点"\n');
    badArchive = join(dir, 'bad-archive.yaml');
    writeFileSync(badArchive, 'fonds:\n  code: "全宗/1"\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = (env: Record<string, string>) =>
    loadConfig({
      LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
      LARK_APP_SECRET: 's',
      // Nothing listens here: the settings are refused before anything is opened or called.
      LARK_DOMAIN: 'http://127.0.0.1:9',
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      ...env,
    });

  it('refuses to start the bot on a bad schedules.yaml value, naming the file and the field', async () => {
    await expect(startBot(config({ SCHEDULES_FILE: badSchedules }))).rejects.toThrow(
      /bad-schedules\.yaml 有误：\n\s+- reminders\.time: 应为 HH:MM/,
    );
  });

  it('refuses to start the bot on a bad archive.yaml value, naming the file and the field', async () => {
    await expect(startBot(config({ ARCHIVE_CONFIG: badArchive }))).rejects.toThrow(
      /bad-archive\.yaml 有误：\n\s+- fonds\.code: 只能是字母和数字/,
    );
  });

  const cli = (script: string, env: Record<string, string>, ...args: string[]) =>
    // From an empty folder: no developer .env is read.
    runCli(args, { DATA_DIR: join(dir, 'cli-data'), ...env }, { cwd: dir, script });

  /** `npm run verify` in this process through the same runVerify as dist/cli/verify.js, on only `env`. */
  const verifyHere = (env: Record<string, string>) =>
    verifyInProcess([], { DATA_DIR: join(dir, 'cli-data'), ...env });

  it('npm run remind names the file and the field of a bad schedules.yaml', async () => {
    const res = await cli('remind.js', { SCHEDULES_FILE: badSchedules }, '--dry-run');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/bad-schedules\.yaml 有误：\n\s+- reminders\.time: 应为 HH:MM/);
  }, 60_000);

  it('npm run verify names the file and the field of a bad archive.yaml', async () => {
    const res = await verifyHere({ ARCHIVE_CONFIG: badArchive });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/bad-archive\.yaml 有误：\n\s+- fonds\.code: 只能是字母和数字/);
  }, 60_000);

  /**
   * A relative ARCHIVE_CONFIG (the default, config/archive.yaml) is from the folder the command runs
   * in: run elsewhere, verify said only 「读不到档案设置文件 config/archive.yaml」. It names the full
   * path it looked at, why, and where to set ARCHIVE_CONFIG.
   */
  it('npm run verify run outside the program folder names the archive.yaml path it looked at', async () => {
    const res = await cli('verify.js', {});
    expect(res.stderr).toBe(
      `读不到档案设置文件 config/archive.yaml（${join(dir, 'config/archive.yaml')}：没有这个文件）。` +
        '相对路径从运行命令的文件夹算起：在程序目录里运行，或在设置里（服务器上是 /etc/archive-bot/archive-bot.env，' +
        '电脑上是程序目录的 .env）把 ARCHIVE_CONFIG 写成 archive.yaml 的完整路径\n',
    );
    expect(res.code).toBe(1);
  }, 60_000);

  /**
   * `npm run verify` where DATA_DIR holds no database (on a server without the service's settings, as the
   * restore's 下一步 says to run it) created an empty database there and said 「四性检测：通过（0 条，0 个文件）」.
   * It now says there is nothing to read and how the service user runs it, creating nothing.
   */
  it('npm run verify where DATA_DIR holds no database says so and creates nothing', async () => {
    const res = await cli('verify.js', { ARCHIVE_CONFIG: join(repoRoot, 'config/archive.yaml') });
    expect(res.stderr).toBe(
      `没有数据库可读：${join(dir, 'cli-data/pglite')} 不存在（DATA_DIR=${join(dir, 'cli-data')}），什么也没有创建。` +
        '服务器上请以服务用户、用服务的设置运行（README「Running as a service」）：\n' +
        '  sudo -u archive-bot node --env-file=/etc/archive-bot/archive-bot.env dist/cli/verify.js\n',
    );
    expect(res.stdout).toBe('');
    expect(res.code).toBe(1);
    expect(existsSync(join(dir, 'cli-data'))).toBe(false);
  }, 60_000);

  it('the command-line tools validate the environment they read, without Lark credentials', async () => {
    const res = await verifyHere({ TZ: 'Mars/Base' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('TZ：不是已知的时区。例如 Asia/Shanghai');
  }, 60_000);
});
