import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDb, queryRows, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { defineJob } from '../../src/domain/job-type.js';
import { runCli } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** A `notify` row with an empty payload (only its kind and status matter here). */
const OLD_NOTIFY = defineJob({ name: 'notify', payload: z.object({}) });

/**
 * What the county IT person reads from `npm run cli -- events …`, `jobs retry` and a command that
 * fails on something unforeseen, each from the compiled CLI as a real process: Chinese lines (they
 * were «1 event(s)», «1 job(s) queued again; 0 material(s) back to pending», «Failed: EISDIR …»).
 * PostgreSQL when TEST_DATABASE_URL is set (the process gets this file's database), else an embedded
 * data folder, closed while the processes run (PGlite is one process only).
 */
describe('queue and failure lines of the command line, in Chinese', () => {
  let dataDir: string;
  let pg: TestDb | undefined;
  const pgUrl = process.env.TEST_DATABASE_URL;
  const env = () => ({
    HOME: process.env.HOME ?? '',
    DATA_DIR: dataDir,
    ...(pg?.url ? { DATABASE_URL: pg.url } : {}),
  });

  beforeAll(async () => {
    dataDir = await seededDataDir('cli-queue-lines', { onPostgres: 'empty' });
    if (pgUrl) pg = await createTestDb();
    const database: Database = pg ?? (await openDb({ dataDir }));
    try {
      if (!pg) await migrate(database);
      // A dead event and a dead job, as the bot leaves them after their last attempt.
      await database.db.execute(sql`insert into inbound_events
          (event_id, event_type, source, payload, received_at, status, attempts, last_error, next_attempt_at)
        values ('ev-dead-1', 'im.message.receive_v1', 'webhook', '{}'::jsonb, now(), 'dead', 8, 'boom', now())`);
      const now = new Date();
      await enqueueJob(database.db, { type: OLD_NOTIFY, key: 'dead-notify', payload: {}, runAt: now }, now);
      await database.db.execute(
        sql`update jobs set status = 'dead', attempts = 8, last_error = 'gone' where key = 'dead-notify'`,
      );
    } finally {
      if (!pg) await database.close();
    }
  }, 120_000);
  afterAll(async () => {
    await pg?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'events dead, events retry all-dead and jobs retry --all say how many',
    { timeout: 180_000 },
    async () => {
      const dead = await runCli(['events', 'dead'], env());
      expect(dead.code, dead.stderr).toBe(0);
      const lines = dead.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^\d+\tdead\t8\tim\.message\.receive_v1\tev-dead-1\tboom$/);
      expect(lines[1]).toBe('共 1 条事件');

      const events = await runCli(['events', 'retry', 'all-dead'], env());
      expect(events.code, events.stderr).toBe(0);
      expect(events.stdout.trim()).toBe('1 条事件已重新排队');

      const jobs = await runCli(['jobs', 'retry', '--all'], env());
      expect(jobs.code, jobs.stderr).toBe(0);
      expect(jobs.stdout.trim()).toBe('1 个任务已重新排队；其中 0 个文件重新等待下载');
    },
  );

  /**
   * `events retry 12345` (a mistyped id) answered 「0 条事件已重新排队」 with exit 0, as if done; and
   * `campaigns create` without --deadline printed only the usage, leaving the IT person to find what
   * was left out.
   */
  it(
    'events retry of an unknown id, or of one already done, says so (exit 1); campaigns create names the missing option (exit 2)',
    { timeout: 180_000 },
    async () => {
      const database: Database = pg ?? (await openDb({ dataDir }));
      let doneId: number;
      try {
        const [row] = await queryRows<{ id: number }>(
          database.db,
          sql`insert into inbound_events (event_id, event_type, source, payload, received_at, status, attempts, next_attempt_at)
            values ('ev-done-1', 'im.message.receive_v1', 'webhook', '{}'::jsonb, now(), 'done', 1, now()) returning id`,
        );
        doneId = Number(row!.id);
      } finally {
        if (!pg) await database.close();
      }
      const unknown = await runCli(['events', 'retry', '12345'], env());
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr.trim()).toBe(
        '没有编号为 12345 的事件：编号是 npm run cli -- events dead（或 events list）每行的第一列',
      );
      const done = await runCli(['events', 'retry', String(doneId)], env());
      expect(done.code).toBe(1);
      expect(done.stderr.trim()).toBe(
        `事件 ${doneId} 已经处理完了，没有重新排队：只有处理失败（dead）或等待处理的事件能重新排队`,
      );

      const noDeadline = await runCli(
        ['campaigns', 'create', '--checklist', 'village-jzfp', '--year', '2027', '--parent', '530521'],
        env(),
      );
      expect(noDeadline.code).toBe(2);
      expect(noDeadline.stderr).toMatch(/^缺少选项：--deadline\n用法:\n {2}campaigns load-checklists/);
      const bare = await runCli(['campaigns', 'create'], env());
      expect(bare.code).toBe(2);
      expect(bare.stderr.split('\n')[0]).toBe(
        '缺少选项：--checklist、--year、--deadline、--units 或 --parent',
      );
    },
  );

  /** `jobs retry --id 12345` (a mistyped id) answered 「0 个任务已重新排队…」 with exit 0, as if done. */
  it(
    'jobs retry --id of an unknown id, or of a job already done, says so and how to list them (exit 1)',
    { timeout: 180_000 },
    async () => {
      const database: Database = pg ?? (await openDb({ dataDir }));
      let doneId: number;
      try {
        const now = new Date();
        await enqueueJob(database.db, { type: OLD_NOTIFY, key: 'done-notify', payload: {}, runAt: now }, now);
        const [row] = await queryRows<{ id: number }>(
          database.db,
          sql`update jobs set status = 'done', attempts = 1 where key = 'done-notify' returning id::int as id`,
        );
        doneId = Number(row!.id);
      } finally {
        if (!pg) await database.close();
      }
      const unknown = await runCli(['jobs', 'retry', '--id', '12345'], env());
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr.trim()).toBe(
        '没有编号为 12345 的后台任务：编号是 npm run cli -- jobs dead 每行的第一列',
      );
      const done = await runCli(['jobs', 'retry', '--id', String(doneId)], env());
      expect(done.code).toBe(1);
      expect(done.stdout).toBe('');
      expect(done.stderr.trim()).toBe(
        `后台任务 ${doneId} 已经完成了，没有重新排队：只有处理失败（dead）的后台任务（npm run cli -- jobs dead 列出）能重新排队`,
      );
    },
  );

  /** `jobs retry --kind downlaod-material` (mistyped) answered 「0 个任务已重新排队…」 with exit 0. */
  it(
    'jobs retry --kind of a kind there is not says so and names the dead kinds (exit 1); a real kind with none dead queues 0 (exit 0)',
    { timeout: 180_000 },
    async () => {
      const database: Database = pg ?? (await openDb({ dataDir }));
      try {
        const now = new Date();
        await enqueueJob(database.db, { type: OLD_NOTIFY, key: 'dead-kind', payload: {}, runAt: now }, now);
        await database.db.execute(sql`update jobs set status = 'dead', attempts = 8 where key = 'dead-kind'`);
      } finally {
        if (!pg) await database.close();
      }
      const typo = await runCli(['jobs', 'retry', '--kind', 'notfy'], env());
      expect(typo.code).toBe(1);
      expect(typo.stdout).toBe('');
      expect(typo.stderr.trim()).toBe(
        '没有种类为 notfy 的后台任务（种类是 npm run cli -- jobs dead 每行的第二列）；处理失败的任务有这些种类：notify',
      );
      const none = await runCli(['jobs', 'retry', '--kind', 'download-material'], env());
      expect(none.code, none.stderr).toBe(0);
      expect(none.stdout.trim()).toBe('0 个任务已重新排队；其中 0 个文件重新等待下载');
    },
  );

  it('an unforeseen failure: 出错了 and the reason, exit 1', { timeout: 180_000 }, async () => {
    // A folder named where the people table should be (npm run cli) was one (出错了：EISDIR …); it is
    // foreseen now and said in words (cli-table-file-unreadable.test.ts).
    const folder = join(dataDir, 'people-folder');
    mkdirSync(folder);
    const cli = await runCli(['units', 'people', 'import', folder], env());
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim()).toMatch(/^\S+people-folder 是一个文件夹，不是表格文件/);

    // A report folder under a file (npm run verify).
    const file = join(dataDir, 'a-file');
    writeFileSync(file, '');
    const verify = await runCli(['--out', join(file, 'reports')], env(), { script: 'verify.js' });
    expect(verify.code).toBe(1);
    expect(verify.stderr.trim()).toMatch(
      new RegExp(`^出错了：ENOTDIR: not a directory, mkdir '${file}/reports/`),
    );
  });
});
