import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { interceptStatements } from '../support/intercept-statements.js';
import { messageEvent } from '../support/events.js';
import { waitFor } from './capture-helpers.js';

/**
 * PostgreSQL refusing a connection (53300, a pooled connection recycled after
 * max_lifetime or dropped, and another instance took its room) is `database_busy`, not
 * `database_unreachable` — /readyz included, as README and the commit say.
 */
describe('53300 is database_busy everywhere', () => {
  let tdb: TestDb;
  let h: Harness;
  let busy = false;
  const tooMany = () =>
    Object.assign(new Error('sorry, too many clients already'), { code: '53300', severity: 'FATAL' });

  beforeAll(async () => {
    const real = await createTestDb();
    tdb = {
      ...real,
      db: interceptStatements(real.db, (_text, run) => (busy ? Promise.reject(tooMany()) : run())),
    };
    h = await startHarness({ db: tdb });
  });
  afterAll(async () => {
    busy = false;
    await h.close();
    await tdb.close().catch(() => {});
  });

  it('/readyz names database_busy in checks.database when select 1 is refused with 53300', async () => {
    expect((await fetch(`${h.bot.url}/readyz`)).status).toBe(200);
    busy = true;
    // The workers' claims are refused too: all work waits for database_busy.
    await waitFor('workers wait for database_busy', () =>
      h.bot.eventWorker.waiting().some((w) => w.reason === 'database_busy'),
    );
    const res = await fetch(`${h.bot.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, unknown>; detail?: string };
    expect(body.checks.resources).toContain('database_busy');
    expect(body.detail).toBe('数据库连接数已满（max_connections）');
    expect(body.checks.database).toBe('database_busy');
  });

  it('a webhook push refused with 53300 answers 503 (Lark delivers it again)', async () => {
    busy = true;
    const ev = messageEvent({ appId: h.fake.appId, msgType: 'text', content: { text: '满了' } });
    expect((await h.post(ev)).status).toBe(503);
    busy = false;
    expect((await h.post(ev)).status).toBe(200);
  });
});
