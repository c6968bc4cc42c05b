import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnitsCommand } from '../../src/cli/units.js';
import { queryRows } from '../../src/db/client.js';
import { chatTypeOf } from '../../src/db/repos/chats.js';
import { addUnitRole } from '../../src/db/repos/people.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { waiveTask } from '../../src/usecases/waive-task.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { cardLinks } from '../support/cards.js';
import { sayToBot } from '../support/chat-actions.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { botMembershipEvent, botMenuEvent } from '../support/events.js';
import { waitFor } from '../support/wait-for.js';
import { SMALL_CHECKLIST, storeChecklist } from './campaign-fixtures.js';
import { replyText } from './capture-helpers.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

const PUBLIC_URL = 'https://archive.example.test';

/**
 * A leader's week (LC县 → 城关镇 → 城关村, 河口村; 乙镇 → 东村, another 城关村): 进度, 缺什么 and 任务 in the
 * leaders' chat (城关镇's digestChat, bound to no unit), from the bot menu of a leader with nested roles,
 * naming a unit outside the group's, and the 进度 of a township with more villages than the card lists.
 */
describe('leader commands: the leaders’ chat, the menu, a unit outside the group, a long 进度', () => {
  let w: SchedulesWorld;
  const db = () => w.h.db.db;
  const ask = (chatId: string, text: string, sender = w.townshipLeader) =>
    sayToBot(w.h, { chatId, sender, text, createTimeMs: w.clock.now().getTime() });
  const unitId = async (code: string) => (await getUnitByCode(db(), code))!.id;
  const setUnit = (code: string, kv: string) =>
    runUnitsCommand(['set', code, kv], { db: db(), out: () => {}, clock: w.clock });
  beforeAll(async () => {
    w = await schedulesWorld('LC', '2026-11-23T10:00:00+08:00', { harness: { env: { PUBLIC_URL } } });
    await importUnits(
      { db: db(), clock: w.clock },
      {
        fileName: 'units.csv',
        text: [
          'code,name,kind,parent_code',
          'LC20,乙镇,township,LC00',
          'LC21,东村,village,LC20',
          'LC22,城关村,village,LC20',
        ].join('\n'),
      },
    );
    // 大镇 and its 45 villages, for the long 进度. Done before any request: a long pause between two
    // requests to the bot may find the kept-alive connection closed by it (ECONNRESET on a busy machine).
    const codes = Array.from({ length: 45 }, (_, i) => `LC3${String(i + 1).padStart(2, '0')}`);
    await importUnits(
      { db: db(), clock: w.clock },
      {
        fileName: 'units.csv',
        text: [
          'code,name,kind,parent_code',
          'LC30,大镇,township,LC00',
          ...codes.map((c, i) => `${c},大${i + 1}村,village,LC30`),
        ].join('\n'),
      },
    );
    await storeChecklist(db(), SMALL_CHECKLIST, w.clock.now());
    await createCampaign(campaignDeps({ db: db(), clock: w.clock }), {
      checklistCode: 'small',
      year: 2026,
      deadline: new Date('2027-06-30T23:59:59+08:00'),
      unitCodes: codes,
      createdBy: 'cli',
    });
    // Every village but 大7村 has C01 waived (50%); 大7村 has done nothing (0%).
    const c01s = await queryRows<{ id: number; code: string }>(
      db(),
      sql`select t.id::int as id, u.code from tasks t join units u on u.id = t.unit_id
          where u.code like 'LC3%' and t.code = 'C01'`,
    );
    for (const t of c01s.filter((r) => r.code !== 'LC307'))
      await waiveTask(
        { db: db(), clock: w.clock },
        { taskId: Number(t.id), actorOpenId: 'cli', reason: '本年度不开展', source: 'cli' },
      );
    // 44 waivers, each audited: minutes on a busy machine.
  }, 240_000);
  afterAll(() => w?.close());

  it('the leaders’ chat answers 进度, 缺什么 and 任务 for its unit, and never tells it to bind itself', async () => {
    // Before: 「本群还没有绑定单位。把我拉进群的本单位工作人员（或管理员）可发送「@归档助手 绑定 村名」。」
    const chatId = `oc_lead_${randomBytes(6).toString('hex')}`;
    expect(
      (
        await w.h.post(
          botMembershipEvent({ appId: w.h.fake.appId, type: 'added', chatId, name: '城关镇领导群' }),
        )
      ).status,
    ).toBe(200);
    await waitFor('the leaders’ chat recorded', async () => (await chatTypeOf(db(), chatId)) !== undefined);
    await setUnit(w.org.township, `digestChat=${chatId}`);

    const progress = replyText(await ask(chatId, '进度'));
    expect(progress).toContain('城关镇 · 进度');
    expect(progress).toContain('城关村');
    expect(progress).not.toContain('绑定');
    expect(replyText(await ask(chatId, '缺什么'))).toContain('城关镇 · 还缺什么');
    expect(replyText(await ask(chatId, '任务'))).toContain('城关镇 · 各村的任务');
    // A village of the township named inside it: that village's.
    expect(replyText(await ask(chatId, '进度 城关村'))).toContain('城关村 · 进度');
    // Written alone, without the @, as in a work group.
    const bare = await postText(w.h, { chatId, sender: w.townshipLeader, text: '进度' });
    const bareReply = await waitFor('the reply to a bare 进度', () =>
      w.h.fake.sentMessages().find((m) => m.replyTo === bare),
    );
    expect(replyText(bareReply)).toContain('城关镇 · 进度');

    // A photo posted there is kept; the way to hand it in is the work group, not binding this chat.
    const photo = await postPhoto(w.h, { chatId, sender: w.townshipLeader });
    const card = replyText(await replyAfterQuiet(w.h, w.clock, photo));
    expect(card).toContain('本群是城关镇的领导群，材料已保存，但不在这里交到任务里。');
    expect(card).not.toContain('绑定');
    const unfiled = replyText(await ask(chatId, '未归档'));
    expect(unfiled).toContain('本群是城关镇的领导群');
    expect(unfiled).not.toContain('绑定');

    // The county names the same chat: the outermost unit's (the county's, covering the township).
    await setUnit(w.org.county, `digestChat=${chatId}`);
    expect(replyText(await ask(chatId, '进度'))).toContain('LC县 · 进度');

    // Removed and added back: welcomed as the leaders' chat, not asked to bind.
    for (const type of ['deleted', 'added'] as const)
      expect((await w.h.post(botMembershipEvent({ appId: w.h.fake.appId, type, chatId }))).status).toBe(200);
    const welcome = await waitFor('the card on being added back', () =>
      w.h.fake
        .sentMessages()
        .filter((m) => m.receiveId === chatId && !m.replyTo)
        .find((m) => JSON.stringify(m.content).includes('领导群')),
    );
    expect(JSON.stringify(welcome.content)).toContain('本群是LC县的领导群，每周的进度周报发到这里。');
    expect(JSON.stringify(welcome.content)).not.toContain('绑定');
    // Still bound to no unit: no reminders, no 督办 cards there.
    const bindings = await queryRows(db(), sql`select 1 from chat_bindings where chat_id = ${chatId}`);
    expect(bindings).toEqual([]);
  });

  it('a county leader who is also a township’s archivist gets the county’s 进度 from the menu', async () => {
    // Before: 「您负责多个单位（LC县、城关镇），请在指令后写单位名称…」, which a menu tap cannot carry.
    const person = `ou_lc_nested_${randomBytes(6).toString('hex')}`;
    await addUnitRole(
      db(),
      { unitId: await unitId(w.org.county), openId: person, role: 'leader' },
      w.clock.now(),
    );
    await addUnitRole(
      db(),
      { unitId: await unitId(w.org.township), openId: person, role: 'archivist' },
      w.clock.now(),
    );
    const before = w.h.fake.sentMessages().length;
    expect(
      (await w.h.post(botMenuEvent({ appId: w.h.fake.appId, operatorOpenId: person, eventKey: 'progress' })))
        .status,
    ).toBe(200);
    const answer = await waitFor('the menu’s 进度', () =>
      w.h.fake
        .sentMessages()
        .slice(before)
        .find((m) => m.receiveId === person),
    );
    const text = JSON.stringify(answer.content);
    expect(text).toContain('LC县 · 进度');
    expect(text).not.toContain('您负责多个单位');
  });

  it('a township group naming a village of another township is told so, not answered for its own', async () => {
    // Before: 城关镇's 进度 card, with nothing saying 东村 was left aside.
    const reply = await ask(w.chats.township, '进度 东村');
    expect(replyText(reply)).toBe('东村不属于本群（城关镇），请私聊我查询。');
    // A village named as one elsewhere is the group's own: 乙镇's group asking 城关村 reads its 城关村 (LC22).
    const other = `oc_yz_${randomBytes(6).toString('hex')}`;
    await insertBinding(db(), { chatId: other, unitId: await unitId('LC20'), boundBy: null }, w.clock.now());
    const own = replyText(await ask(other, '进度 城关村'));
    expect(own).toContain('城关村 · 还没有任务清单');
    expect(own).not.toContain('不属于本群');
  });

  it('进度 of a township with 45 villages lists the 40 worst, worst first, says so, and links its page', async () => {
    // Before: the 40 best, best first: the 0% village, last in the ranking, was not on the card.
    const chatId = `oc_dz_${randomBytes(6).toString('hex')}`;
    await insertBinding(db(), { chatId, unitId: await unitId('LC30'), boundBy: null }, w.clock.now());
    const answer = await ask(chatId, '进度');
    const text = replyText(answer);
    expect(text).toContain('**下级单位**（共 45 个，列出完成率最低的 40 个）');
    // The worst first, with its place in the ranking.
    expect(text).toMatch(/下级单位\*\*（[^）]*）\n45\. 大7村\u30000%\n/);
    expect(text.match(/\d+\. 大\d+村/g)).toHaveLength(40);
    expect(cardLinks(answer.content)).toEqual([
      ['查看各村情况', `${PUBLIC_URL}/units/${await unitId('LC30')}`],
    ]);
  });
});
