import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBaseConfig } from '../../src/config.js';
import { queryRows } from '../../src/db/client.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { createWorkingCalendar, localDay, localMinutes } from '../../src/domain/working-days.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import { openBlobStore } from '../../src/storage/open-blob-store.js';
import { webhookBotEnv, type BotProcess } from '../support/bot-process.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../support/events.js';
import { attachWsGateway, type WsGateway } from '../support/fake-lark/ws-gateway.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';
import { signedRequest } from '../support/lark-sign.js';
import { processTest } from '../support/process-test.js';
import { seedOrg } from '../support/seed-org.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { smallPhoto, waitFor } from './capture-helpers.js';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
if (!onPostgres)
  console.warn('multi-instance: skipped (several instances need PostgreSQL: TEST_DATABASE_URL)');

const CHATS = 6;
const PHOTOS_PER_CHAT = 8;

/**
 * A grown deployment (issue 17): two bot processes on one PostgreSQL database and one S3 bucket
 * (s3rver), each with a data folder of its own (only its spool); webhook pushes spread over both as a
 * load balancer would, or both on Lark's long connection; one is killed with SIGKILL mid-stream and
 * Lark delivers again what it did not acknowledge, to the other. Every event processed once, every
 * photo stored once (its bytes read back from the bucket hash right; one object per photo, nothing
 * half-uploaded left), every burst answered once, and Lark's limits kept by the pair (the fake refuses
 * beyond 50/s per API).
 */
describe.skipIf(!onPostgres)('two instances on one PostgreSQL database', () => {
  const t = processTest('archive-bot-multi');
  let tdb: TestDb;
  let s3: LocalS3;
  /** The bucket as the bots see it (reads verify every blob against its hash). */
  let bucket: BlobStore;
  let dataDir: string;
  const procs: BotProcess[] = [];
  /** SHA-256 of each photo the fake serves, by message id. */
  const served = new Map<string, string>();
  beforeAll(async () => {
    dataDir = t.tmp;
    tdb = await createTestDb();
    s3 = await startLocalS3();
    bucket = (
      await openBlobStore({
        dataDir: join(dataDir, 'reader'),
        blobStore: loadBaseConfig({ ...s3.env('multi/'), DATA_DIR: dataDir }).blobStore,
      })
    ).blobs;
  }, 300_000);
  t.onClose(async () => {
    await tdb?.close();
    await s3?.close();
  });

  const start = (mode: 'webhook' | 'ws' = 'webhook', env: Record<string, string> = {}) => {
    const p = t.startProcess(process.execPath, ['dist/main.js'], {
      // One store for both: the bucket. Each instance has a folder of its own (its spool only).
      ...webhookBotEnv(t.fake, mkdtempSync(join(dataDir, 'instance-'))),
      ...s3.env('multi/'),
      LARK_EVENT_MODE: mode,
      DATABASE_URL: tdb.url!,
      ALERT_CHECK_MINUTES: '0',
      MIN_FREE_DISK_MB: '1',
      BURST_QUIET_SECONDS: '1',
      // The survivor takes over the killed instance's rows once their lease runs out.
      WORKER_LEASE_SECONDS: '6',
      ...env,
    });
    procs.push(p);
    return p;
  };

  /** Photos from several chats, each served by the fake. */
  const photoPushes = async (tag: string) => {
    const pushes: { body: object; messageId: string }[] = [];
    for (let c = 0; c < CHATS; c++)
      for (let i = 0; i < PHOTOS_PER_CHAT; i++) {
        const key = `img_${tag}_${c}_${i}`;
        const ev = messageEvent({
          appId: t.fake.appId,
          chatId: `oc_${tag}_${c}`,
          senderOpenId: `ou_${tag}_${c}`,
          msgType: 'image',
          content: { image_key: key },
        });
        const bytes = await smallPhoto('png', 64 + c * PHOTOS_PER_CHAT + i);
        t.fake.addResource({ messageId: ev.event.message.message_id, fileKey: key, bytes });
        served.set(ev.event.message.message_id, createHash('sha256').update(bytes).digest('hex'));
        pushes.push({ body: ev, messageId: ev.event.message.message_id });
      }
    return pushes;
  };

  /** Every message recorded once and its photo stored once; every burst of them answered once. */
  const expectAllOnce = async (ids: string[]) => {
    const list = sql.raw(`('${ids.join("','")}')`);
    const stored = () =>
      queryRows<{ n: number }>(
        tdb.db,
        sql`select count(*)::int as n from materials where message_id in ${list} and status = 'stored'`,
      ).then((r) => r[0]!.n);
    await waitFor('every photo stored', stored, (n) => n === ids.length, { timeoutMs: 120_000 });
    const answered = () =>
      queryRows<{ n: number }>(
        tdb.db,
        sql`select count(*)::int as n from bursts where ack_message_id is null and first_message_id in ${list}`,
      ).then((r) => r[0]!.n);
    await waitFor('every burst answered', answered, (n) => n === 0, { timeoutMs: 120_000 });

    const perMessage = await queryRows<{ message_id: string; events: number; materials: number }>(
      tdb.db,
      sql`select e.message_id, count(distinct e.id)::int as events, count(distinct m.id)::int as materials
          from inbound_events e left join materials m on m.message_id = e.message_id
          where e.message_id in ${list} group by e.message_id`,
    );
    expect(perMessage).toHaveLength(ids.length);
    expect(perMessage.every((r) => r.events === 1 && r.materials === 1)).toBe(true);
    const bursts = await queryRows<{ id: number; ack: string }>(
      tdb.db,
      sql`select id::int as id, ack_message_id as ack from bursts where first_message_id in ${list}`,
    );
    expect(bursts.length).toBeGreaterThanOrEqual(CHATS);
    // Each burst's reply went out once: one reply message per burst, none repeated.
    const replies = t.fake.sentMessages().filter((m) => m.replyTo && ids.includes(m.replyTo));
    expect(replies).toHaveLength(bursts.length);
    expect(new Set(replies.map((r) => r.replyTo)).size).toBe(bursts.length);

    // Each photo's bytes are in the bucket under its hash, as served (read back and hashed).
    const rows = await queryRows<{ message_id: string; sha256: string; storage_key: string }>(
      tdb.db,
      sql`select message_id, sha256, storage_key from materials where message_id in ${list}`,
    );
    for (const r of rows) {
      expect(r.sha256).toBe(served.get(r.message_id));
      const hash = createHash('sha256');
      for await (const chunk of bucket.openRead(r.storage_key, { verify: false }))
        hash.update(chunk as Buffer);
      expect(hash.digest('hex')).toBe(r.sha256);
    }
    // One object per stored photo (every photo is distinct), none without its row, no upload left open.
    const keys: string[] = [];
    for await (const page of bucket.listBlobs()) keys.push(...page);
    const all = await queryRows<{ key: string }>(
      tdb.db,
      sql`select distinct storage_key as key from materials where status = 'stored'`,
    );
    expect(keys.sort()).toEqual(all.map((r) => r.key).sort());
    expect(await bucket.cleanupTemp(new Date())).toBe(0);
  };

  it(
    'webhook pushes spread over both, one killed mid-stream: everything recorded, stored and answered once',
    { timeout: 240_000 },
    async () => {
      t.fake.enforceRateLimit({ path: /\/resources\//, perSecond: 50 });
      t.fake.enforceRateLimit({ method: 'POST', path: /^\/open-apis\/im\/v1\/messages/, perSecond: 50 });
      const a = start();
      const b = start();
      const urls = [(await a.started()).url, (await b.started()).url];

      const pushes = await photoPushes('wh');
      const post = async (url: string, body: object) => {
        try {
          const req = signedRequest(body, TEST_ENCRYPT_KEY);
          return (await fetch(`${url}/lark/events`, { method: 'POST', ...req })).status === 200;
        } catch {
          return false; // the instance is gone: Lark retries later
        }
      };

      // Spread over both; instance a is killed once a third has been pushed.
      const failed: object[] = [];
      for (const [i, p] of pushes.entries()) {
        if (i === Math.floor(pushes.length / 3)) {
          await waitFor('instance a at work', () => a.logs().some((l) => l.msg === 'material stored'));
          a.kill('SIGKILL');
          await a.exit;
        }
        if (!(await post(urls[i % 2]!, p.body))) failed.push(p.body);
      }
      // Lark redelivers what was not acknowledged (to whichever instance answers) and a few that were.
      for (const body of [...failed, pushes[0]!.body, pushes[1]!.body])
        expect(await post(urls[1]!, body)).toBe(true);

      await expectAllOnce(pushes.map((p) => p.messageId));
      expect(t.fake.rateLimited).toBe(0);
      // Both instances stored photos (the survivor also those the killed one had taken).
      for (const p of [a, b]) expect(p.logs().some((l) => l.msg === 'material stored')).toBe(true);
    },
  );

  it(
    'long connection with both connected, one killed mid-stream: everything recorded, stored and answered once',
    { timeout: 240_000 },
    async () => {
      const gw: WsGateway = attachWsGateway(t.fake, { spread: true });
      try {
        const a = start('ws');
        const b = start('ws');
        await Promise.all([a.started(), b.started()]);
        await waitFor('both connected', () => gw.connectionCount() === 2);
        const pushes = await photoPushes('ws');
        const unanswered: object[] = [];
        for (const [i, p] of pushes.entries()) {
          if (i === Math.floor(pushes.length / 3)) {
            await waitFor('instance a at work', () => a.logs().some((l) => l.msg === 'material stored'));
            a.kill('SIGKILL');
            await a.exit;
            await waitFor('the killed connection gone', () => gw.connectionCount() === 1);
          }
          const ack = await gw.pushEvent(p.body, { timeoutMs: 3000 }).catch(() => undefined);
          if (ack?.code !== 200) unanswered.push(p.body);
        }
        // Lark pushes again what was not acknowledged (now to the one left).
        for (const body of unanswered) expect((await gw.pushEvent(body)).code).toBe(200);
        await expectAllOnce(pushes.map((p) => p.messageId));
        for (const p of [a, b]) expect(p.logs().some((l) => l.msg === 'material stored')).toBe(true);
      } finally {
        await gw.close();
      }
    },
  );

  it('a reminder due in both instances when they start is sent once', { timeout: 240_000 }, async () => {
    // Only this test's two instances run now (the others' schedulers share the database).
    const began = new Date();
    const earlier = procs.splice(0);
    for (const p of earlier) p.kill('SIGKILL');
    await Promise.all(earlier.map((p) => p.exit));
    // The processes run on the system clock: a zone where it is a working day, and not near midnight.
    const zone = workingZone(new Date());
    if (!zone) {
      console.warn(
        'multi-instance: no time zone has a working day now (a long holiday); reminder test skipped',
      );
      return;
    }
    const db = tdb.db;
    const org = await seedOrg(db, { prefix: 'SCH', year: Number(zone.day.slice(0, 4)) });
    const village = (await getUnitByCode(db, org.village))!;
    // The village's tasks are due within the hour (a reminder for its chat); the rest far away.
    await db.execute(sql`update tasks set due_at = '2099-06-30T00:00:00Z'
      where unit_id in (select id from units where code like 'SCH%')`);
    await db.execute(
      sql`update tasks set due_at = ${new Date(Date.now() + 3_600_000)} where unit_id = ${village.id}`,
    );
    const chat = `oc_sched_${randomBytes(6).toString('hex')}`;
    await insertBinding(db, { chatId: chat, unitId: village.id, boundBy: null }, new Date());
    // Reminders at 00:00 in that zone: today's slot has passed, so each instance runs it at start
    // (the catch-up); the digest and the 四性 check are not due (their slots are yesterday's).
    const schedules = join(dataDir, 'schedules-multi.yaml');
    writeFileSync(
      schedules,
      [
        `timeZone: ${zone.name}`,
        "reminders: { time: '00:00' }",
        "digest: { weekday: 1, time: '23:59' }",
        "fourPropertiesCheck: { weekday: 1, time: '23:59' }",
        'quietHours: null',
      ].join('\n'),
    );
    const env = { SCHEDULES_FILE: schedules, TZ: zone.name, LOG_LEVEL: 'debug' };
    const pair = [start('webhook', env), start('webhook', env)];
    await Promise.all(pair.map((p) => p.started()));

    const turns = (p: BotProcess) =>
      p
        .logs()
        .filter(
          (l) => l.job === 'daily-reminders' && /^(scheduled run done|slot already claimed)/.test(l.msg),
        )
        .map((l) => String(l.msg));
    const taken = await waitFor(
      'both instances at the slot',
      () => pair.map(turns),
      (t) => t.every((x) => x.length > 0),
      { timeoutMs: 120_000 },
    );
    // One ran it, the other found it claimed (on a loaded machine a later tick may find it claimed
    // again: still never a second run).
    const lines = taken.flat();
    expect(
      lines.filter((m) => m === 'scheduled run done'),
      lines.join(' | '),
    ).toHaveLength(1);
    expect(
      lines.filter((m) => m !== 'scheduled run done'),
      lines.join(' | '),
    ).toEqual(lines.slice(1).map(() => 'slot already claimed (by this or another instance)'));
    const sends = await waitFor(
      'the reminder delivered',
      () =>
        queryRows<{ kind: string; status: string }>(
          db,
          sql`select kind, status from scheduled_sends where target = ${chat}`,
        ),
      (rows) => rows.length > 0 && rows.every((r) => r.status !== 'pending'),
      { timeoutMs: 120_000 },
    );
    expect(sends).toEqual([{ kind: 'reminder', status: 'sent' }]);
    expect(t.fake.sentMessages().filter((m) => m.receiveId === chat)).toHaveLength(1);
    const runs = await queryRows<{ status: string }>(
      db,
      sql`select status from schedule_runs
          where job = 'daily-reminders' and status <> 'missed' and claimed_at >= ${began}`,
    );
    expect(runs).toEqual([{ status: 'done' }]);
  });
});

/**
 * A zone where the system clock's day is a working day (chinese-days) and it is between 00:05 and
 * 22:00 there; Asia/Shanghai when it qualifies, else a fixed-offset zone (Etc/GMT±N).
 */
function workingZone(now: Date): { name: string; day: string } | undefined {
  const calendar = createWorkingCalendar();
  const zones = ['Asia/Shanghai'];
  for (let n = -12; n <= 14; n++)
    zones.push(n === 0 ? 'Etc/GMT' : `Etc/GMT${n > 0 ? '-' : '+'}${Math.abs(n)}`);
  for (const name of zones) {
    const day = localDay(now, name);
    const minutes = localMinutes(now, name);
    if (minutes >= 5 && minutes <= 22 * 60 && calendar.isWorkingDay(day)) return { name, day };
  }
  return undefined;
}
