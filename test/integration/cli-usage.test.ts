import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { ensureBuilt, repoRoot, runProcess } from '../support/bot-process.js';
import { cliInProcess, exportInProcess, verifyInProcess } from '../support/cli-in-process.js';
import { withDatabase } from '../support/global-setup.js';

const pgUrl = process.env.TEST_DATABASE_URL;

/**
 * A mistyped command line is answered with what is wrong and the usage, exit 2, before anything is
 * opened or written (export, verify, backup, storage migrate: parseCliOptions).
 */
describe('command lines the CLIs refuse (exit 2, the usage printed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-usage-'));
  const env = { DATA_DIR: join(dir, 'data') };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('npm run export: an unknown option, and a missing --out', async () => {
    const unknown = await exportInProcess(['--unit', 'V1', '--year', '2025', '--bogus'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^没有这个选项：--bogus\n用法: npm run export -- --unit CODE/);
    const noOut = await exportInProcess(['--unit', 'V1', '--year', '2025'], env);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr.trim()).toBe(
      '缺少选项：--out\n用法: npm run export -- --unit CODE --year YYYY --out DIR [--bag] [--concurrency N]',
    );
  });

  it('npm run export: a --concurrency that is not a whole number from 1 to 64 (a typo must not export nothing)', async () => {
    for (const typed of ['8x', '0', '4,', '1e9', '65']) {
      const res = await exportInProcess(
        ['--unit', 'V1', '--year', '2025', '--out', join(dir, 'out'), '--concurrency', typed],
        env,
      );
      expect(res.code, typed).toBe(2);
      expect(res.stderr).toContain(`--concurrency 须为 1 到 64 之间的整数（收到「${typed}」）`);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('npm run verify: a year that is not four digits', async () => {
    const res = await verifyInProcess(['--year', '25'], env);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('用法: npm run verify -- [--unit CODE] [--year YYYY] [--out DIR]');
  });

  it('backup and storage migrate: an option without its value', async () => {
    const backup = await cliInProcess(['backup', '--out'], env);
    expect(backup.code).toBe(2);
    expect(backup.stderr).toMatch(/^--out 后面要写上值\n用法: npm run cli -- backup/);
    const storage = await cliInProcess(['storage', 'migrate', '--to'], env);
    expect(storage.code).toBe(2);
    expect(storage.stderr).toMatch(/^--to 后面要写上值\n用法: npm run cli -- storage migrate/);
    const extra = await cliInProcess(['backup', '--out', join(dir, 'b'), 'now'], env);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/^多余的参数：now\n用法: npm run cli -- backup/);
    // Nothing was opened: no data folder made.
    expect(readdirSync(dir)).toEqual([]);
  });
});

/**
 * `--help` answers before anything is opened: on the embedded database a running bot holds the folder
 * (a help that opens it fails with "already in use"), and opening one migrates it (the help of a newer
 * program, installed but not yet started, would upgrade the database under the running bot).
 */
describe('npm run cli -- <command> --help', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-help-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'prints each command’s usage (exit 0), refuses a mistyped command or subcommand (exit 2), and neither makes nor migrates a database',
    { timeout: 120_000 },
    async () => {
      let env: Record<string, string> = { DATA_DIR: join(dir, 'data') };
      let tables: (() => Promise<number>) | undefined;
      let drop: (() => Promise<void>) | undefined;
      if (pgUrl) {
        const name = `archive_bot_t_${process.ppid}_${randomBytes(6).toString('hex')}`;
        const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
        await admin.unsafe(`create database "${name}"`);
        const url = withDatabase(pgUrl, name);
        env = { ...env, DATABASE_URL: url };
        tables = async () => {
          const client = postgres(url, { max: 1, onnotice: () => {} });
          const [row] = await client`select count(*)::int as n from information_schema.tables
          where table_schema not in ('pg_catalog', 'information_schema')`;
          await client.end();
          return row!.n as number;
        };
        drop = async () => {
          await admin.unsafe(`drop database if exists "${name}" with (force)`);
          await admin.end();
        };
      }
      try {
        for (const group of Object.keys(COMMANDS)) {
          const res = await cliInProcess([group, '--help'], env);
          expect(res.code, group).toBe(0);
          expect(res.stderr, group).toBe('');
          expect(res.stdout, group).toMatch(new RegExp(`^用法:[\\s\\S]*${group}`));
          expect(res.stdout, group).not.toContain('Unknown option');
        }
        // A group without its subcommand: the usage, exit 2.
        const bare = await cliInProcess(['units'], env);
        expect(bare.code).toBe(2);
        expect(bare.stderr).toContain('units import FILE');
        // A mistyped subcommand of every group: named, the group's usage, exit 2.
        for (const group of Object.keys(COMMANDS)) {
          const entry = await COMMANDS[group]!();
          if ('standalone' in entry) continue;
          const res = await cliInProcess([group, 'lsit'], env);
          expect(res.code, group).toBe(2);
          expect(res.stderr, group).toContain(`没有这个命令：${group} lsit\n`);
          expect(res.stderr, group).toContain(entry.usage);
        }
        // A subcommand without what it needs (units set with no unit code): the usage, exit 2.
        for (const line of [
          ['units', 'set'],
          ['units', 'import'],
          ['chats', 'bind', 'oc_x'],
          ['events', 'retry'],
          ['events', 'retry', 'all-dea'],
          ['jobs', 'retry'],
          ['jobs', 'retry', '--id', '12a'],
        ]) {
          const res = await cliInProcess(line, env);
          expect(res.code, line.join(' ')).toBe(2);
          expect(res.stderr.trim(), line.join(' ')).toBe((await COMMANDS[line[0]!]!()).usage);
        }
        // An option left out or mistyped, or a value that cannot be, is said before the database is
        // opened: it was opened and migrated first, so a typo upgraded the database (exit 2; a date
        // that is no day: exit 1, as before).
        const parent = ['--checklist', 'village-jzfp', '--parent', '530521'];
        for (const [line, code, first] of [
          [['campaigns', 'create'], 2, '缺少选项：--checklist、--year、--deadline、--units 或 --parent'],
          [
            ['campaigns', 'create', ...parent, '--year', '27', '--deadline', '2027-12-31'],
            2,
            '--year 要写四位年份，例如 --year 2025（写的是 27）',
          ],
          [
            ['campaigns', 'create', ...parent, '--year', '2027', '--deadline', '2027-02-30'],
            1,
            '日期格式不对: 2027-02-30（应为 2025-12-31）',
          ],
          [['campaigns', 'missing', '530521', '--limt', '5'], 2, '没有这个选项：--limt'],
          [['campaigns', 'missing', '530521', '--limit', 'all'], 2, '--limit 要写正整数'],
          [['archive', 'confirm', '--unit', '530521'], 2, '用法:'],
          [['archive', 'describe', '--item', 'abc'], 2, '--item 须为正整数，收到 "abc"'],
          [
            ['archive', 'retention', '--unit', '530521', '--task', 'A1', '--year', '2025', '--to', '5年'],
            2,
            '--to 须为 永久、30年 或 10年（也可写 Y、D30、D10），收到 "5年"',
          ],
          [['archive', 'waive', '--unit', '530521', '--task', 'A1'], 2, '免交须写明原因：--reason 原因'],
          [['archive', 'refile', '--item', '7'], 2, '用法: archive refile --item ID --task 任务编号'],
          [['units', 'set', '530521', 'remindres=off'], 2, '未知设置 remindres（可用：'],
          [['units', 'fonds', '530521', 'code=A1'], 2, '缺少 name=全宗名称'],
          [
            ['units', 'retire', '530521001', '--date', '2026-02-30'],
            1,
            '日期 2026-02-30 不对，写成 2026-12-01 这样',
          ],
        ] as const) {
          const res = await cliInProcess([...line], env);
          expect(res.code, line.join(' ')).toBe(code);
          expect(res.stderr.split('\n')[0], line.join(' ')).toMatch(
            new RegExp(`^${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
          );
          expect(readdirSync(dir), line.join(' ')).toEqual([]);
        }
        // Not one of Object's own names either.
        const proto = await cliInProcess(['constructor'], env);
        expect(proto.code).toBe(2);
        expect(proto.stderr).toMatch(/^没有这个命令：constructor\n[\s\S]*命令：/);
        // The compiled CLI as a process: the list of commands.
        ensureBuilt();
        const compiled = (entry: string, ...args: string[]) =>
          runProcess(process.execPath, [join(repoRoot, 'dist', entry), ...args], env, dir);
        const list = await compiled('cli/main.js', '--help');
        expect(list.code).toBe(0);
        // In Chinese, as the person running it reads (it was English): each command named as typed, and
        // what it is for.
        expect(list.stdout).toMatch(
          /^用法: npm run cli -- <命令> …（某个命令的说明：npm run cli -- <命令> --help）\n\n命令：\n/,
        );
        const rows = list.stdout.trim().split('\n').slice(3);
        expect(rows.map((r) => r.trim().split(/\s+/)[0])).toEqual(Object.keys(COMMANDS));
        for (const row of rows) expect(row).toMatch(/^ {2}[a-z]+ +\p{Script=Han}/u);
        expect(list.stdout).toContain('  backup       备份数据库和文件：--out 目录 [--include-files]');
        // A mistyped command, and a mistyped subcommand: named with the usage, exit 2, nothing opened.
        const typo = await compiled('cli/main.js', 'bakup');
        expect(typo.code).toBe(2);
        expect(typo.stderr).toMatch(/^没有这个命令：bakup\n\n用法: npm run cli -- <命令>[\s\S]*backup/);
        const subTypo = await compiled('cli/main.js', 'units', 'lsit');
        expect(subTypo.code).toBe(2);
        expect(subTypo.stderr).toMatch(/^没有这个命令：units lsit\n\n用法:[\s\S]*units list/);
        const noCode = await compiled('cli/main.js', 'units', 'set');
        expect(noCode.code).toBe(2);
        expect(noCode.stderr).toMatch(/^用法:[\s\S]*units set CODE key=value/);
        expect(readdirSync(dir)).toEqual([]);
        // npm run db:migrate -- --help: its usage, and no migration.
        const migrate = await compiled('cli/migrate.js', '--help');
        expect(migrate.code).toBe(0);
        expect(migrate.stdout).toContain('用法: npm run db:migrate');
        const migrateTypo = await compiled('cli/migrate.js', '--hlep');
        expect(migrateTypo.code).toBe(2);
        expect(migrateTypo.stderr).toContain('没有这个参数：--hlep');

        expect(readdirSync(dir)).toEqual([]);
        if (tables) expect(await tables()).toBe(0);
      } finally {
        await drop?.();
      }
    },
  );
});

/**
 * A command that only reads, run where there is no database: root on a server running the alert's
 * `npm run cli -- jobs dead` in /opt/archive-bot (DATA_DIR is only in the service's settings) got
 * «0 dead job(s)» from a new, empty ./data it had just made, while the service's jobs were dead.
 */
describe('a read-only command without a database to read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-no-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'is refused, naming the folder and the service-user line, and creates nothing',
    { timeout: 120_000 },
    async () => {
      ensureBuilt();
      for (const args of [
        ['jobs', 'dead'],
        ['events', 'dead'],
        ['units', 'list'],
        ['chats', 'list'],
      ]) {
        const res = await runProcess(
          process.execPath,
          [join(repoRoot, 'dist/cli/main.js'), ...args],
          {},
          dir,
        );
        expect(res.code, args.join(' ')).toBe(1);
        expect(res.stderr, args.join(' ')).toContain(
          `没有数据库可读：${join(dir, 'data', 'pglite')} 不存在（DATA_DIR=./data）`,
        );
        expect(res.stderr, args.join(' ')).toContain(
          `sudo -u archive-bot node --env-file=/etc/archive-bot/archive-bot.env dist/cli/main.js ${args.join(' ')}`,
        );
        expect(readdirSync(dir), args.join(' ')).toEqual([]);
      }
    },
  );
});
