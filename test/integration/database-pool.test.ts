import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, queryRows, type Database } from '../../src/db/client.js';
import { fitPool } from '../../src/db/fit-pool.js';
import { createLogger } from '../../src/logger.js';
import { webhookBotEnv, type BotProcess } from '../support/bot-process.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../support/events.js';
import { signedRequest } from '../support/lark-sign.js';
import { processTest } from '../support/process-test.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { waitFor } from '../support/wait-for.js';
import { smallPhoto } from './capture-helpers.js';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
if (!onPostgres)
  console.warn('database-pool: skipped (the connection pool is PostgreSQL only: TEST_DATABASE_URL)');

/**
 * DATABASE_POOL_SIZE: a bot process opens all its PostgreSQL connections at start, and a server that
 * refuses some (here a role's CONNECTION LIMIT, as max_connections would) is a warning at start while
 * the bot runs on those it got (postgres.js would otherwise send statements to the refused slots). The bot logs in as a role of its own (a member of the test's superuser
 * role, so it may use every table, but not a superuser: the limit holds for it).
 */
describe.skipIf(!onPostgres)('the PostgreSQL connection pool', () => {
  const t = processTest('archive-bot-pool');
  let tdb: TestDb;
  let admin: postgres.Sql;
  let dataDir: string;
  const role = `pool_bot_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    dataDir = t.tmp;
    tdb = await createTestDb();
    admin = postgres(tdb.url!, { max: 1, onnotice: () => {} });
    const owner = (await admin<{ u: string }[]>`select current_user as u`)[0]!.u;
    await admin.unsafe(`create role ${role} login`);
    await admin.unsafe(`grant "${owner}" to ${role}`);
  }, 300_000);
  t.onClose(async () => {
    await admin?.unsafe(`drop role if exists ${role}`).catch(() => {});
    await admin?.end();
    await tdb?.close();
  });

  const start = (poolSize: number) => {
    const url = new URL(tdb.url!);
    url.username = role;
    const p = t.startProcess(process.execPath, ['dist/main.js'], {
      ...webhookBotEnv(t.fake, mkdtempSync(join(dataDir, 'instance-'))),
      DATABASE_URL: url.toString(),
      DATABASE_POOL_SIZE: String(poolSize),
      ALERT_CHECK_MINUTES: '0',
      MIN_FREE_DISK_MB: '1',
    });
    return p;
  };
  const connections = async () =>
    (
      await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where usename = ${role}`
    )[0]!.n;
  const stop = async (p: BotProcess) => {
    p.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  };

  it('opens every connection at start, before any event arrives', async () => {
    await admin.unsafe(`alter role ${role} connection limit -1`);
    const bot = start(12);
    await bot.started();
    expect(await connections()).toBe(12);
    expect(bot.logs().filter((l) => l.level >= 40)).toEqual([]);
    await stop(bot);
    expect(await connections()).toBe(0);
  }, 120_000);

  it('warns at start when the server refuses some, and does all its work on the rest', async () => {
    await admin.unsafe(`alter role ${role} connection limit 2`);
    const bot = start(5);
    const { url } = await bot.started();
    const warning = bot.logs().find((l) => /fewer connections than DATABASE_POOL_SIZE/.test(l.msg));
    expect(warning).toMatchObject({ level: 40, asked: 5, open: 2, refusal: '53300' });
    expect(await connections()).toBe(2);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // A burst of photos from two chats: every one stored, no statement refused on the way.
    const events = [];
    for (let i = 0; i < 12; i++) {
      const key = `img_pool_${i}`;
      const ev = messageEvent({
        appId: t.fake.appId,
        chatId: `oc_pool_${i % 2}`,
        senderOpenId: `ou_pool_${i % 2}`,
        msgType: 'image',
        content: { image_key: key },
      });
      const bytes = await smallPhoto('png', 40 + i);
      t.fake.addResource({ messageId: ev.event.message.message_id, fileKey: key, bytes });
      events.push(ev);
    }
    const statuses = await Promise.all(
      events.map(async (ev) => {
        const req = signedRequest(ev, TEST_ENCRYPT_KEY);
        return (await fetch(`${url}/lark/events`, { method: 'POST', ...req })).status;
      }),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const list = sql.raw(`('${events.map((e) => e.event.message.message_id).join("','")}')`);
    const stored = async () =>
      (
        await queryRows<{ n: number }>(
          tdb.db,
          sql`select count(*)::int as n from materials where message_id in ${list} and status = 'stored'`,
        )
      )[0]!.n;
    await waitFor('every photo stored', stored, (n) => n === events.length, { timeoutMs: 60_000 });
    const refused = await queryRows<{ n: number }>(
      tdb.db,
      sql`select (select count(*) from jobs where last_error is not null)::int
           + (select count(*) from inbound_events where last_error is not null)::int as n`,
    );
    expect(refused[0]!.n).toBe(0);
    expect(await connections()).toBe(2);
    await stop(bot);
  }, 120_000);
  it('fits the pool again when another client takes room between the close and the reopen', async () => {
    await admin.unsafe(`alter role ${role} connection limit 3`);
    const url = new URL(tdb.url!);
    url.username = role;
    let squatter: postgres.Sql | undefined;
    const reopened: Database[] = [];
    const fitted = await fitPool(
      openPostgres(url.toString(), 5),
      async (size) => {
        // Another instance starting at the same moment takes one of the 3.
        if (!squatter) {
          squatter = postgres(url.toString(), { max: 1, onnotice: () => {} });
          await squatter`select 1`;
        }
        const d = openPostgres(url.toString(), size);
        reopened.push(d);
        return d;
      },
      createLogger('silent'),
    );
    expect(reopened).toHaveLength(2);
    expect(fitted).toBe(reopened[1]);
    expect(await connections()).toBe(3);
    // Every statement finds a connection: none is sent to a slot the server refuses.
    const tries = await Promise.allSettled(
      Array.from({ length: 8 }, () => fitted.db.execute(sql`select pg_sleep(0.05)`)),
    );
    expect(tries.filter((t) => t.status === 'rejected')).toEqual([]);
    await fitted.close();
    await squatter!.end();
    expect(await connections()).toBe(0);
  }, 60_000);
});
