import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { interceptStatements } from '../support/intercept-statements.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { waitFor } from '../support/wait-for.js';

const MINUTE = 60_000;
const OPS = 'oc_ops_busy';

/**
 * PostgreSQL refusing connections now and then (53300: another instance holds the last ones) paused the
 * work for a while and let it go again between alert rounds; the 「后台工作在等待」 alert followed each
 * round: 告警, 恢复正常, and again once the hour was over. The database being busy is told once it has
 * held for 10 minutes, and 恢复正常 once it has not been seen for 30.
 */
describe('database_busy that comes and goes: one alert and one 恢复正常', () => {
  let tdb: TestDb;
  let h: Harness;
  let busy = false;
  const clock = new ManualClock('2026-06-10T10:00:00+08:00');
  const tooMany = () =>
    Object.assign(new Error('sorry, too many clients already'), { code: '53300', severity: 'FATAL' });
  const waiting = (on: boolean) =>
    [h.bot.eventWorker, h.bot.jobWorker].every(
      (w) => w.waiting().some((x) => x.reason === 'database_busy') === on,
    );
  const cards = () =>
    h.fake
      .sentMessages()
      .filter((m) => m.receiveId === OPS)
      .map((m) => String((m.content as any)?.header?.title?.content ?? ''));

  /** The database refuses connections (the workers pause), or takes them again (they resume). */
  const setBusy = async (on: boolean) => {
    busy = on;
    if (on) for (const w of [h.bot.eventWorker, h.bot.jobWorker]) w.wake();
    await waitFor(on ? 'work waits for database_busy' : 'work resumes', () => waiting(on), {
      timeoutMs: 20_000,
    });
  };
  /** One alert round `minutes` after the last: the cards it sent. */
  const roundAfter = async (minutes: number) => {
    await clock.advance(minutes * MINUTE);
    const before = cards().length;
    await h.bot.checkAlerts();
    return cards().slice(before);
  };

  beforeAll(async () => {
    const real = await createTestDb();
    tdb = {
      ...real,
      db: interceptStatements(real.db, (_text, run) => (busy ? Promise.reject(tooMany()) : run())),
    };
    h = await startHarness({
      db: tdb,
      clock,
      env: { OPS_CHAT_ID: OPS, RESOURCE_RECHECK_SECONDS: '1' },
    });
  });
  afterAll(async () => {
    busy = false;
    await h.close();
    await tdb.close().catch(() => {});
  });

  it('says nothing for a busy spell shorter than 10 minutes, alerts once while it keeps coming back, and says 恢复正常 once after 30 quiet minutes', async () => {
    // A spell seen in one round only.
    await setBusy(true);
    expect(await roundAfter(0)).toEqual([]);
    await setBusy(false);
    expect(await roundAfter(5)).toEqual([]);
    // It keeps coming back between rounds for most of an hour and a half: one alert, when it has held 10 minutes.
    const sent: string[] = [];
    for (let i = 0; i < 9; i++) {
      await setBusy(true);
      await setBusy(false);
      sent.push(...(await roundAfter(5)));
      sent.push(...(await roundAfter(5)));
    }
    expect(sent).toEqual(['告警：后台工作在等待（磁盘、存储或数据库）']);
    // Last seen in the round before last: 恢复正常 only once 30 minutes have passed without it.
    const quiet: string[] = [];
    for (let i = 0; i < 4; i++) quiet.push(...(await roundAfter(5)));
    expect(quiet).toEqual([]);
    expect(await roundAfter(5)).toEqual(['恢复正常：后台工作在等待（磁盘、存储或数据库）']);
    expect(await roundAfter(5)).toEqual([]);
  });
});
