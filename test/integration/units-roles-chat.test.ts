import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { joinVillageChat } from '../support/bound-chat.js';
import { grantRole } from '../../src/usecases/change-role.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

describe('roles in chat: 设置 / 撤销角色 / 人员 (mentions carry the open_id)', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const admin = 'ou_roles_admin_t';
  const zhang = { openId: 'ou_roles_zhang', name: '张三' };
  const li = { openId: 'ou_roles_li', name: '李四' };

  /** `@归档助手 <text>` where `people` are @mentioned after the bot, as Lark sends it. */
  const say = async (
    sender: string,
    text: string,
    people: { openId: string; name: string }[] = [],
    opts: { chatType?: 'p2p' } = {},
  ): Promise<string> => {
    const p2p = opts.chatType === 'p2p';
    const mentions = [
      ...(p2p ? [] : [{ key: '@_user_1', openId: h.fake.botOpenId, name: '归档助手' }]),
      ...people.map((p, i) => ({ key: `@_user_${i + 2}`, openId: p.openId, name: p.name })),
    ];
    let body = text;
    people.forEach((p, i) => (body = body.replace(`@${p.name}`, `@_user_${i + 2}`)));
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId: p2p ? id('oc_p2p') : chatId,
      chatType: p2p ? 'p2p' : 'group',
      senderOpenId: sender,
      content: { text: p2p ? body : `@_user_1 ${body}` },
      mentions,
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
          where r.open_id like 'ou_roles_%' order by r.open_id, u.code, r.role`,
    );
  const audit = () =>
    queryRows<{ actor: string; action: string; chat_id: string; code: string; details: any }>(
      h.db.db,
      sql`select a.actor, a.action, a.chat_id, u.code, a.details from audit_log a join units u on u.id = a.unit_id
          where a.action in ('grant_role', 'revoke_role') and a.source = 'chat' order by a.id`,
    );

  beforeAll(async () => {
    h = await startHarness();
    org = await seedOrg(h.db.db, { prefix: 'RL' });
    const township = (await getUnitByCode(h.db.db, org.township))!;
    const village = (await getUnitByCode(h.db.db, org.village))!;
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
    await bindChat(
      { db: h.db.db, clock: h.bot.deps.clock },
      { chatId, unitId: village.id, actorOpenId: admin },
    );
  });
  afterAll(() => h.close());

  it('an admin of the township sets, lists and revokes a role in a village chat, each change audited', async () => {
    expect(await say(admin, '设置 @张三 档案员', [zhang])).toBe('已把 张三 设为城关村的档案员。');
    expect(await say(admin, '设置 @张三 为 档案员', [zhang])).toBe('张三 已经是城关村的档案员。');
    expect(await say(admin, '设置 @李四 经办人 河口村', [li])).toBe('已把 李四 设为河口村的村干部。');
    expect(await roles()).toEqual([
      { open_id: 'ou_roles_admin_t', code: 'RL10', role: 'admin' },
      { open_id: 'ou_roles_li', code: 'RL12', role: 'officer' },
      { open_id: 'ou_roles_zhang', code: 'RL11', role: 'archivist' },
    ]);
    expect(await say(org.officer, '人员')).toBe(
      [
        '城关村的人员：',
        '档案员：李档案、张三',
        '村干部：王村官',
        '上级单位的人员也管本单位；绑定群的成员不用设置也能交材料。',
      ].join('\n'),
    );
    expect(await say(admin, '撤销角色 @张三 档案员', [zhang])).toBe('已撤销 张三 在城关村的档案员角色。');
    expect(await say(admin, '撤销角色 @张三 档案员', [zhang])).toBe('张三 在城关村没有档案员角色。');
    expect((await roles()).filter((r) => r.open_id === zhang.openId)).toEqual([]);
    expect((await audit()).map((a) => [a.actor, a.action, a.code, a.details.openId, a.details.role])).toEqual(
      [
        [admin, 'grant_role', 'RL11', zhang.openId, 'archivist'],
        [admin, 'grant_role', 'RL12', li.openId, 'officer'],
        [admin, 'revoke_role', 'RL11', zhang.openId, 'archivist'],
      ],
    );
    expect((await audit()).every((a) => a.chat_id === chatId)).toBe(true);
  });

  it('refuses a non-admin, an admin of another unit, an unknown role, an unknown unit, and nobody named', async () => {
    const before = await roles();
    const auditBefore = (await audit()).length;
    expect(await say(org.officer, '设置 @张三 档案员', [zhang])).toBe(
      '只有城关村或上级单位的管理员可以设置角色。',
    );
    expect(await say(org.archivist, '撤销角色 @李四 村干部 河口村', [li])).toBe(
      '只有河口村或上级单位的管理员可以撤销角色。',
    );
    expect(await say(admin, '设置 @张三 档案员 RL00', [zhang])).toBe(
      '只有RL县或上级单位的管理员可以设置角色。',
    );
    expect(await say(admin, '设置 @张三 村长', [zhang])).toBe(
      '没有「村长」这个角色。可用的角色：村干部、档案员、领导、管理员。',
    );
    expect(await say(admin, '设置 @张三 档案员 火星村', [zhang])).toBe(
      '找不到单位「火星村」。请写单位名称或代码，例如「设置 @张三 档案员 东村」。',
    );
    expect(await say(admin, '设置 张三 档案员')).toBe('请 @ 要设置的人，例如「设置 @张三 档案员」。');
    expect(await say(admin, '撤销角色 @镇管理员 管理员 城关镇', [{ openId: admin, name: '镇管理员' }])).toBe(
      '不能撤销自己的管理员角色，请让其他管理员操作。',
    );
    expect(await roles()).toEqual(before);
    expect((await audit()).length).toBe(auditBefore);
  });

  it('works in a direct message: the unit is named, or is the one the admin administers', async () => {
    expect(await say(admin, '人员 河口村', [], { chatType: 'p2p' })).toBe(
      ['河口村的人员：', '村干部：李四', '上级单位的人员也管本单位；绑定群的成员不用设置也能交材料。'].join(
        '\n',
      ),
    );
    expect(await say(admin, '设置 @张三 领导', [zhang], { chatType: 'p2p' })).toBe(
      '已把 张三 设为城关镇的领导。',
    );
    expect(await say('ou_roles_nobody', '人员 河口村', [], { chatType: 'p2p' })).toBe(
      '您不是河口村或其上级单位的工作人员，不能查看它的归档情况。',
    );
  });

  it('人员 names a role holder with no name on record as the group knows them, not 「（未登记姓名）」', async () => {
    // A role given without a name (Lark's contacts do not name them either) to a member of the group.
    const chen = 'ou_named_in_chat_chen';
    joinVillageChat(h, org, chatId, chen, '陈出纳');
    const village = (await getUnitByCode(h.db.db, org.village))!;
    await grantRole(
      { db: h.db.db, clock: h.bot.deps.clock },
      { unitId: village.id, person: { openId: chen }, role: 'officer', actor: 'cli', source: 'cli' },
    );
    // Before: 「（未登记姓名）」 in its place.
    expect(await say(org.officer, '人员')).toContain('村干部：陈出纳、王村官');
  });
});
