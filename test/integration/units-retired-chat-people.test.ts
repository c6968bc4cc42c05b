import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnitsCommand } from '../../src/cli/units.js';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { grantRole } from '../../src/usecases/change-role.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { openIdOf } from '../support/open-ids.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * A village merged into its neighbour (撤并村) in the chat and the people table. 进度 of its township
 * ranked it among the villages at 100% (its tasks were waived when it retired): a leader read it as a
 * village that had finished. And roles could still be given on it, by 设置 in a chat or by the people
 * import, to people who would then be chased for nothing. Now 进度 ranks the active villages only and
 * names the merged one apart, 进度 of the merged village says it merged, and both ways of giving a role
 * refuse it naming the unit it merged into.
 */
describe('a retired village in the chat and the people import', () => {
  let h: Harness;
  let org: SeededOrg;
  const clock = new ManualClock('2026-10-12T10:00:00+08:00');
  const chatId = id('oc_');
  const admin = 'ou_rp_admin';
  const li = { openId: 'ou_rp_li', name: '李四' };
  const refusal = '河口村（RP12）已并入 城关村（RP11），不能再设置人员；请设在 城关村（RP11）';

  /** `text` sent to the bot (in the village chat, @mentioning it; or by direct message): its reply. */
  const say = async (
    sender: string,
    text: string,
    people: { openId: string; name: string }[] = [],
    opts: { p2p?: boolean } = {},
  ) => {
    const mentions = [
      ...(opts.p2p ? [] : [{ key: '@_user_1', openId: h.fake.botOpenId, name: '归档助手' }]),
      ...people.map((p, i) => ({ key: `@_user_${i + 2}`, openId: p.openId, name: p.name })),
    ];
    let body = text;
    people.forEach((p, i) => (body = body.replace(`@${p.name}`, `@_user_${i + 2}`)));
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId: opts.p2p ? id('oc_p2p') : chatId,
      chatType: opts.p2p ? 'p2p' : 'group',
      senderOpenId: sender,
      content: { text: opts.p2p ? body : `@_user_1 ${body}` },
      mentions,
    });
    expect((await h.post(ev)).status).toBe(200);
    return waitFor(`a reply to「${text}」`, () =>
      h.fake.sentMessages().find((m) => m.replyTo === ev.event.message.message_id),
    );
  };
  /** The roles on a unit besides the seeded org's people. */
  const rolesOn = (code: string) =>
    queryRows<{ open_id: string; role: string }>(
      h.db.db,
      sql`select r.open_id, r.role from unit_roles r join units u on u.id = r.unit_id
          where u.code = ${code} and r.open_id not in (${org.officer}, ${org.archivist}, ${org.leader})
          order by r.open_id`,
    );

  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'RP' });
    const deps = { db: h.db.db, clock };
    const township = (await getUnitByCode(h.db.db, org.township))!;
    const village = (await getUnitByCode(h.db.db, org.village))!;
    await grantRole(deps, {
      unitId: township.id,
      person: { openId: admin, name: '镇管理员' },
      role: 'admin',
      actor: 'cli',
      source: 'cli',
    });
    await bindChat(deps, { chatId, unitId: village.id, actorOpenId: admin });
    const out: string[] = [];
    await runUnitsCommand(['retire', 'RP12', '--into', org.village, '--date', '2026-10-09'], {
      db: h.db.db,
      out: (l) => out.push(l),
      clock,
      env: {},
    });
    expect(out[0]).toContain('河口村（RP12）已并入 城关村（RP11）');
  });
  afterAll(() => h?.close());

  it('进度 of the township ranks 城关村 alone and names 河口村 apart as merged', async () => {
    const reply = await say(org.leader, '进度 城关镇', [], { p2p: true });
    const card = JSON.stringify(reply.content);
    expect(card).toContain('城关镇 · 进度');
    // Nothing handed in yet: 城关村's 0%, not lifted by 河口村's waived tasks.
    expect(card).toContain('**完成率 0%**');
    expect(card).toContain('**下级单位**\\n1. 城关村　0%');
    expect(card).not.toContain('河口村　');
    expect(card).toContain('已撤并：河口村（10月9日并入城关村）');
  });

  it('进度 of 河口村 says it merged, with no figures', async () => {
    const reply = await say(org.leader, '进度 河口村', [], { p2p: true });
    const card = JSON.stringify(reply.content);
    expect(card).toContain(
      '河口村已于10月9日并入城关村，不再统计进度、不再提醒。已交的材料和档号都还在，可以查阅。',
    );
    expect(card).not.toContain('完成率');
  });

  it('设置 in a chat refuses a role on 河口村, naming 城关村; 城关村 still takes one', async () => {
    const reply = await say(admin, '设置 @李四 经办人 河口村', [li]);
    expect((reply.content as { text: string }).text).toBe(`${refusal}。`);
    expect(await rolesOn('RP12')).toEqual([]);
    const ok = await say(admin, '设置 @李四 经办人', [li]);
    expect((ok.content as { text: string }).text).toBe('已把 李四 设为城关村的村干部。');
  });

  it('the people import refuses the whole file, naming the line and 城关村', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'retired-people-'));
    try {
      const file = join(dir, 'people.csv');
      writeFileSync(
        file,
        `name,open_id,unit_code,role\n王五,${openIdOf('rp_wang')},RP11,archivist\n赵六,${openIdOf('rp_zhao')},RP12,officer\n`,
      );
      const r = await cliInProcess(['units', 'people', 'import', file], {}, h.db);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`people.csv 第 3 行: ${refusal}`);
      // Refused whole, as a bad line refuses it: 王五's good line added nothing either.
      expect(await rolesOn('RP12')).toEqual([]);
      expect((await rolesOn('RP11')).map((r) => r.open_id)).toEqual([li.openId]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
