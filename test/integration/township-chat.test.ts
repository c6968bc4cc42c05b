import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BIND, CARD_AGAIN, SPLIT } from '../../src/cards/actions.js';
import { addUnitRole } from '../../src/db/repos/people.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { buttonValue, cardButtons, cardLinks, cardMarkdownLinks } from '../support/cards.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { botMembershipEvent } from '../support/events.js';
import { replyText } from './capture-helpers.js';
import { waiveAllTasks } from './no-task-village.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

const PUBLIC_URL = 'https://archive.example.test';

/**
 * A township's group (城关镇, whose two villages have the county's 任务清单; the township has none of its
 * own, as usual) and a second township whose one village has none yet: what 任务 and 帮助 say there.
 */
describe('a township group asks 任务 and 帮助', () => {
  let w: SchedulesWorld;
  let townshipId: number;
  let newTownship: string;
  const ask = (text: string, chatId = w.chats.township, chatType: 'group' | 'p2p' = 'group') =>
    sayToBot(w.h, {
      chatId,
      chatType,
      sender: w.townshipLeader,
      text,
      createTimeMs: w.clock.now().getTime(),
    });
  beforeAll(async () => {
    w = await schedulesWorld('TS', '2026-11-23T10:00:00+08:00', { harness: { env: { PUBLIC_URL } } });
    townshipId = (await getUnitByCode(w.h.db.db, w.org.township))!.id;
    // 城关村's C01 was due on 10 November: one task overdue.
    await w.setDue(w.org.village, 'C01', '2026-11-10');
    // 新镇 and its 新镇村, which has no 任务清单 yet; the township's group is bound.
    await importUnits(
      { db: w.h.db.db, clock: w.clock },
      {
        fileName: 'units.csv',
        text: ['code,name,kind,parent_code', 'TS20,新镇,township,TS00', 'TS21,新镇村,village,TS20'].join(
          '\n',
        ),
      },
    );
    newTownship = `oc_t2_${randomBytes(8).toString('hex')}`;
    await insertBinding(
      w.h.db.db,
      { chatId: newTownship, unitId: (await getUnitByCode(w.h.db.db, 'TS20'))!.id, boundBy: null },
      w.clock.now(),
    );
  });
  afterAll(() => w?.close());

  it('任务 with no task of the township’s own: its villages, the worst first, and its page; not 「没有未完成的任务 👍」', async () => {
    // Before: 「城关镇 · 归档任务」「没有未完成的任务 👍」 while its villages owed 50 tasks, one overdue.
    const answer = await ask('任务');
    const text = replyText(answer);
    expect(text).toContain('城关镇 · 各村的任务');
    expect(text).toContain(
      '本乡镇自己没有要交材料的任务。\n下属 2 个村还有 **50** 项任务没交齐，其中逾期 **1** 项。\n最需要督促：城关村 0%（逾期 1 项）、河口村 0%',
    );
    expect(text).toContain('发送「进度」看各村完成率，「缺什么」看各村还缺的材料。');
    expect(text).not.toContain('👍');
    expect(cardLinks(answer.content)).toEqual([['查看各村情况', `${PUBLIC_URL}/units/${townshipId}`]]);
    // The township leader's direct chat with the bot: their township, the same answer.
    const direct = replyText(await ask('任务', `oc_p2p_${w.townshipLeader}`, 'p2p'));
    expect(direct).toContain('下属 2 个村还有 **50** 项任务没交齐，其中逾期 **1** 项。');
  });

  it('帮助 says what the township group is for and where its villages are, not to wait for a 任务清单', async () => {
    // Before: 「本单位还没有要交材料的任务。…要等县里给本单位下发任务清单后才能选任务…」.
    const help = await ask('帮助');
    const text = replyText(help);
    expect(text).toContain(
      '我会自动保存原件并登记。这是乡镇的工作群，发到本群的材料都会保存好，归入本乡镇自己的档案。各村交材料的情况：发送「进度」看各村完成率，「缺什么」看各村还缺的材料；您可以在[本乡镇的网页]',
    );
    expect(text).toContain('上督办逾期的村。');
    expect(cardMarkdownLinks(help.content)).toEqual([['本乡镇的网页', `${PUBLIC_URL}/units/${townshipId}`]]);
    expect(text).not.toContain('任务清单');
    expect(text).not.toContain('选择交到哪项任务');
    expect(text).not.toContain('说明文字里写任务编号');
  });

  it('帮助 in the township group names 督办 only to whoever may 督办: a village officer there is not told of it', async () => {
    // Before: 「领导、档案员可以在本乡镇的网页上督办逾期的村」 to everyone, the officer who cannot too.
    const help = await sayToBot(w.h, {
      chatId: w.chats.township,
      chatType: 'group',
      sender: w.org.officer,
      text: '帮助',
      createTimeMs: w.clock.now().getTime(),
    });
    const text = replyText(help);
    expect(text).toContain('各村交材料的情况：发送「进度」看各村完成率，「缺什么」看各村还缺的材料。');
    expect(text).not.toContain('督办');
    expect(cardMarkdownLinks(help.content)).toEqual([]);
  });

  it('a township whose villages have no 任务清单 yet: 任务, 缺什么 and 进度 say so, not that the township waits for one', async () => {
    // Before: 「本单位还没有要交材料的任务。…要等县里给本单位下发任务清单后才能选任务…」.
    for (const words of ['任务', '缺什么', '进度']) {
      const text = replyText(await ask(words, newTownship));
      expect(text, words).toContain('新镇 · 各村还没有任务清单');
      expect(text, words).toContain(
        '各村还没有任务清单，还没有要交的材料。县里给各村下发任务清单后，发送「进度」就能看各村的情况。发到本群的材料都会保存好，归入本乡镇自己的档案。',
      );
      expect(text, words).not.toContain('本单位');
    }
    expect(replyText(await ask('帮助', newTownship))).toContain('这是乡镇的工作群');
  });

  /** The county leader asks in a new group bound to the county. */
  const askInCountyGroup = async (text: string) => {
    const county = (await getUnitByCode(w.h.db.db, w.org.county))!;
    const chatId = `oc_c_${randomBytes(8).toString('hex')}`;
    await insertBinding(w.h.db.db, { chatId, unitId: county.id, boundBy: null }, w.clock.now());
    const answer = await sayToBot(w.h, {
      chatId,
      chatType: 'group',
      sender: w.org.leader,
      text,
      createTimeMs: w.clock.now().getTime(),
    });
    return { county, answer };
  };

  it('任务 in the county’s group: its townships, the worst first, and its page; not 「没有未完成的任务 👍」', async () => {
    // Before: 「没有未完成的任务 👍」 while 城关镇's villages owed 50 tasks, one overdue.
    const { county, answer } = await askInCountyGroup('任务');
    const text = replyText(answer);
    expect(text).toContain(`${county.name} · 各乡镇的任务`);
    // 新镇, whose village has no 任务清单 yet, is counted but not chased.
    expect(text).toContain(
      '本单位自己没有要交材料的任务。\n下属 2 个乡镇还有 **50** 项任务没交齐，其中逾期 **1** 项。\n最需要督促：城关镇 0%（逾期 1 项）',
    );
    expect(text).toContain('发送「进度」看各乡镇完成率，「缺什么」看各村还缺的材料。');
    expect(text).not.toContain('👍');
    expect(cardLinks(answer.content)).toEqual([['查看各乡镇情况', `${PUBLIC_URL}/units/${county.id}`]]);
  });

  it('缺什么 in the township’s and the county’s group: grouped by village (under their township), the first few of each, and where the rest is', async () => {
    // Before: one list of 30 tasks, 「（城关村）」 after each, the county's villages not told apart by township.
    // And 「发送「缺什么 城关村」」, which typed so in a group (no @) is chat and gets no answer.
    const township = await ask('缺什么');
    const text = replyText(township);
    expect(text).toContain('城关镇 · 还缺什么（50 项）');
    const blocks = text.split('**').filter((_, i) => i % 2 === 1);
    expect(blocks.filter((b) => b === '城关村' || b === '河口村')).toEqual(['城关村', '河口村']);
    expect(text).toMatch(
      /\*\*城关村\*\*\n- 🔴 逾期 13 天\u3000\*\*#C01\*\* [^\n]+\n- 截止 [^\n]+\n- 截止 [^\n]+\n- …\n\*\*河口村\*\*\n/,
    );
    expect(text).not.toContain('（城关村）');
    expect(text).toContain(
      '还有 **44** 项没列出：发送「@归档助手 缺什么 城关村」看一个村还缺的，「进度」看各村完成率。',
    );
    expect(cardLinks(township.content)).toEqual([['查看各村情况', `${PUBLIC_URL}/units/${townshipId}`]]);
    // The pointer holds: 缺什么 naming the village in the township's group.
    expect(replyText(await ask('缺什么 城关村'))).toContain('城关村 · 还缺什么（25 项）');

    const { county, answer } = await askInCountyGroup('缺什么');
    const countyText = replyText(answer);
    expect(countyText).toContain(`${county.name} · 还缺什么（50 项）`);
    expect(countyText).toContain('**城关镇 · 城关村**\n- 🔴 逾期 13 天');
    expect(countyText).toContain('**城关镇 · 河口村**\n');
    expect(countyText).toContain(
      '还有 **44** 项没列出：发送「@归档助手 缺什么 城关镇」看一个乡镇还缺的，「进度」看各乡镇完成率。',
    );
    expect(cardLinks(answer.content)).toEqual([['查看各乡镇情况', `${PUBLIC_URL}/units/${county.id}`]]);
    // Short enough for a phone: 6 tasks, not 30.
    expect(countyText.match(/\*\*#C\d+\*\*/g)).toHaveLength(6);
  });

  it('a township with a task of its own: listed, with its villages below', async () => {
    await w.h.db.db.execute(
      sql`insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds,
            min_count, keywords, due_at, responsible, created_at)
          select campaign_id, ${townshipId}, 'T01', 'T01', 1, '乡镇年度工作总结', class, retention, kinds,
            1, '{}'::text[], due_at, '{}'::text[], created_at
          from tasks where id = ${await w.taskId(w.org.village, 'C02')}`,
    );
    const text = replyText(await ask('任务'));
    expect(text).toContain('城关镇 · 未完成的归档任务（1 项）');
    expect(text).toContain('**#T01** 乡镇年度工作总结');
    expect(text).toContain('**各村**\n下属 2 个村还有 **50** 项任务没交齐，其中逾期 **1** 项。');
  });

  it('every village task waived: the villages are said to be done', async () => {
    await w.h.db.db.execute(sql`delete from tasks where code = 'T01' and unit_id = ${townshipId}`);
    await waiveAllTasks(w, w.org.village);
    await waiveAllTasks(w, 'TS12');
    const text = replyText(await ask('任务'));
    expect(text).toContain('本乡镇自己没有要交材料的任务。\n下属 2 个村的任务都已交齐或免交 👍');
    expect(text).not.toContain('最需要督促');
  });

  it('a 街道 of 社区 and of a 村 and 社区 mixed: its units are not all called 村', async () => {
    // 城东街道: 东风社区 and 西园村, both with the 任务清单; 滨河街道: 滨河社区, none yet.
    await importUnits(
      { db: w.h.db.db, clock: w.clock },
      {
        fileName: 'units.csv',
        text: [
          'code,name,kind,parent_code',
          'TS40,城东街道,township,TS00',
          'TS41,东风社区,社区,TS40',
          'TS42,西园村,village,TS40',
          'TS50,滨河街道,township,TS00',
          'TS51,滨河社区,社区,TS50',
        ].join('\n'),
      },
    );
    await createCampaign(campaignDeps({ db: w.h.db.db, clock: w.clock }), {
      checklistCode: 'village-jzfp',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      unitCodes: ['TS41', 'TS42'],
      createdBy: 'cli',
      code: 'TS-street-2026',
    });
    const bindTo = async (code: string) => {
      const chatId = `oc_s_${randomBytes(8).toString('hex')}`;
      const unitId = (await getUnitByCode(w.h.db.db, code))!.id;
      await insertBinding(w.h.db.db, { chatId, unitId, boundBy: null }, w.clock.now());
      return chatId;
    };
    const mixed = await bindTo('TS40');
    const streets = await bindTo('TS50');
    // Before: 「下属 2 个村还有…」, 「看各村完成率」 for a 社区 and a 村.
    const tasks = replyText(await ask('任务', mixed));
    expect(tasks).toContain('城东街道 · 各村（社区）的任务');
    expect(tasks).toContain('下属 2 个村（社区）还有 **50** 项任务没交齐');
    expect(tasks).toContain('发送「进度」看各村（社区）完成率，「缺什么」看各村（社区）还缺的材料。');
    // Before: 「滨河街道 · 各村还没有任务清单」 of its one 社区.
    for (const words of ['任务', '进度']) {
      const text = replyText(await ask(words, streets));
      expect(text, words).toContain('滨河街道 · 各社区还没有任务清单');
      expect(text, words).toContain('各社区还没有任务清单，还没有要交的材料。县里给各社区下发任务清单后');
      expect(text, words).not.toContain('村');
    }
    const help = replyText(await ask('帮助', streets));
    expect(help).toContain('各社区交材料的情况：发送「进度」看各社区完成率，「缺什么」看各社区还缺的材料');
    // The county's villages now mix 村 and 社区: its 任务 says so.
    const county = (await getUnitByCode(w.h.db.db, w.org.county))!;
    const countyChat = await bindTo(w.org.county);
    const countyText = replyText(
      await sayToBot(w.h, {
        chatId: countyChat,
        chatType: 'group',
        sender: w.org.leader,
        text: '任务',
        createTimeMs: w.clock.now().getTime(),
      }),
    );
    expect(countyText).toContain(`${county.name} · 各乡镇的任务`);
    expect(countyText).toContain('「缺什么」看各村（社区）还缺的材料。');
  });
});

/**
 * Materials sent to a township's group (城关镇: no task of its own, its villages have theirs): the filing
 * card, 未归档 and its buttons, 分开交 and the card after binding say they are kept for the township's own
 * archive, and never promise a 任务清单 the township may never get.
 */
describe('materials sent to a township group with no task of its own', () => {
  let w: SchedulesWorld;
  let townshipId: number;
  const OWN =
    '这是乡镇的群，发到本群的材料都会保存好，归入本乡镇自己的档案，不用选任务；不用交的材料点「不用交」。村里的材料请发到那个村的群里（或问问档案员）。';
  const cardsUnder = (messageId: string) => w.h.fake.sentMessages().filter((m) => m.replyTo === messageId);
  const ask = (text: string, chatType: 'group' | 'p2p' = 'group') =>
    sayToBot(w.h, {
      chatId: chatType === 'group' ? w.chats.township : `oc_p2p_${w.townshipLeader}`,
      chatType,
      sender: w.townshipLeader,
      text,
      createTimeMs: w.clock.now().getTime(),
    });
  beforeAll(async () => {
    w = await schedulesWorld('TM', '2026-11-23T10:00:00+08:00');
    townshipId = (await getUnitByCode(w.h.db.db, w.org.township))!.id;
    w.h.fake.addChat({
      chatId: w.chats.township,
      name: '城关镇工作群',
      members: [{ openId: w.townshipLeader, name: '钱镇长' }],
    });
  });
  afterAll(() => w?.close());

  it('the filing card, 未归档 and its 选任务: kept for the township’s own archive, no 任务清单 promised', async () => {
    const photo = await postPhoto(w.h, { chatId: w.chats.township, sender: w.townshipLeader });
    const card = await replyAfterQuiet(w.h, w.clock, photo);
    // Before: 「本单位还没有要交材料的任务，材料已保存好。任务下发后，我会再发选择卡片…」.
    expect(replyText(card)).toContain(OWN);
    expect(replyText(card)).not.toContain('任务下发后');
    expect(cardButtons(card.content).map((b) => b.text)).toEqual(['不用交']);
    const burst = buttonValue(card.content, 'skip').b;
    // Before: 「…要等县里给本单位下发任务清单后才能选任务（可以问问档案员），下发后我会再发选择卡片。」
    const list = await ask('未归档');
    expect(replyText(list)).toContain('本群还有 **1** 组材料没交到任务里。' + OWN);
    expect(replyText(list)).not.toContain('任务清单');
    expect(cardButtons(list.content)).toEqual([]);
    // The leader's own list in a direct chat, only the township's photo waiting: the township named,
    // no 本群 (the direct chat is no group).
    // Before: 「您发的材料中，还有 1 组…这是乡镇的群，发到本群的材料都会保存好，归入本乡镇自己的档案…」.
    const own = await ask('未归档', 'p2p');
    expect(replyText(own)).toContain(
      '您发的材料中，还有 **1** 组材料没交到任务里。城关镇是乡镇，发到城关镇的群里的材料都会保存好，归入城关镇自己的档案，不用选任务；不用交的材料在群里点「不用交」。村里的材料请发到那个村的群里（或问问档案员）。',
    );
    expect(replyText(own)).not.toContain('本群');
    expect(replyText(own)).not.toContain('本乡镇');
    expect(cardButtons(own.content)).toEqual([]);
    // The leader's own list in a direct chat, with a photo also waiting in a village's group: 选任务 for
    // that one, and the township's line says there is nothing to choose.
    w.h.fake.addChat({
      chatId: w.chats.village1,
      name: '城关村工作群',
      members: [{ openId: w.townshipLeader, name: '钱镇长' }],
    });
    const elsewhere = await postPhoto(w.h, { chatId: w.chats.village1, sender: w.townshipLeader });
    await replyAfterQuiet(w.h, w.clock, elsewhere);
    const dm = await ask('未归档', 'p2p');
    expect(replyText(dm)).toContain('这是乡镇的群，材料归入乡镇自己的档案，不用选任务。');
    expect(replyText(dm)).not.toContain('本群');
    expect(replyText(dm)).not.toContain('先不用选');
    expect(cardButtons(dm.content).map((b) => b.text)).toEqual(['选任务']);
    // 选任务 on a list drawn before: the same words, and no card under the photo.
    const tap = await tapCard(w.h, {
      operator: w.townshipLeader,
      value: CARD_AGAIN.value({ b: burst }),
      chatId: w.chats.township,
      messageId: list.messageId,
    });
    expect(tap.toast).toEqual({ type: 'info', content: OWN });
    // The same tapped on the leader's direct list: the township named, no 本群.
    const tapDirect = await tapCard(w.h, {
      operator: w.townshipLeader,
      value: CARD_AGAIN.value({ b: burst }),
      chatId: `oc_p2p_${w.townshipLeader}`,
      messageId: own.messageId,
    });
    expect(tapDirect.toast?.content).toContain('城关镇是乡镇，发到城关镇的群里的材料都会保存好');
    expect(tapDirect.toast?.content).not.toContain('本群');
    await w.h.settle();
    expect(cardsUnder(photo)).toHaveLength(1);
  });

  it('分开交 on an older card says the same, not to wait for a 任务清单', async () => {
    const first = await postPhoto(w.h, { chatId: w.chats.township, sender: w.townshipLeader });
    await postPhoto(w.h, { chatId: w.chats.township, sender: w.townshipLeader });
    const card = await replyAfterQuiet(w.h, w.clock, first);
    const tap = await tapCard(w.h, {
      operator: w.townshipLeader,
      value: SPLIT.value({ b: buttonValue(card.content, 'skip').b, r: 0 }),
      chatId: w.chats.township,
      messageId: card.messageId,
    });
    // Before: 「…要等县里给本单位下发任务清单后才能选任务…」.
    expect(tap.toast).toEqual({ type: 'error', content: OWN });
  });

  it('binding a new group to the township: its materials are its own archive, no 任务清单 promised', async () => {
    const chatId = `oc_tnew_${randomBytes(8).toString('hex')}`;
    w.h.fake.addChat({ chatId, name: '城关镇新群', members: [{ openId: w.townshipLeader, name: '钱镇长' }] });
    await w.h.post(
      botMembershipEvent({ appId: w.h.fake.appId, type: 'added', chatId, operatorOpenId: w.townshipLeader }),
    );
    const photo = await postPhoto(w.h, { chatId, sender: w.townshipLeader });
    expect(replyText(await replyAfterQuiet(w.h, w.clock, photo))).toContain('本群还没有绑定单位');
    await addUnitRole(
      w.h.db.db,
      { unitId: townshipId, openId: w.townshipLeader, role: 'officer' },
      w.clock.now(),
    );
    const bound = await tapCard(w.h, {
      operator: w.townshipLeader,
      value: BIND.value({ u: townshipId }),
      chatId,
      messageId: `om_${randomBytes(8).toString('hex')}`,
    });
    expect(bound.toast?.type).toBe('success');
    const text = JSON.stringify(bound.card!.data);
    // Before: 「…还没交到任务里。…要等县里给本单位下发任务清单后才能选任务…」 and 「现在发送到本群的材料都会
    // 归入该单位的任务。」
    expect(text).toContain('绑定前发到本群的 **1** 组材料也已保存好。');
    expect(text).toContain(`${OWN}发送「@归档助手 任务」查看各村的情况。`);
    expect(text).not.toContain('任务清单');
    expect(text).not.toContain('归入该单位的任务');
    await w.h.settle();
    expect(cardsUnder(photo)).toHaveLength(1);
  });

  it('a village’s group is told as before: wait for its 任务清单', async () => {
    // 河口村 (TM12) has its tasks; a new village with none, in its own bound group, is unchanged.
    await importUnits(
      { db: w.h.db.db, clock: w.clock },
      { fileName: 'units.csv', text: 'code,name,kind,parent_code\nTM19,新村,village,TM10' },
    );
    const chatId = `oc_vnew_${randomBytes(8).toString('hex')}`;
    w.h.fake.addChat({ chatId, name: '新村工作群', members: [{ openId: w.org.officer, name: '王村官' }] });
    await insertBinding(
      w.h.db.db,
      { chatId, unitId: (await getUnitByCode(w.h.db.db, 'TM19'))!.id, boundBy: null },
      w.clock.now(),
    );
    const photo = await postPhoto(w.h, { chatId, sender: w.org.officer });
    expect(replyText(await replyAfterQuiet(w.h, w.clock, photo))).toContain(
      '本单位还没有要交材料的任务，材料已保存好。任务下发后，我会再发选择卡片',
    );
  });
});
