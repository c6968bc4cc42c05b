import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { waitFor } from './capture-helpers.js';

/**
 * Issue 12 point 3: /metrics is cheap however many scrape it (figures refreshed at most every
 * METRICS_REFRESH_SECONDS, optionally behind a token), /readyz answers with reason codes, and
 * processed events and finished jobs are pruned after RETENTION_DAYS.
 */
const TOKEN = 'metrics-token-0123456789';
const DAY = 86_400_000;

describe('operations endpoints and retention', () => {
  let db: TestDb;
  let h: Harness;
  const old = new Date(Date.now() - 40 * DAY);
  const recent = new Date(Date.now() - 2 * DAY);

  beforeAll(async () => {
    db = await createTestDb();
    // Rows left by an earlier life of the bot: pruned or kept according to status and age.
    const ev = (id: string, status: string, at: Date) =>
      db.db
        .execute(sql`insert into inbound_events (event_id, event_type, source, payload, received_at, status,
          next_attempt_at, processed_at)
        values (${id}, 'im.message.receive_v1', 'webhook', '{}'::jsonb, ${at}, ${status}, ${at},
          ${status === 'pending' ? null : at})`);
    await ev('ev_old_done', 'done', old);
    await ev('ev_old_ignored', 'ignored', old);
    await ev('ev_old_dead', 'dead', old);
    await ev('ev_recent_done', 'done', recent);
    const job = (key: string, status: string, at: Date) =>
      db.db.execute(sql`insert into jobs (kind, key, payload, status, run_at, created_at, finished_at)
        values ('test-kind', ${key}, '{}'::jsonb, ${status}, ${at}, ${at}, ${status === 'done' ? at : null})`);
    await job('old-done', 'done', old);
    await job('old-dead', 'dead', old);
    await job('recent-done', 'done', recent);
    h = await startHarness({
      db,
      env: { RETENTION_DAYS: '30', METRICS_REFRESH_SECONDS: '3600', METRICS_TOKEN: TOKEN },
    });
  });
  afterAll(async () => {
    await h.close();
    await db.close().catch(() => {});
  });

  it('prunes processed events and finished jobs older than RETENTION_DAYS at start; keeps dead and recent rows', async () => {
    await waitFor('the pruning at start', () =>
      h.bot.metrics.value('retention_pruned_total', { table: 'jobs' }),
    );
    const events = await queryRows<{ event_id: string }>(
      db.db,
      sql`select event_id from inbound_events where event_id like 'ev\_%' order by event_id`,
    );
    expect(events.map((e) => e.event_id)).toEqual(['ev_old_dead', 'ev_recent_done']);
    const jobs = await queryRows<{ key: string }>(
      db.db,
      sql`select key from jobs where kind = 'test-kind' order by key`,
    );
    expect(jobs.map((j) => j.key)).toEqual(['old-dead', 'recent-done']);
    expect(h.bot.metrics.value('retention_pruned_total', { table: 'inbound_events' })).toBe(2);
  });

  it('/metrics wants the token when one is configured', async () => {
    expect((await fetch(`${h.bot.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${h.bot.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${h.bot.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/queue_jobs_rows\{status="dead"\} 1/);
  });

  it('20 concurrent scrapes share one refresh: figures change only after METRICS_REFRESH_SECONDS', async () => {
    const scrape = async () =>
      (await fetch(`${h.bot.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const deadJobs = (text: string) => /queue_jobs_rows\{status="dead"\} (\d+)/.exec(text)?.[1];
    const first = await Promise.all(Array.from({ length: 20 }, scrape));
    expect(new Set(first.map(deadJobs))).toEqual(new Set(['1']));
    // A new dead job is not seen until the cached figures are older than the refresh period.
    await db.db.execute(sql`insert into jobs (kind, key, payload, status, run_at, created_at)
      values ('test-kind', 'new-dead', '{}'::jsonb, 'dead', now(), now())`);
    expect(deadJobs(await scrape())).toBe('1');
  });

  it('/readyz answers a reason code, never the database error', async () => {
    const ok = await fetch(`${h.bot.url}/readyz`);
    expect(ok.status).toBe(200);
    await db.shutDown();
    const down = await fetch(`${h.bot.url}/readyz`);
    expect(down.status).toBe(503);
    const body = await down.text();
    expect(JSON.parse(body).checks.database).toBe('database_unreachable');
    // The person asking reads it in Chinese.
    expect(JSON.parse(body).detail).toBe('数据库连不上');
    expect(body).not.toMatch(/closed|PGlite|ECONN|password|postgres:\/\//i);
  });
});
