import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, runProcess, webhookBotEnv } from '../support/bot-process.js';
import { processTest } from '../support/process-test.js';
import { startLocalS3 } from '../support/s3-server.js';
import { emptyPgDatabase } from '../support/test-db.js';

const pgUrl = process.env.TEST_DATABASE_URL;

/** The start's refusal as doctor says it: without 「无法启动：」, and without 「没有写入任何内容。」 (a start's own). */
const refusal = (startErr: string) =>
  startErr
    .trim()
    .replace(/^无法启动：/, '')
    .replace(/没有写入任何内容。$/, '');

/** doctor's lines that are ✗ (the compiled CLI as a real process, as the IT person runs it). */
async function doctorFailures(env: Record<string, string>, cwd: string): Promise<string[]> {
  const doctor = await runCli(['doctor'], env, { cwd });
  expect(doctor.code).toBe(1);
  return doctor.stdout.split('\n').filter((l) => l.startsWith('✗ '));
}

/** A stored original as the local store keeps it: DATA_DIR/files/blobs/ab/cd/<sha256>. */
function storeOriginal(dataDir: string, sha256: string): string {
  const folder = join(dataDir, 'files', 'blobs', sha256.slice(0, 2), sha256.slice(2, 4));
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, sha256), 'original bytes');
  return `blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/**
 * The IT person's first month: a data folder holding an archive's stored originals but no database (the
 * restore not yet run on a new machine, DATABASE_URL left out of the settings file) started without a
 * word: a new embedded database, catch-up reminders on an empty archive, Lark's messages recorded in an
 * orphan database. The start is refused, one line naming what was found and what to check.
 */
describe('an archive’s files beside a new database', () => {
  const t = processTest('archive-bot-files-no-db');
  const main = join(repoRoot, 'dist/main.js');

  it(
    'no embedded database: doctor says the refusal (exit 2) first, nothing created; a database a command made is refused too; files moved away, it starts',
    { timeout: 300_000 },
    async () => {
      const dataDir = join(t.tmp, 'data');
      const key = storeOriginal(dataDir, 'ab'.repeat(32));
      const env = webhookBotEnv(t.fake, dataDir);

      // The IT person's check before the start (doctor said 「! 数据库：…还没有创建（首次启动时创建并迁移）」
      // and nothing of the refusal): the start's refusal as a ✗ line, and no database made by it.
      const before = await doctorFailures(env, t.tmp);
      expect(existsSync(join(dataDir, 'pglite'))).toBe(false);

      const started = await runProcess(process.execPath, [main], env, t.tmp);
      expect(started.code).toBe(2);
      expect(before).toContain(`✗ 数据库：机器人不会启动：${refusal(started.stderr)}`);
      const files = join(dataDir, 'files');
      expect(started.stderr.trim()).toBe(
        `无法启动：${files} 里有已存档的原件（如 ${key}），而内置数据库（${join(dataDir, 'pglite')}）是新的：` +
          '这样启动，已有的档案都看不到，新消息会记到另一个数据库里。' +
          '请检查设置文件（服务器上是 /etc/archive-bot/archive-bot.env，PC 上是程序目录的 .env）里的 DATABASE_URL' +
          '（档案搬到了 PostgreSQL 的，要写上那个数据库的地址）；换了机器或重装的，先停着机器人用 npm run cli -- restore 恢复备份，再启动。' +
          `确实要在空数据库上从头开始：先把原件移到别处（mv ${files} ${files}.old）。没有写入任何内容。`,
      );
      expect(started.stdout).not.toContain('bot started');
      expect(existsSync(join(dataDir, 'pglite'))).toBe(false);

      // A command run before the restore made and migrated the embedded database: it holds no material.
      const migrated = await runCli([], env, { script: 'migrate.js' });
      expect(migrated.code).toBe(0);
      const again = await runProcess(process.execPath, [main], env, t.tmp);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(
        `无法启动：${files} 里有已存档的原件（如 ${key}），而内置数据库（${join(dataDir, 'pglite')}）里一件材料也没有：`,
      );
      expect(again.stdout).not.toContain('bot started');
      expect(await doctorFailures(env, t.tmp)).toContain(`✗ 档案：机器人不会启动：${refusal(again.stderr)}`);

      // Starting over on purpose, as the line says: the originals moved away, doctor sees no refusal, the bot starts.
      renameSync(files, `${files}.old`);
      expect((await doctorFailures(env, t.tmp)).join('\n')).not.toContain('机器人不会启动');
      const bot = t.startProcess(process.execPath, [main], env, t.tmp);
      await bot.started();
      bot.kill('SIGTERM');
      expect(await bot.exit).toBe(0);

      // An original stored after the bot's first start whose material was never recorded (a download
      // cut off): the database's own, not an archive's; the start goes on.
      storeOriginal(dataDir, 'cd'.repeat(32));
      const later = t.startProcess(process.execPath, [main], env, t.tmp);
      await later.started();
      later.kill('SIGTERM');
      expect(await later.exit).toBe(0);
    },
  );

  // Moving to a new machine with the files in a bucket: the bot started before the restore saw the
  // bucket's originals beside its new database.
  it(
    'files in a bucket: a start on a new data folder is refused (exit 2), and by doctor first, nothing created',
    { timeout: 300_000 },
    async () => {
      const s3 = await startLocalS3();
      t.onClose(() => s3.close());
      const sha = '12'.repeat(32);
      const key = `blobs/12/12/${sha}`;
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'original bytes' }));
      client.destroy();
      const dataDir = join(t.tmp, 's3-data');
      const env = { ...webhookBotEnv(t.fake, dataDir), ...s3.env() };
      const before = await doctorFailures(env, t.tmp);
      const started = await runProcess(process.execPath, [main], env, t.tmp);
      expect(started.code).toBe(2);
      expect(before).toContain(`✗ 数据库：机器人不会启动：${refusal(started.stderr)}`);
      expect(started.stderr).toContain(
        `无法启动：存储桶 archive 里有已存档的原件（如 ${key}），而内置数据库（${join(dataDir, 'pglite')}）是新的：`,
      );
      expect(started.stderr).toContain(
        '确实要在空数据库上从头开始：换一个空的存储桶或 S3_PREFIX。没有写入任何内容。',
      );
      expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
    },
  );

  it.skipIf(!pgUrl)(
    'DATABASE_URL pointing at an empty PostgreSQL database: refused (exit 2), doctor says so first, nothing written to it',
    { timeout: 300_000 },
    async () => {
      const dataDir = join(t.tmp, 'pg-data');
      const key = storeOriginal(dataDir, 'ef'.repeat(32));
      const url = await emptyPgDatabase(pgUrl!);
      const masked = new URL(url);
      if (masked.password) masked.password = '***';
      const env = { ...webhookBotEnv(t.fake, dataDir), DATABASE_URL: url };

      // doctor first: the empty database was 「! 迁移：数据库还是空的…机器人第一次启动时建表」.
      const before = await doctorFailures(env, t.tmp);
      const started = await runProcess(process.execPath, [main], env, t.tmp);
      expect(started.code).toBe(2);
      expect(before).toContain(`✗ 迁移：机器人不会启动：${refusal(started.stderr)}`);
      expect(started.stderr).toContain(
        `无法启动：${join(dataDir, 'files')} 里有已存档的原件（如 ${key}），而 DATABASE_URL 指向的 PostgreSQL 数据库（${masked.toString()}）是新的：`,
      );
      expect(started.stderr.trim()).toMatch(/没有写入任何内容。$/);

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
