import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot, runProcess } from '../support/bot-process.js';

/**
 * On a server the service reads /etc/archive-bot/archive-bot.env (systemd's EnvironmentFile=, named by
 * ARCHIVE_BOT_ENV_FILE), and a `.env` left in /opt/archive-bot is not read (env.ts). An IT person who
 * edited that `.env` saw nothing change, and the doctor said nothing of it. The compiled doctor, in an
 * installation's folder holding a `.env`, now names it and the file to edit instead.
 */
describe('npm run cli -- doctor with a .env the service does not read', () => {
  let tmp: string;
  let install: string;
  let serviceEnv: string;
  beforeAll(() => {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'doctor-dot-env-'));
    install = join(tmp, 'opt-archive-bot');
    mkdirSync(join(install, 'node_modules'), { recursive: true });
    for (const entry of ['package.json', 'dist', 'drizzle', 'config'])
      cpSync(join(repoRoot, entry), join(install, entry), { recursive: true, preserveTimestamps: true });
    for (const pkg of readdirSync(join(repoRoot, 'node_modules')))
      if (!pkg.startsWith('.'))
        symlinkSync(join(repoRoot, 'node_modules', pkg), join(install, 'node_modules', pkg));
    // The developer's first setup: config/.env.example copied to .env, edited since.
    writeFileSync(
      join(install, '.env'),
      'DATA_DIR=./data\nLARK_APP_ID=cli_a1b2c3d4e5f60718\nLARK_APP_SECRET=old\n',
    );
    serviceEnv = join(tmp, 'archive-bot.env');
    writeFileSync(
      serviceEnv,
      `DATA_DIR=${join(tmp, 'data')}\nLARK_APP_ID=cli_a1b2c3d4e5f60718\nLARK_APP_SECRET=secret\nLARK_DOMAIN=http://127.0.0.1:9\n`,
    );
  }, 300_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const line = () =>
    `! .env：程序目录下的 .env（${join(install, '.env')}）没有被读取（服务读的是 ${serviceEnv}）；` +
    `请改 ${serviceEnv}，改后重启机器人（systemctl restart archive-bot），再删掉这个 .env，免得以后又改错地方`;

  it(
    'run with --env-file, as README says: a ! line names the .env and the file to edit',
    { timeout: 90_000 },
    async () => {
      const res = await runProcess(
        process.execPath,
        [`--env-file=${serviceEnv}`, join(install, 'dist/cli/main.js'), 'doctor'],
        {},
        install,
      );
      expect(res.stdout.split('\n').filter((l) => l.startsWith('! .env'))).toEqual([line()]);
      expect(res.stdout).toMatch(/检查完毕：.*项需要处理（标 ! 的行）/);
    },
  );

  /**
   * On a PC run with another settings file (`node --env-file=it.env … doctor`), the advice to move the
   * settings files out of the program's folder said to name them in 程序目录的 .env, a file this run did
   * not read.
   */
  it.skipIf(existsSync('/etc/archive-bot'))(
    'on a PC with --env-file, the settings-file advice names the file read, not .env',
    { timeout: 90_000 },
    async () => {
      const res = await runProcess(
        process.execPath,
        [`--env-file=${serviceEnv}`, join(install, 'dist/cli/main.js'), 'doctor'],
        {},
        install,
      );
      const to = join(tmp, 'archive-bot-settings');
      expect(res.stdout).toContain(
        `请复制到程序目录以外的文件夹，例如 ${to}，再在 ${serviceEnv} 里写 SCHEDULES_FILE=${to}/schedules.yaml、ARCHIVE_CONFIG=${to}/archive.yaml`,
      );
      expect(res.stdout).not.toContain('程序目录的 .env 里写');
    },
  );

  it(
    'the service’s settings handed over as systemd does (ARCHIVE_BOT_ENV_FILE): the same line',
    { timeout: 90_000 },
    async () => {
      const res = await runProcess(
        process.execPath,
        [join(install, 'dist/cli/main.js'), 'doctor'],
        {
          ARCHIVE_BOT_ENV_FILE: serviceEnv,
          DATA_DIR: join(tmp, 'data'),
          LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
          LARK_APP_SECRET: 'secret',
          LARK_DOMAIN: 'http://127.0.0.1:9',
        },
        install,
      );
      expect(res.stdout.split('\n').filter((l) => l.startsWith('! .env'))).toEqual([line()]);
    },
  );

  it(
    'without the service’s settings the .env is what is read: no such line',
    { timeout: 90_000 },
    async () => {
      const res = await runProcess(
        process.execPath,
        [join(install, 'dist/cli/main.js'), 'doctor'],
        { LARK_DOMAIN: 'http://127.0.0.1:9' },
        install,
      );
      expect(res.stdout).toContain('✓ 版本');
      expect(res.stdout).not.toContain('.env：');
    },
  );
});
