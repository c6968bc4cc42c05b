import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { ensureInstallation } from '../../src/db/repos/installation.js';
import { FOUR_PROPERTIES_JOB } from '../../src/domain/job-types.js';
import { createLogger } from '../../src/logger.js';
import { parseScheduleSettings } from '../../src/scheduler/schedule-settings.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * The weekly 四性 check (Saturday 02:00 by default) needs archive.yaml's rules. A bot running without
 * them must not queue it: the job could only go dead and raise a dead-job alert every week (and a
 * doctor ✗), on an install that files but does not archive yet.
 */
describe('the weekly four-properties check and archive.yaml', () => {
  let db: TestDb;
  const settings = parseScheduleSettings({}, 'Asia/Shanghai');
  const queued = async () =>
    queryRows<{ key: string }>(db.db, sql`select key from jobs where kind = ${FOUR_PROPERTIES_JOB.name}`);
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db?.close());

  it('is skipped while archive.yaml is not loaded, and queued once it is', async () => {
    // Installed on the Friday; Saturday 02:00 is the check's slot.
    const clock = new ManualClock('2026-12-04T09:00:00+08:00');
    await ensureInstallation(db.db, clock.now());
    const logger = createLogger('silent');
    const deps = { db: db.db, clock, logger };
    await clock.set('2026-12-05T02:00:30+08:00');
    const off = await schedulerFor(deps, settings, {
      hasJobHandler: () => true,
      archiveOff: '读不到档案设置文件 config/archive.yaml',
    }).runDue();
    expect(off.find((r) => r.job === 'four-properties-check')).toMatchObject({
      result: 'ran',
      outcome: { skipped: 'archive settings not loaded' },
    });
    expect(await queued()).toEqual([]);

    await clock.set('2026-12-12T02:00:30+08:00');
    await schedulerFor(deps, settings, { hasJobHandler: () => true }).runDue();
    expect(await queued()).toEqual([{ key: '2026-W50' }]);
  });
});
