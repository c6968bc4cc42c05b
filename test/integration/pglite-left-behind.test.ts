import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, runProcess, webhookBotEnv } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { processTest } from '../support/process-test.js';
import { emptyPgDatabase } from '../support/test-db.js';

const pgUrl = process.env.TEST_DATABASE_URL;

/**
 * README: "records that must survive for decades belong in PostgreSQL: set DATABASE_URL". An office
 * that started on the embedded database and did just that saw the bot set up the empty PostgreSQL
 * database and run on it: every archived item stayed behind in DATA_DIR/pglite, unseen, and new
 * materials were recorded apart from them.
 */
describe.skipIf(!pgUrl)('DATABASE_URL set on an installation that ran on the embedded database', () => {
  const t = processTest('archive-bot-left-behind');

  it(
    'the bot and the CLI refuse the empty PostgreSQL database, writing nothing to it, and the doctor says so',
    { timeout: 300_000 },
    async () => {
      const dataDir = await seededDataDir('pglite-office', { parent: t.tmp, onPostgres: 'migrate' });
      const url = await emptyPgDatabase(pgUrl!);
      const env = { ...webhookBotEnv(t.fake, dataDir), DATABASE_URL: url };

      const started = await runProcess(process.execPath, [join(repoRoot, 'dist/main.js')], env, t.tmp);
      expect(started.code).toBe(2);
      expect(started.stderr).toContain(
        `无法启动：数据目录里有内置数据库（${join(dataDir, 'pglite')}）的档案，而 DATABASE_URL 指向的 PostgreSQL 数据库是空的`,
      );
      expect(started.stderr).toContain(`mv ${join(dataDir, 'pglite')} ${join(dataDir, 'pglite')}.old`);
      expect(started.stderr).not.toMatch(/\n\s+at /);
      // In Chinese to its end (it ended with an English copy in parentheses).
      expect(started.stderr.trim()).toMatch(/\.old）。没有写入任何内容。$/);

      const cli = await runCli(['units', 'import', join(repoRoot, 'config/units.example.csv')], env);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('DATABASE_URL 指向的 PostgreSQL 数据库是空的');

      // The doctor said the empty database would be set up at the first start: it says what the start says.
      const doctor = await runCli(['doctor'], env);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain(
        `✗ 迁移：机器人不会启动：数据目录里有内置数据库（${join(dataDir, 'pglite')}）的档案，而 DATABASE_URL 指向的 PostgreSQL 数据库是空的`,
      );
      expect(doctor.stdout).toContain('npm run cli -- db move-to-postgres');
      expect(doctor.stdout).toContain('要继续用内置数据库：去掉 DATABASE_URL');
      expect(doctor.stdout).not.toContain('第一次启动时建表');

      const db = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const [row] =
          await db`select count(*)::int as n from information_schema.tables where table_schema in ('public', 'drizzle')`;
        expect(row!.n).toBe(0);
      } finally {
        await db.end();
      }
    },
  );
});
