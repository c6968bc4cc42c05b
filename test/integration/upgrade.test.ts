import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { fromPglite, openDb, queryRows } from '../../src/db/client.js';
import { migrate, MIGRATIONS_FOLDER } from '../../src/db/migrate.js';
import { appliedMigrations, bundledMigrations } from '../../src/db/migration-state.js';
import { repoRoot, runCli, runProcess, webhookBotEnv } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { processTest } from '../support/process-test.js';
import { emptyPgDatabase } from '../support/test-db.js';

const pgUrl = process.env.TEST_DATABASE_URL;

/** drizzle/ as the first release shipped it: only the first migration. */
function firstMigrationOnly(dir: string): string {
  const folder = join(dir, 'drizzle-first');
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
  journal.entries = journal.entries.slice(0, 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe("the README's upgrade procedure (stop, back up, install, build, start)", () => {
  const t = processTest('archive-bot-upgrade');
  const dataDir = join(t.tmp, 'data');
  let databaseUrl: string | undefined;

  it(
    'takes a database with only the first migration to today’s at start, keeping its data',
    { timeout: 420_000 },
    async () => {
      // The older installation: first migration applied, one unit recorded.
      const older = firstMigrationOnly(t.tmp);
      const insertUnit = sql`insert into units (code, name, kind, path, full_name, created_at, updated_at)
        values ('X', '测试县', 'county', '/1/', '测试县', now(), now())`;
      if (pgUrl) {
        databaseUrl = await emptyPgDatabase(pgUrl);
        const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
        const db = drizzle(client);
        await migratePostgres(db, { migrationsFolder: older });
        await db.execute(insertUnit);
        await client.end();
      } else {
        mkdirSync(join(dataDir, 'pglite'), { recursive: true });
        const client = await PGlite.create(join(dataDir, 'pglite'));
        await migratePglite(fromPglite(client).db as any, { migrationsFolder: older });
        await fromPglite(client).db.execute(insertUnit);
        await client.close();
      }
      const env = {
        ...webhookBotEnv(t.fake, dataDir),
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      };
      /** The compiled CLI as a real process (the last doctor). */
      const cli = (...args: string[]) =>
        runProcess(process.execPath, [join(repoRoot, 'dist/cli/main.js'), ...args], env, t.tmp);
      /** The same runCli in the test's process: no process start and no module load. */
      const cliHere = (...args: string[]) => cliInProcess(args, env);

      // 1. stopped (nothing runs). 2. Back up, with the installed program.
      const backup = await cliHere('backup', '--out', join(t.tmp, 'backup-before-upgrade'));
      expect(backup.stderr).toBe('');
      expect(backup.stdout).toContain('已应用 1 个迁移');
      // 3-4. Installed and built (ensureBuilt). The doctor sees what the start will do.
      const doctor = await cliHere('doctor');
      expect(doctor.stdout).toMatch(/! 迁移：已执行 1 个，待执行 \d+ 个/);
      // …and that the older program cannot go back to it, so a backup comes first (it said only 自动执行).
      expect(doctor.stdout).toContain(
        '：机器人启动时自动执行。执行后旧版本的程序就打不开这个数据库，要退回只能用备份恢复：' +
          '还没备份的话，启动前先备份（npm run cli -- backup --out 新目录；内置数据库要先停止机器人）',
      );
      // 5. Start: migrations run under the advisory lock (PostgreSQL) or the folder lock (PGlite).
      const bot = t.startProcess(process.execPath, [join(repoRoot, 'dist/main.js')], env, t.tmp);
      await bot.started(240_000);
      bot.kill('SIGTERM');
      expect(await bot.exit).toBe(0);
      // The log says the start migrated the database (it said nothing of it).
      const known = bundledMigrations().length;
      expect(bot.logs().filter((l) => l.msg === 'database migrated')).toEqual([
        expect.objectContaining({
          from: 1,
          to: known,
          advice:
            `数据库已升级：执行了 ${known - 1} 个迁移（1 → ${known}）。` +
            '旧版本的程序打不开升级后的数据库，要退回只能用升级前的备份恢复',
        }),
      ]);

      const database = await openDb({ databaseUrl, dataDir });
      try {
        expect((await appliedMigrations(database.db)).count).toBe(bundledMigrations().length);
        expect(await queryRows(database.db, sql`select code, name from units`)).toEqual([
          { code: 'X', name: '测试县' },
        ]);
      } finally {
        await database.close();
      }
      const after = await cli('doctor');
      expect(after.stdout).toMatch(/✓ 迁移：已是最新（\d+ 个）/);
    },
  );
});

describe('going back to an older program without restoring the backup', () => {
  const t = processTest('archive-bot-downgrade');

  it(
    'the bot refuses a database a newer program migrated (one line, exit 2), and so does db:migrate; nothing is written',
    { timeout: 420_000 },
    async () => {
      const dataDir = await seededDataDir('data', { parent: t.tmp, onPostgres: 'empty' });
      let databaseUrl: string | undefined;
      if (pgUrl) {
        databaseUrl = await emptyPgDatabase(pgUrl);
      }
      // Today's schema, then the newer program's one more migration recorded as drizzle records it.
      const known = bundledMigrations();
      let database = await openDb({ databaseUrl, dataDir });
      try {
        await migrate(database, databaseUrl);
        await database.db.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at)
          values ('a-newer-program', ${known.at(-1)!.when + 60_000})`);
      } finally {
        await database.close();
      }
      const env = {
        ...webhookBotEnv(t.fake, dataDir),
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      };
      const refusal = `数据库已由更新版本的程序迁移（${known.length + 1} 个迁移，本程序只认识 ${known.length} 个）`;

      const bot = t.startProcess(process.execPath, [join(repoRoot, 'dist/main.js')], env, t.tmp);
      try {
        const outcome = await Promise.race([bot.exit, bot.started(240_000).then(() => 'started' as const)]);
        expect(outcome).toBe(2);
        // One line, in Chinese to its end (it ended with an English copy in parentheses).
        expect(bot.stderr().trim().split('\n')).toEqual([
          `无法启动：${refusal}：请安装那个版本，或停用后用升级前的备份恢复到空的数据目录/数据库`,
        ]);
      } finally {
        bot.kill('SIGKILL');
        await bot.exit;
      }
      const migrated = await runProcess(
        process.execPath,
        [join(repoRoot, 'dist/cli/migrate.js')],
        env,
        t.tmp,
      );
      expect(migrated.code).toBe(1);
      expect(migrated.stderr).toContain(`迁移失败：${refusal}`);
      expect(migrated.stdout).toBe('');

      database = await openDb({ databaseUrl, dataDir });
      try {
        expect((await appliedMigrations(database.db)).count).toBe(known.length + 1);
      } finally {
        await database.close();
      }
    },
  );
});

/**
 * Any command, even the read-only `units list`, migrates an older database before it runs: it did so
 * without a word, and the older program could then no longer open it. It says so now, on standard error
 * (its standard output may be a table), in the words of the bot start's `database migrated` line.
 */
describe('a command on a database an older program left', () => {
  const t = processTest('archive-bot-cli-upgrade');

  it('units list upgrades it and says from which migration to which', { timeout: 300_000 }, async () => {
    const dataDir = join(t.tmp, 'data');
    const older = firstMigrationOnly(t.tmp);
    let databaseUrl: string | undefined;
    if (pgUrl) {
      databaseUrl = await emptyPgDatabase(pgUrl);
      const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      await migratePostgres(drizzle(client), { migrationsFolder: older });
      await client.end();
    } else {
      mkdirSync(join(dataDir, 'pglite'), { recursive: true });
      const client = await PGlite.create(join(dataDir, 'pglite'));
      await migratePglite(fromPglite(client).db as any, { migrationsFolder: older });
      await client.close();
    }
    const env = {
      HOME: process.env.HOME ?? '',
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    };
    const units = await runCli(['units', 'list'], env, { cwd: t.tmp });
    expect(units.code, units.stderr).toBe(0);
    const known = bundledMigrations().length;
    expect(units.stderr.trim()).toBe(
      `数据库已升级：执行了 ${known - 1} 个迁移（1 → ${known}）。` +
        '旧版本的程序打不开升级后的数据库，要退回只能用升级前的备份恢复',
    );
    expect(units.stdout).not.toContain('数据库已升级');
    // Once: the next command finds nothing to do and says nothing of it.
    const again = await runCli(['units', 'list'], env, { cwd: t.tmp });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
  });
});
