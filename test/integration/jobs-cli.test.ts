import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, queryRows, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { z } from 'zod';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { defineJob } from '../../src/domain/job-type.js';
import { messageEvent } from '../support/events.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { startHarness } from '../support/harness.js';
import { runCli } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { materialsOf, sha256, smallPhoto, waitFor } from './capture-helpers.js';

/**
 * `npm run cli -- jobs dead | retry`: a download that died (Lark failing on its only attempt) is
 * listed by the compiled CLI as a real process, re-queued (in this process, through the same runCli)
 * with its material back to pending, and stored by the next start.
 * PostgreSQL when TEST_DATABASE_URL is set (the process gets this file's database), else an embedded
 * data folder, closed while the process runs (PGlite is one process only).
 */
/** A `notify` row with an empty payload (only its kind and status matter here). */
const OLD_NOTIFY = defineJob({ name: 'notify', payload: z.object({}) });

describe('jobs dead / jobs retry (command line)', () => {
  let fake: FakeLark;
  let dataDir: string;
  let pg: TestDb | undefined;
  const pgUrl = process.env.TEST_DATABASE_URL;

  beforeAll(async () => {
    fake = await startFakeLark();
    dataDir = await seededDataDir('jobs-cli', { onPostgres: 'empty' });
    if (pgUrl) pg = await createTestDb();
  });
  afterAll(async () => {
    await pg?.close();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The database the CLI process sees: this file's PostgreSQL database, or the data folder. */
  const openShared = async (): Promise<TestDb> => {
    if (pg) return { ...pg, close: async () => {}, shutDown: async () => {} };
    const d: Database = await openDb({ dataDir });
    await migrate(d);
    return { ...d, shutDown: () => d.close() };
  };
  const cliEnv = () => ({
    HOME: process.env.HOME ?? '',
    DATA_DIR: dataDir,
    ...(pg?.url ? { DATABASE_URL: pg.url } : {}),
  });
  /** The compiled CLI as a real process. */
  const cli = (...args: string[]) => runCli(['jobs', ...args], cliEnv());
  it('lists the dead download, re-queues it (material back to pending) and the next start stores it', async () => {
    const bytes = await smallPhoto('png');
    const key = `img_dead_${randomBytes(4).toString('hex')}`;
    const ev = messageEvent({ appId: fake.appId, msgType: 'image', content: { image_key: key } });
    const messageId = ev.event.message.message_id;
    fake.addResource({ messageId, fileKey: key, bytes });

    // 1. The bot; Lark answers 500 to every try, until the download's 8 attempts are used up (the
    //    manual clock lets each backoff pass).
    const clock = new ManualClock(awakeNow());
    const db1 = await openShared();
    const h1 = await startHarness({ db: db1, fake, clock });
    fake.inject({ path: new RegExp(`/resources/${key}$`), times: 1000, fault: { status: 500 } });
    expect((await h1.post(ev)).status).toBe(200);
    const jobStatus = async () =>
      (
        await queryRows<{ status: string }>(
          db1.db,
          sql`select status from jobs where kind = 'download-material'`,
        )
      )[0]?.status;
    for (let i = 0; i < 12 && (await jobStatus()) !== 'dead'; i++) {
      await h1.settle();
      clock.advance(2 * 3600_000);
    }
    expect(await jobStatus()).toBe('dead');
    const [failed] = await materialsOf(db1.db, messageId);
    expect(failed).toMatchObject({ status: 'failed' });
    fake.clearFaults();
    // Another dead job of another kind, for --all.
    const now = clock.now();
    await enqueueJob(db1.db, { type: OLD_NOTIFY, key: 'dead-notify', payload: {}, runAt: now }, now);
    await db1.db.execute(
      sql`update jobs set status = 'dead', attempts = 8, last_error = 'gone' where key = 'dead-notify'`,
    );
    await h1.close();
    await db1.close();

    // 2. The operator looks, then re-queues the download by id.
    const dead = await cli('dead');
    expect(dead.code).toBe(0);
    const lines = dead.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('共 2 个处理失败的任务');
    const download = lines.find((l) => l.split('\t')[1] === 'download-material');
    expect(download?.split('\t')[2]).toBe(String(failed!.id));
    expect(lines.some((l) => l.split('\t')[1] === 'notify' && l.endsWith('gone'))).toBe(true);
    const jobId = download!.split('\t')[0]!;

    // The rest of the commands in this process (the same runCli), on one open database that the
    // next start then uses: no process start and no database boot per command.
    const db2 = await openShared();
    const inProcess = (...args: string[]) => cliInProcess(['jobs', ...args], cliEnv(), db2);
    const retried = await inProcess('retry', '--id', jobId);
    expect(retried.code).toBe(0);
    expect(retried.stdout.trim()).toBe('1 个任务已重新排队；其中 1 个文件重新等待下载');
    expect((await materialsOf(db2.db, messageId))[0]).toMatchObject({ status: 'pending', last_error: null });
    const rows = await queryRows<{ kind: string; status: string; attempts: number }>(
      db2.db,
      sql`select kind, status, attempts from jobs order by kind`,
    );
    // The two dead rows (the burst's reply and notice jobs ran and are done).
    expect(rows.filter((r) => r.kind === 'download-material' || r.kind === 'notify')).toEqual([
      { kind: 'download-material', status: 'pending', attempts: 0 },
      { kind: 'notify', status: 'dead', attempts: 8 },
    ]);

    // 3. A wrong flag is a usage error (exit 2); --all takes the rest.
    const bad = await inProcess('retry', '--everything');
    expect(bad.code).toBe(2);
    expect(bad.stderr + bad.stdout).toMatch(/jobs retry \(--id N \| --kind K \| --all\)/);
    const all = await inProcess('retry', '--all');
    expect(all.stdout.trim()).toBe('1 个任务已重新排队；其中 0 个文件重新等待下载');

    // 4. The next start downloads it (Lark answers now).
    const h2 = await startHarness({ db: db2, fake });
    try {
      const [stored] = await waitFor(
        'the material stored after the retry',
        () => materialsOf(db2.db, messageId),
        (ms) => ms[0]?.status === 'stored',
      );
      expect(stored!.sha256).toBe(sha256(bytes));
    } finally {
      await h2.close();
      await db2.close();
    }
  }, 240_000);
});
