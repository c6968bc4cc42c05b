import type { Db } from '../../src/db/client.js';
import { createWorkingCalendar } from '../../src/domain/working-days.js';
import type { Clock } from '../../src/ports/clock.js';

/**
 * What createCampaign needs in a test: the database and clock given, the default time zone
 * (Asia/Shanghai) and the national holiday calendar (no county holidays.yaml), as `campaigns create`
 * has without HOLIDAYS_FILE.
 */
export function campaignDeps(d: { db: Db; clock: Clock }) {
  return { db: d.db, clock: d.clock, timeZone: 'Asia/Shanghai', calendar: createWorkingCalendar() };
}
