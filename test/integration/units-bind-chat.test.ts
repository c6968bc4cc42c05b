import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { chatsOfUnit, getLiveBinding, unitOfChat } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode, listUnits } from '../../src/db/repos/units.js';
import { matchUnit } from '../../src/domain/match-unit.js';
import { bindChat, pauseChatBinding, resumeChatBinding } from '../../src/usecases/bind-chat.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { seedOrg, PEOPLE } from './campaign-fixtures.js';

describe('binding chats to units', () => {
  let tdb: TestDb;
  const clock = new ManualClock('2025-04-01T09:00:00+08:00');
  const deps = () => ({ db: tdb.db, clock });
  const unit = async (code: string) => (await getUnitByCode(tdb.db, code))!;

  beforeAll(async () => {
    tdb = await createTestDb();
    await seedOrg(tdb.db, clock);
  });
  afterAll(() => tdb.close());

  it('finds the unit from what an officer types, and binds the chat', async () => {
    const [best] = matchUnit('东村', await listUnits(tdb.db));
    expect(best?.unit.code).toBe('V1');
    const r = await bindChat(deps(), { chatId: 'oc_1', unitId: best!.unit.id, actorOpenId: PEOPLE.officer1 });
    expect(r).toMatchObject({ status: 'bound', unit: { code: 'V1', fullName: '测试县/甲镇/东村' } });
    expect(r.message).toBe('本群已绑定 测试县/甲镇/东村');
    expect((await unitOfChat(tdb.db, 'oc_1'))?.code).toBe('V1');
    expect(await chatsOfUnit(tdb.db, best!.unit.id)).toEqual(['oc_1']);
    const again = await bindChat(deps(), {
      chatId: 'oc_1',
      unitId: best!.unit.id,
      actorOpenId: PEOPLE.officer2,
    });
    expect(again.status).toBe('already_bound');
  });

  it('pauses when the bot is removed and resumes when it is added back', async () => {
    clock.advance(60_000);
    expect(await pauseChatBinding(deps(), { chatId: 'oc_1', actorOpenId: PEOPLE.officer1 })).toBe(true);
    expect(await pauseChatBinding(deps(), { chatId: 'oc_1' })).toBe(false);
    expect(await unitOfChat(tdb.db, 'oc_1')).toBeUndefined();
    expect(await getLiveBinding(tdb.db, 'oc_1')).toMatchObject({ status: 'paused', pausedAt: clock.now() });
    expect(await resumeChatBinding(deps(), { chatId: 'oc_1' })).toBe(true);
    expect((await unitOfChat(tdb.db, 'oc_1'))?.code).toBe('V1');
    await pauseChatBinding(deps(), { chatId: 'oc_1' });
    const rebind = await bindChat(deps(), {
      chatId: 'oc_1',
      unitId: (await unit('V1')).id,
      actorOpenId: PEOPLE.officer1,
    });
    expect(rebind.status).toBe('resumed');
  });

  it('rebinding ends the old binding without deleting it, and is audited', async () => {
    const v1 = await unit('V1');
    const v2 = await unit('V2');
    const r = await bindChat(deps(), { chatId: 'oc_1', unitId: v2.id, actorOpenId: PEOPLE.archivist });
    expect(r).toMatchObject({ status: 'rebound', previousUnitId: v1.id, unit: { code: 'V2' } });
    const rows = await queryRows<any>(
      tdb.db,
      sql`select unit_id::int as unit_id, status from chat_bindings where chat_id = 'oc_1' order by id`,
    );
    expect(rows).toEqual([
      { unit_id: v1.id, status: 'ended' },
      { unit_id: v2.id, status: 'active' },
    ]);
    const audit = await queryRows<any>(
      tdb.db,
      sql`select action, actor from audit_log where chat_id = 'oc_1' order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual([
      'bind',
      'pause',
      'resume',
      'pause',
      'resume',
      'unbind',
      'bind',
    ]);
    expect(audit.at(-1)).toEqual({ action: 'bind', actor: PEOPLE.archivist });
  });

  it('concurrent binds leave one live binding', async () => {
    const [v2, v3] = [await unit('V2'), await unit('V3')];
    const results = await Promise.all([
      bindChat(deps(), { chatId: 'oc_2', unitId: v2.id, actorOpenId: 'ou_a' }),
      bindChat(deps(), { chatId: 'oc_2', unitId: v3.id, actorOpenId: 'ou_b' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(bound|rebound|busy)$/)]),
    );
    const [live] = await queryRows<{ n: number }>(
      tdb.db,
      sql`select count(*)::int as n from chat_bindings where chat_id = 'oc_2' and status <> 'ended'`,
    );
    expect(live!.n).toBe(1);
  });
});
