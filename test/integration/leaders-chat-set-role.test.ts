import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnitsCommand } from '../../src/cli/units.js';
import { queryRows } from '../../src/db/client.js';
import { chatTypeOf } from '../../src/db/repos/chats.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { grantRole } from '../../src/usecases/change-role.js';
import { botMembershipEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * 设置 / 撤销角色 in a leaders' chat (城关镇's digestChat, bound to no unit): for the chat's unit, by an
 * admin of it or above only; the county naming the same chat makes it the county's.
 */
describe('roles in a leaders’ chat: 设置 @某人 角色 is for the chat’s unit', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_lead_');
  const admin = 'ou_lcr_admin_t';
  const zhang = { openId: 'ou_lcr_zhang', name: '张三' };

  /** `@归档助手 <text>` in the leaders' chat, `people` @mentioned after the bot, as Lark sends it. */
  const say = async (sender: string, text: string, people: { openId: string; name: string }[]) => {
    let body = text;
    people.forEach((p, i) => (body = body.replace(`@${p.name}`, `@_user_${i + 2}`)));
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId,
      chatType: 'group',
      senderOpenId: sender,
      content: { text: `@_user_1 ${body}` },
      mentions: [
        { key: '@_user_1', openId: h.fake.botOpenId, name: '归档助手' },
        ...people.map((p, i) => ({ key: `@_user_${i + 2}`, openId: p.openId, name: p.name })),
      ],
    });
    expect((await h.post(ev)).status).toBe(200);
    const reply = await waitFor(`a reply to「${text}」`, () =>
      h.fake.sentMessages().find((m) => m.replyTo === ev.event.message.message_id),
    );
    return (reply.content as { text: string }).text;
  };
  const roles = () =>
    queryRows<{ open_id: string; code: string; role: string }>(
      h.db.db,
      sql`select r.open_id, u.code, r.role from unit_roles r join units u on u.id = r.unit_id
          where r.open_id = ${zhang.openId} order by u.code, r.role`,
    );
  const setUnit = (code: string, kv: string) =>
    runUnitsCommand(['set', code, kv], { db: h.db.db, out: () => {}, clock: h.bot.deps.clock });

  beforeAll(async () => {
    h = await startHarness();
    org = await seedOrg(h.db.db, { prefix: 'LR' });
    const township = (await getUnitByCode(h.db.db, org.township))!;
    await grantRole(
      { db: h.db.db, clock: h.bot.deps.clock },
      {
        unitId: township.id,
        person: { openId: admin, name: '镇管理员' },
        role: 'admin',
        actor: 'cli',
        source: 'cli',
      },
    );
    // The bot added to the leaders' chat (so the chat is known), then named 城关镇's digestChat.
    expect(
      (await h.post(botMembershipEvent({ appId: h.fake.appId, type: 'added', chatId, name: '城关镇领导群' })))
        .status,
    ).toBe(200);
    await waitFor(
      'the leaders’ chat recorded',
      async () => (await chatTypeOf(h.db.db, chatId)) !== undefined,
    );
    await setUnit(org.township, `digestChat=${chatId}`);
  });
  afterAll(() => h?.close());

  it('an admin of the township sets and revokes a role there for 城关镇, without naming it', async () => {
    // Before: 「本群还没有绑定单位，请写上单位，例如「设置 @张三 档案员 东村」。」
    expect(await say(admin, '设置 @张三 档案员', [zhang])).toBe('已把 张三 设为城关镇的档案员。');
    expect(await roles()).toEqual([{ open_id: zhang.openId, code: 'LR10', role: 'archivist' }]);
    expect(await say(admin, '撤销角色 @张三 档案员', [zhang])).toBe('已撤销 张三 在城关镇的档案员角色。');
    expect(await roles()).toEqual([]);
  });

  it('refuses someone without the right there: a leader, a township admin once the county names the chat', async () => {
    // The county's leader (a leaders' chat's usual member) is no admin.
    expect(await say(org.leader, '设置 @张三 档案员', [zhang])).toBe(
      '只有城关镇或上级单位的管理员可以设置角色。',
    );
    // The county names the same chat: the chat is the county's (the outermost), above the township's admin.
    await setUnit(org.county, `digestChat=${chatId}`);
    expect(await say(admin, '设置 @张三 档案员', [zhang])).toBe('只有LR县或上级单位的管理员可以设置角色。');
    expect(await roles()).toEqual([]);
    const audit = await queryRows(
      h.db.db,
      sql`select 1 from audit_log where action in ('grant_role', 'revoke_role') and chat_id = ${chatId}`,
    );
    expect(audit).toHaveLength(2);
  });
});
