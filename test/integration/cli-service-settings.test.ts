import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { runMigrate } from '../../src/cli/run-migrate.js';
import { runVerify } from '../../src/cli/run-verify.js';
import type { Env } from '../../src/config.js';
import { readEnv } from '../../src/env.js';
import { ORG_CSV } from './campaign-fixtures.js';

/**
 * On a server the service reads /etc/archive-bot/archive-bot.env (DATA_DIR=/var/lib/archive-bot, the
 * county's archive.yaml). The IT person, after an upgrade, ran `npm run cli -- archive transfers` or
 * `units check` in /opt/archive-bot without it: the command read the program's ./data (made by any
 * earlier such run, here a `units import`) and the shipped config/archive.yaml, and answered about
 * them without a word: 「移交包记录 0 个 / 移交后变更：无」, exit 0. Where the service's settings file
 * exists and the command read no settings file, it now says which folder and file it would have read
 * and the command as the service runs it, exit 1, opening nothing.
 */
describe('a CLI command on a server, run without the service’s settings', () => {
  let tmp: string;
  let server: string;
  let serviceEnvFile: string;
  const cwd = process.cwd();
  const run = async (args: string[], env: Env, serviceFile = serviceEnvFile) => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      env,
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      serviceEnvFile: serviceFile,
    };
    const code =
      args[0] === 'verify'
        ? await runVerify(args.slice(1), io)
        : args[0] === 'db:migrate'
          ? await runMigrate(args.slice(1), io)
          : await runCli(args, io);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };
  const refusal = (command: string) =>
    `这台机器装了机器人服务（有 ${serviceEnvFile}），这条命令却没有读它：` +
    `它会读 ./data（${join(server, 'data')}）和 ${join(server, 'config/archive.yaml')}，不是服务的数据和设置，` +
    '答出来的不对，改的也不是服务的数据，所以什么也没有做。' +
    '服务器上请以服务用户、用服务的设置运行（README「Running as a service」）：\n' +
    `  sudo -u archive-bot node --env-file=${serviceEnvFile} ${command}`;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cli-service-settings-'));
    server = join(tmp, 'opt-archive-bot');
    mkdirSync(server);
    writeFileSync(join(tmp, 'units.csv'), ORG_CSV);
    process.chdir(server);
    // An earlier run the developer way, before the service was installed: ./data holds a database.
    const made = await run(['units', 'import', join(tmp, 'units.csv')], {}, join(tmp, 'no-service.env'));
    expect(made.code, made.stderr).toBe(0);
    // Then the service: its settings file (its DATA_DIR elsewhere).
    serviceEnvFile = join(tmp, 'archive-bot.env');
    writeFileSync(serviceEnvFile, `DATA_DIR=${join(tmp, 'var-lib-archive-bot')}\n`);
  }, 60_000);
  afterAll(() => {
    process.chdir(cwd);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('archive transfers, units check and verify say what they would have read and how the service runs them', async () => {
    const before = readdirSync(join(server, 'data')).sort();
    const transfers = await run(['archive', 'transfers'], {});
    expect(transfers.stderr).toBe(refusal('dist/cli/main.js archive transfers'));
    expect(transfers.stdout).toBe('');
    expect(transfers.code).toBe(1);
    const check = await run(['units', 'check'], {});
    expect(check.stderr).toBe(refusal('dist/cli/main.js units check'));
    expect(check.code).toBe(1);
    const verify = await run(['verify', '--year', '2026'], {});
    expect(verify.stderr).toBe(refusal('dist/cli/verify.js --year 2026'));
    expect(verify.code).toBe(1);
    // A write is refused too, before the database is opened: nothing written into ./data.
    const write = await run(['units', 'import', join(tmp, 'units.csv')], {});
    expect(write.stderr).toBe(refusal(`dist/cli/main.js units import ${join(tmp, 'units.csv')}`));
    expect(write.code).toBe(1);
    expect(readdirSync(join(server, 'data')).sort()).toEqual(before);
  });

  it('runs as before with the service’s settings read, or with DATA_DIR or DATABASE_URL chosen', async () => {
    const withServiceFile = await run(
      ['units', 'list'],
      readEnv(join(server, '.env'), { DATA_DIR: './data' }, [`--env-file=${serviceEnvFile}`]),
    );
    expect(withServiceFile.stderr).toBe('');
    expect(withServiceFile.stdout.split('\n')[0]).toBe('X  测试县  (county)');
    const chosen = await run(['units', 'list'], { DATA_DIR: './data' });
    expect(chosen.code).toBe(0);
    expect(chosen.stdout.split('\n')[0]).toBe('X  测试县  (county)');
  }, 60_000);

  // A developer's .env left in /opt/archive-bot (config/.env.example copied: DATA_DIR=./data) made
  // `npm run cli -- units check` read ./data without a word: it is not the service's settings.
  it('a .env left in the program’s folder is not the service’s settings', async () => {
    writeFileSync(join(server, '.env'), 'DATA_DIR=./data\nTZ=Asia/Shanghai\n');
    try {
      const check = await run(['units', 'check'], readEnv(join(server, '.env'), {}, []));
      expect(check.stderr).toBe(
        `这台机器装了机器人服务（有 ${serviceEnvFile}），这条命令却没有读它：` +
          `程序目录的 ${join(server, '.env')} 不是服务的设置，` +
          `它会读 ${join(server, 'data')} 和 ${join(server, 'config/archive.yaml')}，不是服务的数据和设置，` +
          '答出来的不对，改的也不是服务的数据，所以什么也没有做。' +
          '服务器上请以服务用户、用服务的设置运行（README「Running as a service」）：\n' +
          `  sudo -u archive-bot node --env-file=${serviceEnvFile} dist/cli/main.js units check`,
      );
      expect(check.code).toBe(1);
      // Read with the service's file (node --env-file, or the unit's ARCHIVE_BOT_ENV_FILE), the .env is
      // not read at all: none of its values mixes into the service's.
      for (const env of [
        readEnv(join(server, '.env'), {}, [`--env-file=${serviceEnvFile}`]),
        readEnv(join(server, '.env'), { ARCHIVE_BOT_ENV_FILE: serviceEnvFile }, []),
      ]) {
        expect(env.DATA_DIR).toBeUndefined();
        expect(env.TZ).toBeUndefined();
      }
      // Without a service file (a laptop), .env is read as before.
      expect(readEnv(join(server, '.env'), {}, []).TZ).toBe('Asia/Shanghai');
    } finally {
      rmSync(join(server, '.env'));
    }
  }, 60_000);

  it('npm run db:migrate neither migrates the ./data there nor makes one where there is none', async () => {
    // An upgrade's `npm run db:migrate` in /opt/archive-bot: it said 迁移完成（内置数据库） about ./data,
    // leaving the service's database as it was.
    const migrate = await run(['db:migrate'], {});
    expect(migrate.stderr).toBe(refusal('dist/cli/migrate.js'));
    expect(migrate.stdout).toBe('');
    expect(migrate.code).toBe(1);
    // Where no earlier run made ./data, it made one (and an empty database in it).
    rmSync(join(server, 'data'), { recursive: true, force: true });
    const fresh = await run(['db:migrate'], {});
    expect(fresh.code).toBe(1);
    expect(readdirSync(server)).not.toContain('data');
  }, 60_000);
});
