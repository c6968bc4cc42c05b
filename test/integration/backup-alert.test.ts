import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInstallation } from '../../src/db/repos/installation.js';
import { runDoctor } from '../../src/ops/doctor.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';
import { startHarness, type Harness } from '../support/harness.js';
import { awakeNow, ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

const HOUR = 3_600_000;
const OPS = 'oc_ops_backup';
const TITLE = '备份没有按时完成';
const pgUrl = process.env.TEST_DATABASE_URL;
const hasPgTools = spawnSync('pg_dump', ['--version']).status === 0;

/**
 * A failed or incomplete nightly backup showed only in the system journal (`systemctl --failed`): a
 * backup disk that filled up could fail every night for months unnoticed. The backup command records how
 * it ended in DATA_DIR/backup-status.json; the bot's alert round raises 「备份没有按时完成」 for a failed or
 * incomplete backup, a complete one older than BACKUP_ALERT_HOURS, or none at all a week after the
 * install, and says 恢复正常 once a complete backup is made. The backups here are the real command's.
 */
describe.skipIf(pgUrl && !hasPgTools)('the backups, watched by the bot: 「备份没有按时完成」', () => {
  let db: TestDb;
  let h: Harness;
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-backup-alert-'));
  const clock = new ManualClock(awakeNow());
  const env = () => ({
    DATA_DIR: h.dataDir,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ARCHIVE_CONFIG: TEST_ARCHIVE_YAML,
    TZ: 'Asia/Shanghai',
  });
  const backup = (out: string) => cliInProcess(['backup', '--out', out], env());
  /** One alert round `ms` later: the backup cards it sent, [title, body]. */
  const round = async (ms: number) => {
    await clock.advance(ms);
    const before = h.fake.sentMessages().length;
    await h.bot.checkAlerts();
    return h.fake
      .sentMessages()
      .slice(before)
      .filter((m) => m.receiveId === OPS)
      .map((m) => [String((m.content as any)?.header?.title?.content ?? ''), JSON.stringify(m.content)])
      .filter(([title]) => title!.endsWith(TITLE));
  };

  beforeAll(async () => {
    db = await createTestDb();
    // Installed six and a half days ago: no backup yet is not told on the first days.
    await ensureInstallation(db.db, new Date(clock.now().getTime() - 6.5 * 24 * HOUR));
    h = await startHarness({
      db,
      clock,
      env: { OPS_CHAT_ID: OPS, ALERT_INTERVAL_MINUTES: '1', BACKUP_ALERT_HOURS: '36' },
    });
    // The embedded database as the bot's data folder holds it (the backup opens DATA_DIR/pglite).
    if (!pgUrl) {
      const dump = await db.pglite!.dumpDataDir('none');
      const onDisk = await PGlite.create(join(h.dataDir, 'pglite'), {
        loadDataDir: new Blob([await dump.arrayBuffer()]),
      });
      await onDisk.close();
    }
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await db?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('none a week after the install, failed, incomplete, too old: told; a complete backup clears it', async () => {
    expect(await round(0)).toEqual([]);
    const never = await round(12 * HOUR);
    expect(never.map((c) => c[0])).toEqual([`告警：${TITLE}`]);
    expect(never[0]![1]).toContain('还没有做过备份（机器人已运行 7 天）');

    const first = join(tmp, 'first');
    expect((await backup(first)).code).toBe(0);
    const cleared = await round(60_000);
    expect(cleared.map((c) => c[0])).toEqual([`恢复正常：${TITLE}`]);
    expect(cleared[0]![1]).toContain(first);
    expect(await round(60_000)).toEqual([]);

    // A stored original rots: the backup leaves it out (exit 3).
    const bytes = Buffer.from('照片的原件');
    const sha = createHash('sha256').update('另一份内容').digest('hex');
    const rotted = join(h.dataDir, 'files', 'blobs', sha.slice(0, 2), sha.slice(2, 4));
    mkdirSync(rotted, { recursive: true });
    writeFileSync(join(rotted, sha), bytes);
    const second = join(tmp, 'second');
    expect((await backup(second)).code).toBe(3);
    const incomplete = await round(2 * 60_000);
    expect(incomplete.map((c) => c[0])).toEqual([`告警：${TITLE}`]);
    expect(incomplete[0]![1]).toContain(`${second}）不完整：1 个文件已损坏或不见了`);
    expect(incomplete[0]![1]).toContain(`上一次完整的备份：`);
    expect(incomplete[0]![1]).toContain(`${first}，损坏的文件从那里找回`);

    // Put back: complete again.
    rmSync(join(rotted, sha));
    const third = join(tmp, 'third');
    expect((await backup(third)).code).toBe(0);
    expect((await round(2 * 60_000)).map((c) => c[0])).toEqual([`恢复正常：${TITLE}`]);

    // The backup fails (its folder is not empty): told, naming why and the last complete one.
    const failed = await backup(third);
    expect(failed.code).toBe(1);
    const told = await round(2 * 60_000);
    expect(told.map((c) => c[0])).toEqual([`告警：${TITLE}`]);
    expect(told[0]![1]).toContain(`失败了：备份目录 ${third} 不是空的`);
    expect(told[0]![1]).toContain(third);

    const fourth = join(tmp, 'fourth');
    expect((await backup(fourth)).code).toBe(0);
    expect((await round(2 * 60_000)).map((c) => c[0])).toEqual([`恢复正常：${TITLE}`]);

    // /readyz and the check-up show the last backup.
    const ready = (await (await fetch(`${h.bot.url}/readyz`)).json()) as any;
    expect(ready.lastBackup).toMatchObject({ outcome: 'complete' });
    const doctorLine = async () =>
      (
        await runDoctor(
          {
            LARK_APP_ID: h.fake.appId,
            LARK_APP_SECRET: h.fake.appSecret,
            LARK_DOMAIN: h.fake.baseUrl,
            DATA_DIR: h.dataDir,
            HOST: '127.0.0.1',
            PORT: new URL(h.bot.url).port,
            ...(db.url ? { DATABASE_URL: db.url } : {}),
          },
          clock.now(),
        )
      ).find((l) => l.label === '备份');
    expect(await doctorLine()).toMatchObject({ status: 'ok', detail: expect.stringContaining(fourth) });

    // No backup for 37 hours (the nightly timer stopped): told again.
    const stale = await round(37 * HOUR);
    expect(stale.map((c) => c[0])).toEqual([`告警：${TITLE}`]);
    expect(stale[0]![1]).toMatch(/已经 \d+ 小时没有新的备份了/);
    expect(await doctorLine()).toMatchObject({ status: 'warn' });
  }, 300_000);
});
