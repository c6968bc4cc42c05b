import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledMigrations } from '../../src/db/migration-state.js';
import { ensureBuilt, repoRoot, runProcess } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { withDatabase } from '../support/global-setup.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const PASSWORD = 'Db-Pa55word-never-printed';

/** A port nothing listens on (taken and given back). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/**
 * A PostgreSQL backup folder as `backup` writes it (backup.json naming today's migrations, a dump,
 * the manifest covering both): restore checks it and goes on to the database.
 */
function postgresBackup(dir: string): string {
  const folder = join(dir, 'backup-pg');
  mkdirSync(join(folder, 'database'), { recursive: true });
  const migrations = bundledMigrations();
  const info = {
    format: 1,
    version: '0.1.0',
    createdAt: new Date().toISOString(),
    database: 'postgres',
    migrations: { count: migrations.length, lastWhen: migrations.at(-1)!.when },
    files: 0,
    bytes: 0,
  };
  writeFileSync(join(folder, 'backup.json'), JSON.stringify(info, null, 2));
  writeFileSync(join(folder, 'database/postgres.dump'), 'PGDMP');
  const sha = (rel: string) =>
    createHash('sha256')
      .update(readFileSync(join(folder, rel)))
      .digest('hex');
  writeFileSync(
    join(folder, 'manifest-sha256.txt'),
    ['backup.json', 'database/postgres.dump'].map((f) => `${sha(f)}  ${f}\n`).join(''),
  );
  return folder;
}

/**
 * The IT person's commands on a database that is not what DATABASE_URL or DATA_DIR should name: each
 * says the database's own reason (connection refused, no such database) in terms they can act on, never
 * drizzle's "Failed query: <SQL> params: …", and never the password in the URL.
 */
describe('backup, restore and doctor on a database that is missing or not yet set up', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-cli-db-'));
  let backupDir: string;
  beforeAll(() => {
    ensureBuilt();
    backupDir = postgresBackup(tmp);
  }, 300_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const expectPlainReason = (text: string, reason: RegExp) => {
    expect(text).toMatch(reason);
    expect(text).not.toContain('Failed query');
    expect(text).not.toContain('params:');
    expect(text).not.toContain(PASSWORD);
  };

  /**
   * The commands said the driver's English (「打不开数据库：connect ECONNREFUSED 127.0.0.1:1」,
   * 「出错了：database "nosuch" does not exist」) where the bot's start says what it is and what to check: the
   * same line now, the address with its password as ***, ending in what to do before running the command
   * again, never the service's 「每 10 秒自动重试一次」 (a command does not retry by itself).
   */
  it(
    'DATABASE_URL pointing at a port nothing listens on: the refused connection, one line each',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      const url = `postgres://archive:${PASSWORD}@127.0.0.1:${port}/archive`;
      const env = { DATA_DIR: join(tmp, 'refused'), DATABASE_URL: url };
      const line =
        `连不上数据库 postgres://archive:***@127.0.0.1:${port}/archive（拒绝连接）：` +
        '检查 PostgreSQL 是否在运行（systemctl status postgresql）、设置文件里的 DATABASE_URL 的主机和端口，再运行这个命令';
      // The compiled CLI as a real process: everything it prints, on both streams.
      const cli = (...args: string[]) =>
        runProcess(process.execPath, [join(repoRoot, 'dist/cli/main.js'), ...args], env, tmp);

      // A command that opens the database first (units list), and backup, which opens it itself.
      for (const args of [
        ['units', 'list'],
        ['backup', '--out', join(tmp, 'backup-out')],
      ]) {
        const res = await cli(...args);
        expect(res.code, args[0]).toBe(1);
        expect(res.stderr.trim(), args[0]).toBe(line);
        expectPlainReason(res.stdout + res.stderr, /拒绝连接/);
        expect(res.stderr, args[0]).not.toMatch(/ECONNREFUSED|重试/);
      }

      const restore = await cliInProcess(['restore', '--from', backupDir], env);
      expect(restore.code).toBe(1);
      expect(restore.stderr.trim()).toBe(line);

      // npm run db:migrate and npm run verify open it the same way.
      const migrate = await runProcess(process.execPath, [join(repoRoot, 'dist/cli/migrate.js')], env, tmp);
      expect(migrate.code).toBe(1);
      expect(migrate.stderr.trim()).toBe(`迁移失败：${line}`);

      // The doctor says what the start would say, without the service's retry (it retries nothing).
      const doctor = await cliInProcess(['doctor'], env);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain(
        `✗ 数据库：连不上数据库 postgres://archive:***@127.0.0.1:${port}/archive（拒绝连接）：` +
          '检查 PostgreSQL 是否在运行（systemctl status postgresql）、设置文件里的 DATABASE_URL 的主机和端口\n',
      );
      expectPlainReason(doctor.stdout + doctor.stderr, /拒绝连接/);
      expect(doctor.stdout).not.toMatch(/ECONNREFUSED|重试/);
    },
  );

  it.skipIf(!pgUrl)(
    'DATABASE_URL naming a database that does not exist: says so, and how to make it',
    { timeout: 120_000 },
    async () => {
      const missing = `archive_bot_missing_${randomBytes(6).toString('hex')}`;
      const url = withDatabase(pgUrl!, missing);
      const shown = new URL(url);
      if (shown.password) shown.password = '***';
      const env = { DATA_DIR: join(tmp, 'missing'), DATABASE_URL: url };
      const reason =
        `连不上数据库 ${shown.toString()}（数据库 ${missing} 不存在）：检查设置文件里的 DATABASE_URL 的数据库名；` +
        `新装的要先建库（sudo -u postgres createdb -O 用户名 ${missing}），`;
      const units = await runProcess(
        process.execPath,
        [join(repoRoot, 'dist/cli/main.js'), 'units', 'list'],
        env,
        tmp,
      );
      expect(units.code).toBe(1);
      expect(units.stderr.trim()).toBe(`${reason}再运行这个命令`);
      for (const args of [
        ['backup', '--out', join(tmp, 'backup-missing')],
        ['restore', '--from', backupDir],
      ]) {
        const res = await cliInProcess(args, env);
        expect(res.code, args[0]).toBe(1);
        expect(res.stderr.trim(), args[0]).toBe(`${reason}再运行这个命令`);
        expectPlainReason(res.stderr, /不存在/);
      }
      const doctor = await cliInProcess(['doctor'], env);
      expect(doctor.stdout).toContain(`✗ 数据库：${reason}再启动机器人\n`);
      expectPlainReason(doctor.stdout, /不存在/);
      expect(doctor.stdout).not.toContain('does not exist');
    },
  );

  it(
    'doctor on a database nothing has set up yet (before the first start): migrations to run, no ✗ for the database',
    { timeout: 120_000 },
    async () => {
      const dataDir = join(tmp, 'fresh');
      let env: Record<string, string> = { DATA_DIR: dataDir };
      let drop: (() => Promise<void>) | undefined;
      if (pgUrl) {
        const name = `archive_bot_t_${process.ppid}_${randomBytes(6).toString('hex')}`;
        const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
        await admin.unsafe(`create database "${name}"`);
        env = { ...env, DATABASE_URL: withDatabase(pgUrl, name) };
        drop = async () => {
          await admin.unsafe(`drop database if exists "${name}" with (force)`);
          await admin.end();
        };
      } else {
        // An embedded database created but never migrated (a start that stopped before its migrations).
        mkdirSync(join(dataDir, 'pglite'), { recursive: true });
        await (await PGlite.create(join(dataDir, 'pglite'))).close();
      }
      try {
        const doctor = await cliInProcess(['doctor'], env);
        const out = doctor.stdout;
        expect(out).toMatch(/✓ 数据库：.*：可以连接/);
        expect(out).toContain(
          `! 迁移：数据库还是空的（待执行 ${bundledMigrations().length} 个迁移）：机器人第一次启动时建表`,
        );
        expect(out).not.toMatch(/✗ 数据库/);
        expect(out).not.toContain('Failed query');
        expect(out).not.toContain('事件队列');
      } finally {
        await drop?.();
      }
    },
  );
});

describe('a bad variable is not called a database problem', () => {
  it('units list and backup with TZ misspelt: the configuration error, exit 1', async () => {
    const env = {
      DATA_DIR: join(tmpdir(), `archive-bot-never-made-${randomBytes(4).toString('hex')}`),
      TZ: 'Asia/Shangai',
    };
    for (const args of [
      ['units', 'list'],
      ['backup', '--out', join(tmpdir(), 'never')],
    ]) {
      const res = await cliInProcess(args, env);
      expect(res.code, args[0]).toBe(1);
      expect(res.stderr, args[0]).toMatch(
        /^配置有误（环境变量）：\n {2}- TZ：不是已知的时区。例如 Asia\/Shanghai/,
      );
      expect(res.stderr, args[0]).not.toMatch(/打不开数据库|出错了/);
    }
  });

  /**
   * The heading said 「.env 文件或环境变量」 whatever was read: it names the file the settings came
   * from (the .env below the working folder, the service's file given to node --env-file), else 环境变量.
   */
  it('names the settings file the bad variable was read from', { timeout: 120_000 }, async () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'archive-bot-env-file-'));
    try {
      const dataDir = join(dir, 'data-never-made');
      writeFileSync(join(dir, '.env'), `DATA_DIR=${dataDir}\nTZ=Asia/Shangai\n`);
      const service = join(dir, 'archive-bot.env');
      writeFileSync(service, `DATA_DIR=${dataDir}\nPORT=x\n`);
      const cli = join(repoRoot, 'dist/cli/main.js');
      const env = { HOME: process.env.HOME ?? '' };

      const dotEnv = await runProcess(process.execPath, [cli, 'units', 'list'], env, dir);
      expect(dotEnv.code).toBe(1);
      expect(dotEnv.stderr.split('\n').slice(0, 2)).toEqual([
        `配置有误（${join(dir, '.env')} 或环境变量）：`,
        '  - TZ：不是已知的时区。例如 Asia/Shanghai',
      ]);

      const serviceFile = await runProcess(
        process.execPath,
        [`--env-file=${service}`, cli, 'units', 'list'],
        env,
        repoRoot,
      );
      expect(serviceFile.code).toBe(1);
      expect(serviceFile.stderr).toMatch(
        new RegExp(
          `^配置有误（${service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} 或环境变量）：\n {2}- PORT：要写整数`,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * systemd's EnvironmentFile= gives the bot the file's variables but not its name: a bad value was
   * said to come from 「环境变量」, and the IT person did not know which file to edit. The shipped unit
   * names its file (ARCHIVE_BOT_ENV_FILE), and the configuration error names it.
   */
  it('under the systemd unit: names the unit’s environment file', { timeout: 120_000 }, async () => {
    ensureBuilt();
    const unit = readFileSync(join(repoRoot, 'deploy/archive-bot.service'), 'utf8');
    const values = (key: string) =>
      [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
    const [unitFile] = values('EnvironmentFile');
    const dir = mkdtempSync(join(tmpdir(), 'archive-bot-unit-env-'));
    try {
      // The unit's file, here in a temp folder: the environment systemd builds is the unit's
      // Environment= lines, then the file's variables.
      const service = join(dir, 'archive-bot.env');
      writeFileSync(service, `DATA_DIR=${join(dir, 'data-never-made')}\nPORT=x\n`);
      const env: Record<string, string> = { HOME: process.env.HOME ?? '' };
      for (const assignment of values('Environment')) {
        const at = assignment.indexOf('=');
        env[assignment.slice(0, at)] = assignment.slice(at + 1).replaceAll(unitFile!, service);
      }
      for (const line of readFileSync(service, 'utf8').split('\n').filter(Boolean)) {
        const at = line.indexOf('=');
        env[line.slice(0, at)] = line.slice(at + 1);
      }
      const [node, script] = values('ExecStart')[0]!.replaceAll('/opt/archive-bot', repoRoot).split(/\s+/);
      const res = await runProcess(existsSync(node!) ? node! : process.execPath, [script!], env, dir);
      expect(res.code).toBe(2);
      expect(res.stderr.split('\n').slice(0, 2)).toEqual([
        `配置有误（${service} 或环境变量）：`,
        '  - PORT：要写整数。例如 3000',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
