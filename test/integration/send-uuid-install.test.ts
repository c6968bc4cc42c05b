import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { ensureInstallation, findInstallation } from '../../src/db/repos/installation.js';
import { installScopedUuid } from '../../src/domain/send-key.js';
import { createLogger } from '../../src/logger.js';
import { parseScheduleSettings } from '../../src/scheduler/schedule-settings.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { messageEvent } from '../support/events.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { repliesTo, smallPhoto, waitFor } from './capture-helpers.js';

/** Issue 12 point 9: Lark keeps a send's uuid for an hour per app, across every install of that app. */
describe('send keys are unique across installs', () => {
  let fake: FakeLark;
  let a: Harness;
  let b: Harness;
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    fake = await startFakeLark();
    a = await startHarness({ fake, clock });
    b = await startHarness({ fake, clock });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fake?.close();
  });

  it('two installs of one app each get their first burst reply delivered (burst 1 in both)', async () => {
    const firstIds: string[] = [];
    for (const h of [a, b]) {
      const key = `img_${randomBytes(6).toString('hex')}`;
      const ev = messageEvent({
        appId: fake.appId,
        chatId: `oc_${randomBytes(6).toString('hex')}`,
        senderOpenId: `ou_${randomBytes(6).toString('hex')}`,
        msgType: 'image',
        content: { image_key: key },
        createTimeMs: clock.now().getTime(),
      });
      fake.addResource({ messageId: ev.event.message.message_id, fileKey: key, bytes: await smallPhoto() });
      expect((await h.post(ev)).status).toBe(200);
      firstIds.push(ev.event.message.message_id);
    }
    await a.settle();
    await b.settle();
    clock.advance(3000);
    const ra = await waitFor('the first reply', () => repliesTo(fake, firstIds[0]!)[0]);
    const rb = await waitFor('the second reply', () => repliesTo(fake, firstIds[1]!)[0]);
    // Both databases numbered their burst 1; the installs' ids keep the keys apart.
    const [ia, ib] = [await findInstallation(a.db.db), await findInstallation(b.db.db)];
    expect(ia!.installId).not.toBe(ib!.installId);
    expect(ra!.uuid).toBe(installScopedUuid(ia!.installId, 'burst-1'));
    expect(rb!.uuid).toBe(installScopedUuid(ib!.installId, 'burst-1'));
  });

  it('the install id is made once and survives restarts', async () => {
    const before = await findInstallation(a.db.db);
    await a.restart();
    expect(await findInstallation(a.db.db)).toEqual(before);
  });
});

describe('missed scheduled runs', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db?.close());

  const capture = () => {
    const lines: any[] = [];
    const logger = createLogger(
      'debug',
      new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
          done();
        },
      }),
    );
    return { lines, logger };
  };
  const settings = parseScheduleSettings({}, 'Asia/Shanghai');

  it('a brand-new install warns about no slot before it existed; a later outage still warns', async () => {
    // First start on a Tuesday at 07:00: Monday's slots passed before the install.
    const clock = new ManualClock('2026-12-01T07:00:00+08:00');
    await ensureInstallation(db.db, clock.now());
    const first = capture();
    const results = await schedulerFor({ db: db.db, clock, logger: first.logger }, settings).runDue();
    expect(results.some((r) => r.result === 'missed')).toBe(true);
    expect(first.lines.filter((l) => l.level >= 40)).toEqual([]);

    // Down from Tuesday to Thursday 07:00: Wednesday's slots belong to this install and were missed.
    clock.set('2026-12-03T07:00:00+08:00');
    const later = capture();
    await schedulerFor({ db: db.db, clock, logger: later.logger }, settings).runDue();
    expect(later.lines.filter((l) => l.level === 40).map((l) => l.msg)).toContain(
      'scheduled run was missed (process down); skipped, not caught up',
    );
    expect(await queryRows(db.db, sql`select install_id from installation`)).toHaveLength(1);
  });
});
