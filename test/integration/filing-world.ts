import { sql, type SQL } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import type { FilingDeps } from '../../src/usecases/file-burst.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import {
  insertBurst,
  seedOrg,
  SMALL_CHECKLIST,
  storeChecklist,
  taskIds,
  PEOPLE,
} from './campaign-fixtures.js';

export interface FilingWorld {
  tdb: TestDb;
  clock: ManualClock;
  /** Task ids by `<unit code>/<task code>`. */
  ids: Map<string, number>;
  /** Every membership question asked, as `chat:open_id`. */
  memberChecks: string[];
  deps(): FilingDeps;
  /** A stored burst in V1's chat (oc_v1), sent by ou_villager unless told. */
  burst(
    kinds: string[],
    extra?: { caption?: string; statuses?: string[]; sender?: string },
  ): Promise<{ burstId: number; materialIds: number[] }>;
  count(table: 'filing_items' | 'filing_item_materials' | 'audit_log', where?: SQL): Promise<number>;
}

/**
 * The seeded org with the small checklist campaign over the county, and chat oc_v1 bound to V1
 * (members: ou_villager, PEOPLE.officer1). Membership is answered by a plain function, as the Lark
 * side would plug in.
 */
export async function createFilingWorld(start: string): Promise<FilingWorld> {
  const tdb = await createTestDb();
  const clock = new ManualClock(start);
  await seedOrg(tdb.db, clock);
  await storeChecklist(tdb.db, SMALL_CHECKLIST, clock.now());
  await createCampaign(campaignDeps({ db: tdb.db, clock }), {
    checklistCode: 'small',
    year: 2025,
    deadline: new Date('2025-12-31T23:59:59+08:00'),
    parentUnitCode: 'X',
    createdBy: 'cli',
  });
  const v1 = (await getUnitByCode(tdb.db, 'V1'))!;
  await bindChat({ db: tdb.db, clock }, { chatId: 'oc_v1', unitId: v1.id, actorOpenId: PEOPLE.officer1 });
  const members = new Set(['oc_v1:ou_villager', `oc_v1:${PEOPLE.officer1}`]);
  const memberChecks: string[] = [];
  return {
    tdb,
    clock,
    ids: await taskIds(tdb.db),
    memberChecks,
    deps: () => ({
      db: tdb.db,
      clock,
      isChatMember: async (chatId: string, openId: string) => {
        memberChecks.push(`${chatId}:${openId}`);
        return members.has(`${chatId}:${openId}`);
      },
    }),
    burst: (kinds, extra = {}) =>
      insertBurst(tdb.db, {
        chatId: 'oc_v1',
        sender: extra.sender ?? 'ou_villager',
        kinds,
        at: clock.now(),
        ...extra,
      }),
    count: async (table, where = sql`true`) =>
      (
        await queryRows<{ n: number }>(
          tdb.db,
          sql`select count(*)::int as n from ${sql.raw(table)} where ${where}`,
        )
      )[0]!.n,
  };
}
