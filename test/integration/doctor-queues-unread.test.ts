import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/db/lock-data-dir.js';
import { bundledMigrations } from '../../src/db/migration-state.js';
import { webhookBotEnv } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startHarness, type Harness } from '../support/harness.js';
import { awakeNow, ManualClock } from '../support/manual-clock.js';

/**
 * `doctor` while the bot holds the embedded database reads the queues from the bot's /metrics. When the
 * bot could not read them (its database away: the figures are left out and
 * metrics_collect_failed{series} is 1), the doctor read the missing figures as 0 and printed
 * 「✓ 事件队列：待处理 0，处理中 0，失败（死信）0」 — all well, while nobody could see the dead rows. It
 * now says the figures could not be read, why, and what to do (✗).
 */
describe('doctor with the bot unable to read its queue figures', () => {
  let h: Harness;
  let release: () => Promise<void>;
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock });
    // The bot holds the embedded database, as a bot on PGlite does: the doctor must ask it.
    mkdirSync(join(h.dataDir, 'pglite'));
    release = await lockDataDir(join(h.dataDir, 'pglite'), 'bot');
  });
  afterAll(async () => {
    await release?.();
    await h?.close();
  });

  const doctor = () =>
    cliInProcess(['doctor'], {
      ...webhookBotEnv(h.fake, h.dataDir),
      PORT: new URL(h.bot.url).port,
      MIN_FREE_DISK_MB: '1',
      LOG_LEVEL: 'silent',
    });

  it('says the figures could not be read, naming why and what to do, never 待处理 0', async () => {
    const before = await doctor();
    expect(before.stdout).toMatch(/✓ 数据库：内置 PGlite（.*）：由运行中的机器人使用/);
    expect(before.stdout).toContain('✓ 事件队列：待处理 0，处理中 0，失败（死信）0');
    expect(before.stdout).toContain('✓ 任务队列：待处理 0，处理中 0，失败（死信）0');

    await h.db.shutDown();
    // Past METRICS_REFRESH_SECONDS (15 s): the next scrape reads the database again, and fails.
    await clock.advance(16_000);
    const during = await doctor();
    expect(during.stdout).toMatch(/✓ 数据库：内置 PGlite（.*）：由运行中的机器人使用/);
    for (const [label, series] of [
      ['事件队列', 'queue_inbound_events_rows'],
      ['任务队列', 'queue_jobs_rows'],
    ])
      expect(during.stdout).toContain(
        `✗ ${label}：读不到：机器人从数据库读这些数字失败（/metrics：metrics_collect_failed{series="${series}"} 为 1），` +
          '待处理和失败（死信）的行数不明（不是 0）。原因见日志（journalctl -u archive-bot 里的 metrics: figures could not be read）' +
          '和上面的「机器人」一行；数据库恢复后再运行 doctor',
      );
    expect(during.stdout).not.toContain('待处理 0');
    expect(during.code).toBe(1);
  });
});

/**
 * During an upgrade the check-up said ✓ 数据库 「由运行中的机器人使用（启动时已执行迁移）」 whenever it could not
 * tell how far the running bot migrated (its /metrics unread, or an older bot without the version
 * figure), while the installed program may ship migrations it has not applied. That is ! now, saying
 * the new migrations run at the restart and to back up first.
 */
describe('doctor when the running bot does not say how far it migrated', () => {
  let h: Harness;
  let release: () => Promise<void>;
  beforeAll(async () => {
    h = await startHarness({ env: { METRICS_TOKEN: 'the-bots-own-token-0123456789' } });
    mkdirSync(join(h.dataDir, 'pglite'));
    release = await lockDataDir(join(h.dataDir, 'pglite'), 'bot');
  });
  afterAll(async () => {
    await release?.();
    await h?.close();
  });

  it('is ! with the restart and the backup, never ✓ 启动时已执行迁移', async () => {
    const res = await cliInProcess(['doctor'], {
      ...webhookBotEnv(h.fake, h.dataDir),
      PORT: new URL(h.bot.url).port,
      MIN_FREE_DISK_MB: '1',
      LOG_LEVEL: 'silent',
    });
    expect(res.stdout).toMatch(
      new RegExp(
        '! 数据库：内置 PGlite（.*）：由运行中的机器人使用，看不到它执行到第几个迁移（读不到它的 /metrics）。' +
          `安装的程序有 ${bundledMigrations().length} 个迁移，运行的若是旧版本，新的迁移要等重启时执行，` +
          '执行后旧版本的程序就打不开这个数据库：重启前先备份（npm run cli -- backup --out 新目录；内置数据库要先停止机器人）',
      ),
    );
    expect(res.stdout).not.toContain('启动时已执行迁移');
  });
});
