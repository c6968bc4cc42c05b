import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnitsCommand } from '../../src/cli/units.js';
import { queryRows } from '../../src/db/client.js';
import { chatTypeOf } from '../../src/db/repos/chats.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { retireUnit } from '../../src/usecases/retire-unit.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { sayToBot } from '../support/chat-actions.js';
import { botMembershipEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { seedOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * Two villages called 东村, one in 城关镇 and one in 河口镇 (and a third, 石桥镇's, retired, with the
 * lowest code). A command naming 东村 was matched across the whole county, a tie going to the lower
 * code: a township's own 东村 was refused to its admin (「只有东村或上级单位的管理员…」), and someone
 * above both acted on whichever came first. Now the chat's own 东村 is meant, then the sender's; a
 * county's chat is asked which one, and 城关镇东村 / 城关镇 东村 say it. Webhook in, the real SDK against
 * the fake Lark, a real database.
 */
describe('a unit named in a command: the chat’s own, or asked which one', () => {
  let h: Harness;
  const P = 'SN';
  const code = { county: `${P}00`, gz: `${P}10`, gzDong: `${P}15`, hk: `${P}20`, hkDong: `${P}21` };
  const chats = { gz: id('oc_gz_'), hk: id('oc_hk_'), county: id('oc_county_') };
  // Each township's admin and archivist; the county's; a village officer of 城关镇东村.
  const gzStaff = 'ou_sn_gz_staff';
  const hkStaff = 'ou_sn_hk_staff';
  const countyStaff = 'ou_sn_county_staff';
  const dongOfficer = 'ou_sn_dong_officer';
  const person = (name: string) => ({ openId: `ou_sn_${randomBytes(6).toString('hex')}`, name });

  /** `@归档助手 <text>` in `chatId`, `people` @mentioned after the bot, as Lark sends it: the reply. */
  const answer = async (
    chatId: string,
    sender: string,
    text: string,
    people: { openId: string; name: string }[] = [],
  ) => {
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
    return waitFor(`a reply to「${text}」`, () =>
      h.fake.sentMessages().find((m) => m.replyTo === ev.event.message.message_id),
    );
  };
  /** The reply's text. */
  const say = async (...a: Parameters<typeof answer>) =>
    ((await answer(...a)).content as { text: string }).text;
  /** A card replied: its JSON, to read its texts in. */
  const cardOf = async (...a: Parameters<typeof answer>) => JSON.stringify((await answer(...a)).content);
  /** The units (codes) where `openId` holds a role. */
  const rolesOf = async (openId: string) =>
    (
      await queryRows<{ code: string }>(
        h.db.db,
        sql`select u.code from unit_roles r join units u on u.id = r.unit_id where r.open_id = ${openId}
            order by u.code`,
      )
    ).map((r) => r.code);
  /** The task's state in each 东村: [城关镇东村, 河口镇东村]. */
  const states = async (task: string) =>
    Promise.all(
      [code.gzDong, code.hkDong].map(async (unit) => {
        const [t] = await queryRows<{ state: string }>(
          h.db.db,
          sql`select t.state from tasks t join units u on u.id = t.unit_id
              where u.code = ${unit} and t.code = ${task}`,
        );
        return t!.state;
      }),
    );

  beforeAll(async () => {
    h = await startHarness();
    const db = h.db.db;
    const clock = h.bot.deps.clock;
    await seedOrg(db, { prefix: P, clock });
    await importUnits(
      { db, clock },
      {
        fileName: 'units.csv',
        text: [
          'code,name,kind,parent_code',
          `${P}00,${P}县,county,`,
          `${P}10,城关镇,township,${P}00`,
          `${P}11,城关村,village,${P}10`,
          `${P}12,河口村,village,${P}10`,
          `${P}15,东村,village,${P}10`,
          `${P}20,河口镇,township,${P}00`,
          `${P}21,东村,village,${P}20`,
          `${P}30,石桥镇,township,${P}00`,
          `${P}05,东村,village,${P}30`,
        ].join('\n'),
      },
    );
    await retireUnit({ db, clock, timeZone: 'Asia/Shanghai' }, { code: `${P}05` });
    await createCampaign(campaignDeps({ db, clock }), {
      checklistCode: 'village-jzfp',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      unitCodes: [code.gzDong, code.hkDong],
      createdBy: 'cli',
      code: `${P}-dong-2026`,
    });
    const grant = async (openId: string, name: string, unit: string, roles: ('admin' | 'archivist')[]) => {
      await upsertPerson(db, { openId, name }, clock.now());
      const u = (await getUnitByCode(db, unit))!;
      for (const role of roles) await addUnitRole(db, { unitId: u.id, openId, role }, clock.now());
    };
    await grant(gzStaff, '城关镇干部', code.gz, ['admin', 'archivist']);
    await grant(hkStaff, '河口镇干部', code.hk, ['admin', 'archivist']);
    await grant(countyStaff, '县档案员', code.county, ['admin', 'archivist']);
    await upsertPerson(db, { openId: dongOfficer, name: '东村村干部' }, clock.now());
    const gzDong = (await getUnitByCode(db, code.gzDong))!;
    await addUnitRole(db, { unitId: gzDong.id, openId: dongOfficer, role: 'officer' }, clock.now());
    const bind = async (chatId: string, unit: string) =>
      insertBinding(db, { chatId, unitId: (await getUnitByCode(db, unit))!.id, boundBy: null }, clock.now());
    await bind(chats.gz, code.gz);
    await bind(chats.hk, code.hk);
    // The county's leaders' chat: the bot added, then named the county's digestChat (bound to no unit).
    const added = botMembershipEvent({
      appId: h.fake.appId,
      type: 'added',
      chatId: chats.county,
      name: '县领导群',
    });
    expect((await h.post(added)).status).toBe(200);
    await waitFor('the county chat recorded', async () => (await chatTypeOf(db, chats.county)) !== undefined);
    await runUnitsCommand(['set', code.county, `digestChat=${chats.county}`], { db, out: () => {}, clock });
  });
  afterAll(() => h?.close());

  it('设置 in each township’s chat gives the role on its own 东村', async () => {
    const zhang = person('张三');
    const li = person('李四');
    // Before: 「只有东村或上级单位的管理员可以设置角色。」 (石桥镇's retired 东村, the lowest code).
    expect(await say(chats.gz, gzStaff, '设置 @张三 档案员 东村', [zhang])).toBe(
      '已把 张三 设为城关镇东村的档案员。',
    );
    expect(await rolesOf(zhang.openId)).toEqual([code.gzDong]);
    expect(await say(chats.hk, hkStaff, '设置 @李四 档案员 东村', [li])).toBe(
      '已把 李四 设为河口镇东村的档案员。',
    );
    expect(await rolesOf(li.openId)).toEqual([code.hkDong]);
    expect(await say(chats.hk, hkStaff, '撤销角色 @李四 档案员 东村', [li])).toBe(
      '已撤销 李四 在河口镇东村的档案员角色。',
    );
    expect(await rolesOf(li.openId)).toEqual([]);
  });

  it('设置 in the county’s chat asks which 东村, and 城关镇东村 or 河口镇 东村 says it', async () => {
    const wang = person('王五');
    expect(await say(chats.county, countyStaff, '设置 @王五 档案员 东村', [wang])).toBe(
      '有两个东村：城关镇东村、河口镇东村。请写全，如「@归档助手 设置 @王五 档案员 城关镇东村」。',
    );
    expect(await rolesOf(wang.openId)).toEqual([]);
    expect(await say(chats.county, countyStaff, '设置 @王五 档案员 河口镇东村', [wang])).toBe(
      '已把 王五 设为河口镇东村的档案员。',
    );
    expect(await rolesOf(wang.openId)).toEqual([code.hkDong]);
    expect(await say(chats.county, countyStaff, '撤销角色 @王五 档案员 河口镇 东村', [wang])).toBe(
      '已撤销 王五 在河口镇东村的档案员角色。',
    );
    expect(await rolesOf(wang.openId)).toEqual([]);
    // A township's admin there means their own 东村 (the one they have a role over).
    const zhao = person('赵六');
    expect(await say(chats.county, gzStaff, '设置 @赵六 档案员 东村', [zhao])).toBe(
      '已把 赵六 设为城关镇东村的档案员。',
    );
    expect(await rolesOf(zhao.openId)).toEqual([code.gzDong]);
  });

  it('导出 in each township’s chat is its own 东村’s; in the county’s chat 导出 and 确认归档 ask which', async () => {
    // Named apart in the answer and in the command it says to send (plain 东村 is asked about in the county's chat).
    const nothingYet = (dong: string) =>
      `${dong}2026年度还没有确认归档的材料，请先发送「@归档助手 确认归档 ${dong} 2026」`;
    // Before: 「只有东村或上级单位的档案员或管理员可以导出移交包。」 in both.
    expect(await say(chats.gz, gzStaff, '导出 东村 2026')).toBe(nothingYet('城关镇东村'));
    expect(await say(chats.hk, hkStaff, '导出 东村 2026')).toBe(nothingYet('河口镇东村'));
    expect(await say(chats.hk, hkStaff, '确认归档 东村 2026')).toBe('河口镇东村2026年度没有待确认的材料');
    expect(await say(chats.county, countyStaff, '导出 东村 2026')).toBe(
      '有两个东村：城关镇东村、河口镇东村。请写全，如「@归档助手 导出 城关镇东村 2026」。',
    );
    expect(await say(chats.county, countyStaff, '确认归档 东村 2026')).toBe(
      '有两个东村：城关镇东村、河口镇东村。请写全，如「@归档助手 确认归档 城关镇东村 2026」。',
    );
    expect(await say(chats.county, countyStaff, '导出 河口镇东村 2026')).toBe(nothingYet('河口镇东村'));
    // Someone who may not export either 东村 is refused, not asked.
    expect(await say(chats.county, dongOfficer, '导出 东村 2026')).toBe(
      '只有东村或上级单位的档案员或管理员可以导出移交包。',
    );
  });

  it('免交 and 恢复任务 in each township’s chat are its own 东村’s; the county’s chat is asked', async () => {
    // Before: 「东村没有编号为 C03 的任务」 (the retired 东村 has none), nothing waived.
    expect(await say(chats.gz, gzStaff, '免交 东村 C03 本年度不开展')).toMatch(
      /^城关镇东村的「C03 .+」已设为免交/,
    );
    expect(await states('C03')).toEqual(['waived', 'open']);
    expect(await say(chats.hk, hkStaff, '免交 东村 C04 本年度不开展')).toMatch(
      /^河口镇东村的「C04 .+」已设为免交/,
    );
    expect(await states('C04')).toEqual(['open', 'waived']);
    expect(await say(chats.county, countyStaff, '免交 东村 C05 本年度不开展')).toBe(
      '有两个东村：城关镇东村、河口镇东村。请写全，如「@归档助手 免交 城关镇东村 C05 本年度不开展」。',
    );
    expect(await states('C05')).toEqual(['open', 'open']);
    expect(await say(chats.county, countyStaff, '恢复任务 城关镇东村 C03')).toMatch(
      /^城关镇东村的「C03 .+」已恢复为需归档/,
    );
    expect(await states('C03')).toEqual(['open', 'open']);
  });

  it('进度, 任务 and 缺什么 name 城关镇东村 in the county’s chat and in the townships’ chats', async () => {
    // Before: 「东村 · 进度」 in the county's chat, its villages 「东村」 on 城关镇's cards, 「东村没有编号为…」.
    expect(await say(chats.county, countyStaff, '进度 东村')).toBe(
      '有两个东村：城关镇东村、河口镇东村。请写全，如「@归档助手 进度 城关镇东村」。',
    );
    expect(await cardOf(chats.county, countyStaff, '进度 城关镇东村')).toContain('城关镇东村 · 进度');
    expect(await cardOf(chats.county, countyStaff, '任务 河口镇东村')).toContain(
      '河口镇东村 · 未完成的归档任务',
    );
    expect(await cardOf(chats.county, countyStaff, '缺什么 河口镇东村')).toContain('河口镇东村 · 还缺什么');
    // A township's cards listing its villages: 城关村 and 河口村 are the only ones, 东村 is said apart.
    const progress = await cardOf(chats.gz, gzStaff, '进度');
    expect(progress).toMatch(/\d\. 城关镇东村\u3000/);
    expect(progress).toMatch(/\d\. 城关村\u3000/);
    expect(await cardOf(chats.gz, gzStaff, '任务')).toMatch(/最需要督促：[^"]*城关镇东村 \d/);
    const missing = await cardOf(chats.gz, gzStaff, '缺什么');
    expect(missing).toContain('**城关镇东村**');
    expect(missing).not.toMatch(/\*\*东村\*\*/);
    expect(await cardOf(chats.hk, hkStaff, '进度 东村')).toContain('河口镇东村 · 进度');
    expect(await say(chats.gz, gzStaff, '任务 东村 C99')).toBe('城关镇东村没有编号为 C99 的任务。');
    expect(await cardOf(chats.gz, gzStaff, '任务 东村 C06')).toContain('单位：城关镇东村');
    expect(await say(chats.hk, hkStaff, '进度 城关镇东村')).toBe(
      '城关镇东村不属于本群（河口镇），请私聊我查询。',
    );
  });

  it('免交 of a task 城关镇东村 has not, and 查 in a direct chat, name 城关镇东村', async () => {
    // Before: 「东村没有编号为 C99 的任务」, 「东村最近提交的材料」.
    expect(await say(chats.county, countyStaff, '免交 城关镇东村 C99 本年度不开展')).toBe(
      '城关镇东村没有编号为 C99 的任务',
    );
    const found = await sayToBot(h, {
      chatId: id('oc_dm_county_'),
      sender: countyStaff,
      text: '查 城关镇东村',
      chatType: 'p2p',
    });
    expect(JSON.stringify(found.content)).toContain('城关镇东村最近提交的材料');
  });

  it('with one active 东村 left in the county, the cards say 东村 as before', async () => {
    await retireUnit(
      { db: h.db.db, clock: h.bot.deps.clock, timeZone: 'Asia/Shanghai' },
      { code: code.hkDong },
    );
    expect(await cardOf(chats.gz, gzStaff, '进度 东村')).toContain('"东村 · 进度');
    expect(await cardOf(chats.gz, gzStaff, '进度')).toMatch(/\d\. 东村\u3000/);
    expect(await cardOf(chats.gz, gzStaff, '缺什么')).toContain('**东村**');
    expect(await say(chats.gz, gzStaff, '任务 东村 C99')).toBe('东村没有编号为 C99 的任务。');
  });
});
