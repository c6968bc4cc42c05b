import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDb, queryRows } from '../../src/db/client.js';
import { webhookBotEnv } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../support/events.js';
import { signedRequest } from '../support/lark-sign.js';
import { processTest } from '../support/process-test.js';
import { repliesTo, replyText, sha256, smallPhoto, waitFor } from './capture-helpers.js';

/**
 * Fast recovery (issue 12, point 6) through a real process killed with SIGKILL mid-download, on an
 * embedded data folder: the restart is not refused (the stale folder lock names a process that is
 * gone), the rows the dead process held are reclaimed at start (not after the 300 s lease), its
 * `.part` file is removed, and the burst reply follows.
 */
describe.skipIf(process.env.TEST_DATABASE_URL)('recovery after kill -9 (embedded PGlite)', () => {
  const t = processTest('archive-bot-crash');
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await seededDataDir('data', { parent: t.tmp });
  });

  const start = () => {
    const p = t.startProcess(process.execPath, ['dist/main.js'], {
      ...webhookBotEnv(t.fake, dataDir),
      ALERT_CHECK_MINUTES: '0',
      MIN_FREE_DISK_MB: '1',
      // Long enough that the two photos form one burst however slowly a busy machine posts them.
      BURST_QUIET_SECONDS: '5',
      // The reply waits for the hanging download however long the machine takes to reach the kill, so it
      // can only come after the restart (by default it would say 「还有 1 个正在下载」 after 10 s).
      BURST_DOWNLOAD_WAIT_SECONDS: '600',
      // The default lease: reclaiming by lease would take minutes.
      WORKER_LEASE_SECONDS: '300',
    });
    return p;
  };
  const tempFiles = () => {
    try {
      return readdirSync(join(dataDir, 'files', 'tmp'));
    } catch {
      return [];
    }
  };

  it(
    'restart is accepted at once, the dead rows and .part file are reclaimed at start, and the burst reply comes',
    { timeout: 240_000 },
    async () => {
      const first = start();
      const { url } = await first.started();
      const chatId = 'oc_crash_chat';
      const photos = [await smallPhoto('png', 200), await smallPhoto('png', 200)];
      const ids: string[] = [];
      for (const [i, bytes] of photos.entries()) {
        const key = `img_crash_${i}`;
        const ev = messageEvent({
          appId: t.fake.appId,
          chatId,
          msgType: 'image',
          content: { image_key: key },
        });
        ids.push(ev.event.message.message_id);
        t.fake.addResource({ messageId: ev.event.message.message_id, fileKey: key, bytes });
        // The second photo's download hangs after a few bytes: in flight, with a temp file, at the kill.
        if (i === 1)
          t.fake.inject({ path: /\/resources\/img_crash_1$/, times: 1, fault: { stallAfterBytes: 1000 } });
        const req = signedRequest(ev, TEST_ENCRYPT_KEY);
        expect((await fetch(`${url}/lark/events`, { method: 'POST', ...req })).status).toBe(200);
      }
      // The hanging request reached the fake Lark (its fault is spent: the restart downloads at once),
      // and one temp file is there on two looks in a row: a download's, not the write probe each
      // download writes and deletes just before its request.
      let seen: string | undefined;
      await waitFor(
        'the hanging download with its temp file',
        () => {
          const files = tempFiles();
          const stable = files.length === 1 && files[0] === seen;
          seen = files.length === 1 ? files[0] : undefined;
          return stable && t.fake.callsTo('GET', /\/resources\/img_crash_1$/).length === 1;
        },
        { timeoutMs: 60_000 },
      );
      const [part] = tempFiles();
      expect(part).toMatch(/\.part$/);

      first.kill('SIGKILL');
      await first.exit;
      // The dead process left its lock (fresh: not stale for seconds) and its temp file behind.
      expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);
      expect(existsSync(join(dataDir, 'pglite.owner'))).toBe(true);
      expect(repliesTo(t.fake, ids[0]!)).toEqual([]);

      const second = start();
      await second.started();
      expect(second.stderr()).not.toMatch(/正被.*使用/);
      const logs = () => second.logs();
      await waitFor(
        'the rows of the killed process reclaimed at start',
        () => logs().find((l) => l.msg === 'reclaimed rows of a worker process that is gone'),
        { timeoutMs: 60_000 },
      );
      const [reply] = await waitFor(
        'the burst reply',
        () => repliesTo(t.fake, ids[0]!),
        (r) => r.length > 0,
        {
          timeoutMs: 60_000,
        },
      );
      expect(replyText(reply)).toMatch(/收到 2 张照片/);
      expect(replyText(reply)).not.toMatch(/重新发送/);
      // The sweeper by lease never ran for them: no row waited for the 300 s lease.
      expect(logs().some((l) => l.msg === 'sweeper reclaimed rows of a dead worker')).toBe(false);
      expect(tempFiles()).toEqual([]);

      second.kill('SIGTERM');
      expect(await second.exit).toBe(0);
      const database = await openDb({ dataDir });
      try {
        const mats = await queryRows<{ status: string; sha256: string }>(
          database.db,
          sql`select status, sha256 from materials order by id`,
        );
        expect(mats).toEqual(photos.map((b) => ({ status: 'stored', sha256: sha256(b) })));
        expect(await queryRows(database.db, sql`select id from jobs where status not in ('done')`)).toEqual(
          [],
        );
      } finally {
        await database.close();
      }
    },
  );
});
