import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { awakeNow, ManualClock } from '../support/manual-clock.js';

/**
 * /metrics while the database is away: the queue figures cannot be read. They were left out without a
 * word (200, rows missing), and a Prometheus graph showed a gap, not a problem. Now each figure read
 * at scrape time has metrics_collect_failed{series} (0 read, 1 not), the other figures still scrape
 * (200), and the log says it once per outage, not once per scrape.
 */
describe('/metrics with the database away', () => {
  let h: Harness;
  const clock = new ManualClock(awakeNow());
  const logs: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
        done();
      },
    });
    h = await startHarness({ clock, env: { LOG_LEVEL: 'info' }, logDestination: sink });
  });
  afterAll(() => h?.close());

  const scrape = async () => {
    const res = await fetch(`${h.bot.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const QUEUE_SERIES = [
    'queue_inbound_events_rows',
    'queue_inbound_events_lag_seconds',
    'queue_jobs_rows',
    'queue_jobs_lag_seconds',
  ];
  // Every series read from the database: the queues', and the admins the ops alerts go to (the doctor's 告警去向).
  const DATABASE_SERIES = ['ops_alert_admins', ...QUEUE_SERIES];
  const failedLine = (series: string, v: 0 | 1) => `\nmetrics_collect_failed{series="${series}"} ${v}\n`;
  const collectWarnings = () =>
    logs.filter((l) => l.level === 40 && l.msg.startsWith('metrics: figures could not be read'));

  it('says which series could not be read (1), keeps 200 and the other figures, logs once', async () => {
    const before = await scrape();
    expect(before).toMatch(/\nqueue_jobs_rows\{status="dead"\} 0\n/);
    for (const s of DATABASE_SERIES) expect(before).toContain(failedLine(s, 0));
    expect(collectWarnings()).toEqual([]);

    await h.db.shutDown();
    // Past METRICS_REFRESH_SECONDS (15 s): the next scrape reads the database again.
    await clock.advance(16_000);
    const during = await Promise.all([scrape(), scrape(), scrape()]);
    during.push(await scrape());
    for (const text of during) {
      for (const s of DATABASE_SERIES) {
        expect(text).toContain(failedLine(s, 1));
        expect(text).not.toMatch(new RegExp(`\\n${s}(\\{[^}]*\\})? `));
      }
      // A figure that needs no database is still there, and read.
      expect(text).toContain(failedLine('lark_seconds_since_last_event', 0));
      expect(text).toContain('# TYPE metrics_collect_failed gauge');
    }
    // One warn line for the outage (four scrapes), naming the series; no database address in the log.
    const warned = collectWarnings();
    expect(warned).toHaveLength(1);
    expect(warned[0]!.series).toEqual(DATABASE_SERIES);
    expect(JSON.stringify(logs)).not.toMatch(/postgres:\/\/|password/i);
  });
});
