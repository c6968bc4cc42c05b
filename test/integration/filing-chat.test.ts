import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { grantRole } from '../../src/usecases/change-role.js';
import { STILL_WORKING } from '../../src/usecases/card-actions.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { localDay } from '../../src/domain/working-days.js';
import { LATE_CAPTION_MS } from '../../src/domain/burst.js';
import { buttonValue, cardButtons, cardMenus } from '../support/cards.js';
import { tapCard } from '../support/chat-actions.js';
import { botMembershipEvent, cardActionEvent, commandEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { bindVillageChat, deliverMemberEvent, joinVillageChat } from '../support/bound-chat.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

describe('filing in the chat (bind, filing card, reply, #code, undo, commands)', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  // Bursts close when the test moves this clock past their quiet window, not after real seconds.
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'F' });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const cardOf = (m: { content: unknown }) => m.content as any;
  const buttonsOf = cardButtons;
  const click = (
    operator: string,
    value: Record<string, unknown>,
    messageId?: string,
    formValue?: Record<string, unknown>,
  ) => tapCard(h, { operator, value, chatId, messageId, formValue });
  const postPhotos = async (n: number, opts: { text?: string; parentId?: string } = {}) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++)
      ids.push(await postPhoto(h, { chatId, sender: org.officer, parentId: opts.parentId }));
    if (opts.text) await postText(h, { chatId, sender: org.officer, text: opts.text });
    return ids;
  };
  /** The burst's reply to its first photo, once its quiet window has passed on the test clock. */
  const burstReply = (firstId: string) => replyAfterQuiet(h, clock, firstId);
  const replyTo = (messageId: string) =>
    waitFor(`a reply to ${messageId}`, () => h.fake.sentMessages().find((m) => m.replyTo === messageId));
  /** `sender` writes 「@归档助手 绑定 城关」 in `chat`: the bot's answer (the units to choose from). */
  const askToBind = async (chat: string, sender: string) => {
    const cmd = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId: chat,
      senderOpenId: sender,
      text: '绑定 城关',
    });
    await h.post(cmd);
    return replyTo(cmd.event.message.message_id);
  };
  const liveItems = async () =>
    queryRows<{ id: number; task_code: string; n: number; via: string }>(
      h.db.db,
      sql`select fi.id::int as id, t.code as task_code, count(fim.material_id)::int as n, fi.via
          from filing_items fi join tasks t on t.id = fi.task_id
          left join filing_item_materials fim on fim.item_id = fi.id
          where fi.undone_at is null and fi.chat_id = ${chatId} group by fi.id, t.code order by fi.id`,
    );

  it('posts an onboarding card when added, and binds the chat by fuzzy name after confirmation', async () => {
    await h.post(
      botMembershipEvent({
        appId: h.fake.appId,
        type: 'added',
        chatId,
        name: '城关村工作群',
        operatorOpenId: org.officer,
      }),
    );
    const onboarding = await waitFor('onboarding card', () =>
      h.fake.sentMessages().find((m) => m.receiveId === chatId && JSON.stringify(m.content).includes('绑定')),
    );
    // The officer who added the bot may bind (below): the card must not send them to wait for 管理员.
    // The chat's name (城关村工作群) names the village: it is offered as one tap, the command as the way out.
    expect(JSON.stringify(onboarding.content)).toContain(
      '把我拉进群的本单位工作人员（或管理员）点一下即可绑定',
    );
    expect(JSON.stringify(onboarding.content)).toContain('都不对就发送「@归档助手 绑定 村名或单位代码」');
    expect(buttonsOf(cardOf(onboarding)).map((b) => b.text)).toEqual([
      `绑定 F县/城关镇/城关村（${org.village}）`,
    ]);

    const choices = await askToBind(chatId, org.officer);
    const buttons = buttonsOf(cardOf(choices));
    expect(buttons[0]?.text).toContain('城关村');
    const stranger = await click('ou_stranger', buttons[0]!.value);
    expect(stranger.toast.type).toBe('error');
    const res = await click(org.officer, buttons[0]!.value);
    expect(res.toast.type).toBe('success');
    const [binding] = await queryRows<{ code: string }>(
      h.db.db,
      sql`select u.code from chat_bindings b join units u on u.id = b.unit_id where b.chat_id = ${chatId} and b.status = 'active'`,
    );
    expect(binding?.code).toBe(org.village);
  });

  it('binds with one tap on the onboarding card when the group is named for the village, and only offers what the name says', async () => {
    const join = async (name: string, adder = org.officer) => {
      const chat = id('oc_named_');
      h.fake.addChat({ chatId: chat, name, members: [{ openId: adder, name: '赵书记' }] });
      await h.post(
        botMembershipEvent({ appId: h.fake.appId, type: 'added', chatId: chat, name, operatorOpenId: adder }),
      );
      const card = await waitFor(`onboarding card of ${name}`, () =>
        h.fake
          .sentMessages()
          .find((m) => m.receiveId === chat && JSON.stringify(m.content).includes('第一步')),
      );
      return { chat, card, buttons: buttonsOf(cardOf(card)) };
    };
    // 「城关镇」 is the township's name, not 城关村's: the township is offered, not the village.
    const township = await join('城关镇工作群');
    expect(township.buttons.map((b) => b.text)).toEqual(['绑定 F县/城关镇（F10）']);
    // A name that names no unit: the command, as before, and nothing to tap.
    const plain = await join('周例会');
    expect(plain.buttons).toEqual([]);
    expect(JSON.stringify(plain.card.content)).toContain(
      '把我拉进群的本单位工作人员（或管理员）请发送「@归档助手 绑定',
    );

    // The county's leader adds the bot to 河口村's group: they may bind it (a role above the village).
    const named = await join('城关镇河口村档案群', org.leader);
    const [offer] = named.buttons;
    expect(offer?.text).toBe('绑定 F县/城关镇/河口村（F12）');
    // Anyone else than the adder or an admin is refused, as with the 绑定 command's card.
    const stranger = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: 'ou_stranger',
        value: offer!.value,
        chatId: named.chat,
      }),
    );
    expect(((await stranger.json()) as any).toast.type).toBe('error');
    const tap = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.leader,
        value: offer!.value,
        chatId: named.chat,
        messageId: named.card.messageId,
      }),
    );
    expect(((await tap.json()) as any).toast.type).toBe('success');
    const [bound] = await queryRows<{ code: string }>(
      h.db.db,
      sql`select u.code from chat_bindings b join units u on u.id = b.unit_id where b.chat_id = ${named.chat} and b.status = 'active'`,
    );
    expect(bound?.code).toBe('F12');
  });

  it('photos sent before the chat was bound get their filing card as soon as it is bound', async () => {
    const early = id('oc_early_');
    h.fake.addChat({ chatId: early, name: '城关村新群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.post(
      botMembershipEvent({ appId: h.fake.appId, type: 'added', chatId: early, operatorOpenId: org.officer }),
    );
    const photo = await postPhoto(h, { chatId: early, sender: org.officer });
    const unbound = await replyAfterQuiet(h, clock, photo);
    expect(JSON.stringify(unbound.content)).toContain('本群还没有绑定单位');
    expect(cardButtons(unbound.content)).toEqual([]);

    const choices = await askToBind(early, org.officer);
    const bind = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: buttonsOf(cardOf(choices))[0]!.value,
        chatId: early,
        messageId: choices.messageId,
      }),
    );
    const bound = (await bind.json()) as any;
    expect(bound.toast.type).toBe('success');
    expect(JSON.stringify(bound.card.data)).toContain(
      '绑定前发到本群的 **1** 组材料还没交到任务里，选择卡片已重新发在原消息下面',
    );
    const again = await waitFor(
      'the filing card under the early photo',
      () => h.fake.sentMessages().filter((m) => m.replyTo === photo)[1],
    );
    const choice = buttonsOf(cardOf(again)).find((b) => b.value.a === 'file')!;
    const res = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: choice.value,
        chatId: early,
        messageId: again.messageId,
      }),
    );
    expect(((await res.json()) as any).toast.type).toBe('success');
    const [filed] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from filing_items where chat_id = ${early} and undone_at is null`,
    );
    expect(filed).toEqual({ n: 1 });
  });

  it('a chat with more than 200 bursts waiting when bound counts them all on the bound card', async () => {
    const early = id('oc_early_');
    h.fake.addChat({ chatId: early, name: '城关村旧群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.post(
      botMembershipEvent({ appId: h.fake.appId, type: 'added', chatId: early, operatorOpenId: org.officer }),
    );
    // 203 photos answered 「本群还没有绑定单位」 over the hours before (as capture leaves them).
    const t0 = new Date(clock.now().getTime() - 6 * 3600_000).toISOString();
    await queryRows(
      h.db.db,
      sql`insert into bursts (chat_id, sender_open_id, first_message_id, first_at, last_at, closes_at, status,
            created_at, ack_claimed_at, ack_message_id)
          select ${early}, ${org.officer}, ${early} || '_photo_' || g, t, t, t, 'closed', t, t, ${early} || '_ack_' || g
          from generate_series(1, 203) g, lateral (select ${t0}::timestamptz + g * interval '1 minute' as t) x
          returning id`,
    );
    await queryRows(
      h.db.db,
      sql`insert into materials (message_id, resource_key, resource_type, chat_id, sender_open_id, sent_at, kind,
            original_name, status, burst_id, created_at)
          select b.first_message_id, 'img_' || b.id, 'image', b.chat_id, b.sender_open_id, b.first_at, 'photo',
            'IMG.jpg', 'stored', b.id, b.first_at
          from bursts b where b.chat_id = ${early} returning id`,
    );
    const choices = await askToBind(early, org.officer);
    const bound = await tapCard(h, {
      operator: org.officer,
      value: buttonsOf(cardOf(choices))[0]!.value,
      chatId: early,
      messageId: choices.messageId,
    });
    expect(bound.toast.type).toBe('success');
    // Before: 「绑定前发到本群的 **200** 组材料」.
    expect(JSON.stringify(bound.card.data)).toContain(
      '绑定前发到本群的 **203** 组材料还没交到任务里：最早的 5 组的选择卡片已重新发在原消息下面',
    );
  });

  it('a 绑定 whose earlier cards could not be queued for a moment is run again: the cards go out, the card says so', async () => {
    const early = id('oc_early_');
    h.fake.addChat({ chatId: early, name: '城关村二群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.post(
      botMembershipEvent({ appId: h.fake.appId, type: 'added', chatId: early, operatorOpenId: org.officer }),
    );
    const photo = await postPhoto(h, { chatId: early, sender: org.officer });
    await replyAfterQuiet(h, clock, photo);
    const choices = await askToBind(early, org.officer);
    // The binding commits, then the database refuses the next statement once (out of connections,
    // 53300): the tap is answered 处理中 and its card-action job runs it again.
    // (A sequence counts the tries: its nextval is not rolled back with the refused statement.)
    await h.db.db.execute(sql`create sequence card_again_tries`);
    await h.db.db.execute(
      sql.raw(`create function fail_card_again() returns trigger language plpgsql as $$
      begin
        if new.kind = 'filing-card-again' and nextval('card_again_tries') = 1 then
          raise exception 'sorry, too many clients already' using errcode = '53300';
        end if;
        return new;
      end $$`),
    );
    await h.db.db.execute(
      sql`create trigger fail_card_again before insert on jobs for each row execute function fail_card_again()`,
    );
    try {
      const bind = await h.post(
        cardActionEvent({
          appId: h.fake.appId,
          operatorOpenId: org.officer,
          value: buttonsOf(cardOf(choices))[0]!.value,
          chatId: early,
          messageId: choices.messageId,
        }),
      );
      expect(((await bind.json()) as any).toast.content).toBe(STILL_WORKING);
      const patched = await waitFor('the bound card', () =>
        h.fake.patches().find((p) => p.messageId === choices.messageId),
      );
      expect(JSON.stringify(patched.content)).toContain(
        '绑定前发到本群的 **1** 组材料还没交到任务里，选择卡片已重新发在原消息下面',
      );
      await waitFor(
        'the filing card under the early photo',
        () => h.fake.sentMessages().filter((m) => m.replyTo === photo)[1],
      );
      await h.settle();
      expect(h.fake.sentMessages().filter((m) => m.replyTo === photo)).toHaveLength(2);
    } finally {
      await h.db.db.execute(sql`drop trigger fail_card_again on jobs`);
      await h.db.db.execute(sql`drop function fail_card_again()`);
      await h.db.db.execute(sql`drop sequence card_again_tries`);
    }
  });

  it("refuses binding a stranger's group to a village: adding the bot gives no right over the unit", async () => {
    const other = `oc_outsider_${Date.now()}`;
    await h.post(
      botMembershipEvent({
        appId: h.fake.appId,
        type: 'added',
        chatId: other,
        operatorOpenId: 'ou_outsider',
      }),
    );
    const buttons = buttonsOf(cardOf(await askToBind(other, 'ou_outsider')));
    const res = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: 'ou_outsider',
        value: buttons[0]!.value,
        chatId: other,
      }),
    );
    const body = (await res.json()) as any;
    expect(body.toast.type).toBe('error');
    // Whom to ask, not only who may: before, the toast named no one, and the group's materials waited.
    const village = (await getUnitByCode(h.db.db, org.village))!;
    expect(body.toast.content).toBe(
      `只有${village.name}（或上级）的管理员，或把我拉进群且在${village.name}任职的人，可以绑定到这个单位。请找县里管理归档助手的同事绑定。`,
    );
    // With an admin over the village (its township's), they are named.
    await grantRole(
      { db: h.db.db, clock },
      {
        unitId: (await getUnitByCode(h.db.db, org.township))!.id,
        person: { openId: id('ou_tadmin_'), name: '钱镇管' },
        role: 'admin',
        actor: 'cli',
        source: 'cli',
      },
    );
    const again = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: 'ou_outsider',
        value: buttons[0]!.value,
        chatId: other,
      }),
    );
    expect(((await again.json()) as any).toast.content).toContain(
      `请找城关镇的管理员钱镇管来绑定，或请他们先把您设为${village.name}的工作人员。`,
    );
    const bindings = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from chat_bindings where chat_id = ${other}`,
    );
    expect(bindings[0]?.n).toBe(0);
  });

  it('a 绑定 card forwarded into a direct chat with the bot binds nothing there, even for an admin', async () => {
    const admin = id('ou_admin_');
    await grantRole(
      { db: h.db.db, clock },
      {
        unitId: (await getUnitByCode(h.db.db, org.township))!.id,
        person: { openId: admin, name: '镇管理员' },
        role: 'admin',
        actor: 'cli',
        source: 'cli',
      },
    );
    const group = id('oc_group_');
    const card = await askToBind(group, admin);
    const value = buttonsOf(cardOf(card))[0]!.value;
    // Forwarded to the bot, the card arrives as a message of the direct chat (recorded as p2p); a
    // direct chat the bot has not recorded yet is one Lark describes as p2p.
    const dm = id('oc_dm_');
    await h.post(
      messageEvent({
        appId: h.fake.appId,
        chatId: dm,
        chatType: 'p2p',
        senderOpenId: admin,
        msgType: 'interactive',
        content: cardOf(card),
      }),
    );
    await h.settle();
    const unseen = id('oc_dm_');
    h.fake.addChat({
      chatId: unseen,
      name: '',
      chatMode: 'p2p',
      members: [{ openId: admin, name: '镇管理员' }],
    });
    for (const where of [dm, unseen]) {
      const res = await h.post(
        cardActionEvent({ appId: h.fake.appId, operatorOpenId: admin, value, chatId: where }),
      );
      expect(await res.json()).toEqual({
        toast: { type: 'error', content: '请在要绑定的群里 @我 发送「绑定 村名」。' },
      });
    }
    const [bindings] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from chat_bindings where chat_id in (${dm}, ${unseen})`,
    );
    expect(bindings?.n).toBe(0);
    // In the group it was sent to, the same button binds.
    const bound = await h.post(
      cardActionEvent({ appId: h.fake.appId, operatorOpenId: admin, value, chatId: group }),
    );
    expect(((await bound.json()) as any).toast.type).toBe('success');
  });

  it('files 5 captionless photos as one item with one tap on the filing card, updating the card', async () => {
    const ids = await postPhotos(5);
    const ack = await burstReply(ids[0]!);
    expect(h.fake.sentMessages().filter((m) => ids.includes(m.replyTo ?? ''))).toHaveLength(1);
    const card = cardOf(ack);
    expect(JSON.stringify(card)).toContain('收到 5 张照片');
    // A photo task (archived as 照片): under a task that takes documents too, photos are the
    // pages of a 文书 件 and get no photo description.
    const choice = buttonsOf(card).find((b) => b.value.a === 'file' && b.text.includes('照片'))!;
    expect(choice).toBeTruthy();

    const refused = await click('ou_not_a_member', choice.value, ack.messageId);
    expect(refused.toast.type).toBe('error');
    expect(refused.card).toBeUndefined();
    expect(await liveItems()).toHaveLength(0);

    const res = await click(org.officer, choice.value, ack.messageId);
    expect(res.toast.type).toBe('success');
    expect(JSON.stringify(res.card.data)).toContain('已交到');
    const items = await liveItems();
    expect(items).toHaveLength(1);
    expect(items[0]?.n).toBe(5);
    const again = await click(org.officer, choice.value, ack.messageId);
    expect(again.toast.type).toBe('info');
    expect(await liveItems()).toHaveLength(1);
    const [audit] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from audit_log where action = 'file' and item_id = ${items[0]!.id}`,
    );
    expect(audit?.n).toBe(1);

    // The filed card asks for the DA/T 50 photo description; submitting the form records it.
    const described = await click(org.officer, buttonValue(res.card.data, 'describe-item'), undefined, {
      reason: '识别结果公示',
      place: '村委会公示栏',
      people: '',
    });
    expect(described.toast.content).toContain('人物');
    const [d] = await queryRows<{ reason: string; place: string }>(
      h.db.db,
      sql`select reason, place from item_descriptions where item_id = ${items[0]!.id}`,
    );
    expect(d).toEqual({ reason: '识别结果公示', place: '村委会公示栏' });
    // The same form value carried into another chat is refused before anything is written.
    const elsewhere = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: buttonValue(res.card.data, 'describe-item'),
        chatId: id('oc_other_'),
        formValue: { reason: '别处写的', place: '别处', people: '' },
      }),
    );
    expect(((await elsewhere.json()) as any).toast.type).toBe('error');
    const [still] = await queryRows<{ reason: string; place: string }>(
      h.db.db,
      sql`select reason, place from item_descriptions where item_id = ${items[0]!.id}`,
    );
    expect(still).toEqual({ reason: '识别结果公示', place: '村委会公示栏' });
    // The form folds into what was saved; 修改说明 opens it again, filled with it.
    const folded = JSON.stringify(described.card.data);
    expect(folded).toContain('照片说明：事由 识别结果公示；地点 村委会公示栏（还缺人物）');
    expect(folded).not.toContain('"tag":"form"');
    const edit = await click(org.officer, buttonValue(described.card.data, 'describe-edit'));
    expect(JSON.stringify(edit.card.data)).toContain('"default_value":"识别结果公示"');
  });

  it('the description form starts from what the caption says (事由, 地点)', async () => {
    // Not 「入户核查」: 核查 is a keyword of C22, a document task, which takes photographed paper (one 份 a
    // filing), so that caption would file the photos there at once.
    const ids = await postPhotos(2, { text: '在东村三组开展危房改造入户核实' });
    const ack = await burstReply(ids[0]!);
    // The photo task of the first test: its filing is a photo group, which asks for the description.
    const [photoTask] = await queryRows<{ t: number }>(
      h.db.db,
      sql`select task_id::int as t from filing_items where chat_id = ${chatId} and kind = 'photo_group' limit 1`,
    );
    const choice = buttonsOf(cardOf(ack)).find((b) => b.value.a === 'file')!;
    const filed = await click(org.officer, { ...choice.value, t: photoTask!.t }, ack.messageId);
    const form = JSON.stringify(filed.card.data);
    expect(form).toContain('"default_value":"在东村三组开展危房改造入户核实"');
    expect(form).toContain('"default_value":"东村三组"');
  });

  it('undoes within 24 hours by the filer and refuses undo by someone else', async () => {
    const ids = await postPhotos(2);
    const ack = await burstReply(ids[0]!);
    const choice = buttonsOf(cardOf(ack)).find((b) => b.value.a === 'file')!;
    const filed = await click(org.officer, choice.value, ack.messageId);
    const undo = buttonsOf(filed.card.data).find((b) => b.value.a === 'undo')!;
    const before = (await liveItems()).length;
    // 撤销 asks first: the tap alone changes nothing.
    const asked = await click(org.officer, undo.value, ack.messageId);
    expect(JSON.stringify(asked.card.data)).toContain('确定撤销');
    expect(await liveItems()).toHaveLength(before);
    const sure = buttonsOf(asked.card.data).find((b) => b.value.a === 'undo')!;
    expect(sure.value.sure).toBe(1);
    // Someone else is told whom to ask (the filer or an archivist), on the filed card.
    const other = await click('ou_someone_else', sure.value, ack.messageId);
    expect(other.toast).toMatchObject({
      type: 'info',
      content: expect.stringContaining('只有提交人或档案员可以撤销'),
    });
    expect(JSON.stringify(other.card.data)).not.toContain('确定撤销');
    expect(await liveItems()).toHaveLength(before);
    const ok = await click(org.officer, sure.value, ack.messageId);
    expect(ok.toast.type).toBe('success');
    expect(JSON.stringify(ok.card.data)).toContain('交到哪项任务');
    expect(await liveItems()).toHaveLength(before - 1);
  });

  it('files by #code in a caption and by replying to a task card', async () => {
    const before = (await liveItems()).length;
    const ids = await postPhotos(1, { text: '#C05 村两委会议照片' });
    await burstReply(ids[0]!);
    let items = await liveItems();
    expect(items).toHaveLength(before + 1);
    expect(items.at(-1)).toMatchObject({ task_code: 'C05', via: 'code' });
    // The caption (without the code) is the item's 题名, not the task's title.
    const [titled] = await queryRows<{ title: string }>(
      h.db.db,
      sql`select title from filing_items where id = ${items.at(-1)!.id}`,
    );
    expect(titled!.title).toBe('村两委会议照片');

    const cmd = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId,
      senderOpenId: org.officer,
      text: '任务 C07',
    });
    await h.post(cmd);
    const taskCard = await replyTo(cmd.event.message.message_id);
    const replyIds = await postPhotos(2, { parentId: taskCard.messageId });
    await burstReply(replyIds[0]!);
    items = await liveItems();
    expect(items.at(-1)).toMatchObject({ task_code: 'C07', via: 'reply', n: 2 });
  });

  /**
   * The list said 「发送「任务 C03」查看某一项」, but in a group a text without the @ is ordinary chat: an
   * officer who typed it as told got no answer at all. The list now has a menu that sends the card.
   */
  it('任务 sent without the @ lists the tasks, and its menu sends a task card to reply to', async () => {
    const asked = await postText(h, { chatId, sender: org.officer, text: '任务' });
    const list = await replyTo(asked);
    const [menu] = cardMenus(cardOf(list));
    expect(menu!.placeholder).toBe('选一项，发出它的任务卡片');
    // C07 is done by now (the test before): C06 is still open.
    expect(menu!.options.some((o) => o.text.startsWith('#C07 '))).toBe(false);
    const c06 = menu!.options.find((o) => o.text.startsWith('#C06 '))!;
    expect(c06).toBeDefined();
    expect(JSON.stringify(cardOf(list))).not.toContain('发送「任务 C03」');
    // Recorded once Lark has answered the send: then its menu is taken.
    await waitFor(
      'the list recorded',
      async () =>
        (await queryRows(h.db.db, sql`select 1 from bot_messages where message_id = ${list.messageId}`))
          .length > 0,
    );

    // Another chat's tap on it (a forwarded copy), or a task the list did not show: refused, nothing sent.
    const sentBefore = h.fake.sentMessages().length;
    const elsewhere = await tapCard(h, {
      operator: org.officer,
      value: menu!.value,
      chatId: id('oc_'),
      messageId: list.messageId,
      option: c06.value,
    });
    expect(elsewhere.toast).toMatchObject({ type: 'error', content: '这个按钮已失效' });
    const forged = await click(org.officer, menu!.value, list.messageId, undefined);
    expect(forged.toast.type).toBe('error');
    expect(h.fake.sentMessages()).toHaveLength(sentBefore);

    const picked = await tapCard(h, {
      operator: org.officer,
      value: menu!.value,
      chatId,
      messageId: list.messageId,
      option: c06.value,
    });
    expect(picked.toast).toMatchObject({
      type: 'success',
      content: '已发出 #C06 的任务卡片：回复它发送材料',
    });
    const taskCard = await replyTo(list.messageId);
    expect(JSON.stringify(cardOf(taskCard))).toContain('#C06');
    await waitFor(
      'the task card recorded',
      async () =>
        (
          await queryRows(
            h.db.db,
            sql`select 1 from bot_messages where message_id = ${taskCard.messageId} and purpose = 'task_card'`,
          )
        ).length > 0,
    );
    const before = (await liveItems()).length;
    const replyIds = await postPhotos(1, { parentId: taskCard.messageId });
    await burstReply(replyIds[0]!);
    const items = await liveItems();
    expect(items).toHaveLength(before + 1);
    expect(items.at(-1)).toMatchObject({ task_code: 'C06', via: 'reply', n: 1 });
  });

  it('files by a #code typed before photos that a slow connection delivers 30 s later', async () => {
    // Past LATE_CAPTION_MS since the officer's last burst: the text is no late caption of an earlier card.
    await clock.advance(LATE_CAPTION_MS + 60_000);
    const before = (await liveItems()).length;
    await postText(h, { chatId, sender: org.officer, text: '#C05 村两委会议' });
    await clock.advance(30_000); // longer than the burst's quiet window (BURST_QUIET_SECONDS, 20 s)
    const ids = await postPhotos(2);
    const ack = await burstReply(ids[0]!);
    // Before: only a text within the quiet window before the first photo counted; the card asked for a task.
    const items = await liveItems();
    expect(items).toHaveLength(before + 1);
    expect(items.at(-1)).toMatchObject({ task_code: 'C05', via: 'code', n: 2 });
    expect(JSON.stringify(ack.content)).toContain('已交到');
    const [titled] = await queryRows<{ title: string }>(
      h.db.db,
      sql`select title from filing_items where id = ${items.at(-1)!.id}`,
    );
    expect(titled!.title).toBe('村两委会议');

    // A minute later, two more photos without a word: that #C05 was the burst before's, not theirs too.
    await clock.advance(60_000);
    const next = await postPhotos(2);
    const card = await burstReply(next[0]!);
    expect(await liveItems()).toHaveLength(before + 1);
    expect(JSON.stringify(card.content)).not.toContain('已交到');
  });

  it('answers 进度 and 缺什么 with figures that match the database', async () => {
    const progress = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId,
      senderOpenId: org.officer,
      text: '进度',
    });
    await h.post(progress);
    const card = JSON.stringify(cardOf(await replyTo(progress.event.message.message_id)));
    const [db] = await queryRows<{ total: number }>(
      h.db.db,
      sql`select count(*)::int as total from tasks t join units u on u.id = t.unit_id where u.code = ${org.village}`,
    );
    expect(card).toContain(`共 ${db!.total} 项`);
    // Tasks with nothing handed in are 「一件没交」: 「未交」 is the word for the materials 未归档 lists.
    expect(card).toContain('一件没交');
    expect(card).not.toContain('未交');

    const missing = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId,
      senderOpenId: org.officer,
      text: '缺什么',
    });
    await h.post(missing);
    const mcard = JSON.stringify(cardOf(await replyTo(missing.event.message.message_id)));
    const [m] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from tasks t join units u on u.id = t.unit_id
          where u.code = ${org.village} and t.state = 'open' and t.min_count > coalesce((
            select sum(case when 'photo' = any(t.kinds) then fi.n_photo else 0 end + case when 'document' = any(t.kinds) then fi.n_document else 0 end
              + case when 'audio' = any(t.kinds) then fi.n_audio else 0 end + case when 'video' = any(t.kinds) then fi.n_video else 0 end
              -- Photographed paper: in a document task, an item's photos are one 份.
              + case when 'document' = any(t.kinds) and not 'photo' = any(t.kinds) and fi.n_photo > 0 then 1 else 0 end)
            from filing_items fi where fi.task_id = t.id and fi.undone_at is null), 0)`,
    );
    expect(mcard).toContain(`还缺什么（${m!.n} 项）`);
  });

  it('refuses a forged callback (bad signature) and a malformed one', async () => {
    const ev = cardActionEvent({
      appId: h.fake.appId,
      operatorOpenId: org.officer,
      value: { a: 'file', b: 1, t: 1 },
      chatId,
    });
    const forged = await fetch(`${h.bot.url}/lark/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-lark-signature': 'f'.repeat(64),
        'x-lark-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-lark-request-nonce': '1',
      },
      body: JSON.stringify({ encrypt: 'AAAA' }),
    });
    expect(forged.status).toBe(401);
    const before = (await liveItems()).length;
    const bad = await click(org.officer, { a: 'file', b: 'not-a-number', t: '' });
    expect(bad.toast.type).toBe('error');
    expect(await liveItems()).toHaveLength(before);
    void ev;
  });
  it("with next year's campaign out, #C05 still means this year's task; 任务 C06 shows the newest", async () => {
    // Next year's campaign, out before New Year (filing-year-boundary.test.ts crosses it).
    const next = Number(localDay(clock.now(), 'Asia/Shanghai').slice(0, 4)) + 1;
    await createCampaign(campaignDeps({ db: h.db.db, clock }), {
      checklistCode: 'village-jzfp',
      year: next,
      deadline: new Date(`${next}-12-31T00:00:00+08:00`),
      unitCodes: [org.village],
      createdBy: 'cli',
      code: `F-village-${next}`,
    });
    const ids = await postPhotos(1, { text: '#C05 村两委会议照片' });
    await burstReply(ids[0]!);
    const [filed] = await queryRows<{ campaign: string; via: string }>(
      h.db.db,
      sql`select c.code as campaign, fi.via from filing_items fi join tasks t on t.id = fi.task_id
          join campaigns c on c.id = t.campaign_id
          join filing_item_materials fim on fim.item_id = fi.id join materials m on m.id = fim.material_id
          where m.message_id = ${ids[0]!}`,
    );
    expect(filed).toEqual({ campaign: org.campaignCode, via: 'code' });

    const cmd = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId,
      senderOpenId: org.officer,
      text: '任务 C06',
    });
    await h.post(cmd);
    const card = await replyTo(cmd.event.message.message_id);
    // The bot records the card after Lark has answered the send: wait for the row, too.
    const [shown] = await waitFor('the task card recorded', async () => {
      const rows = await queryRows<{ campaign: string }>(
        h.db.db,
        sql`select c.code as campaign from bot_messages b join tasks t on b.task_ids @> to_jsonb(t.id)
            join campaigns c on c.id = t.campaign_id where b.message_id = ${card.messageId}`,
      );
      return rows.length > 0 && rows;
    });
    expect(shown).toEqual({ campaign: `F-village-${next}` });
  });
  it('in a direct message answers only about units the person works for (or below)', async () => {
    const dm = (sender: string, text: string) =>
      messageEvent({
        appId: h.fake.appId,
        chatId: id('oc_dm_'),
        chatType: 'p2p',
        senderOpenId: sender,
        content: { text },
      });
    const refused = dm(org.officer, '进度 河口村');
    await h.post(refused);
    const no = await replyTo(refused.event.message.message_id);
    expect((no.content as { text: string }).text).toContain('不能查看');
    const allowed = dm(org.leader, '进度 城关村');
    await h.post(allowed);
    const yes = await replyTo(allowed.event.message.message_id);
    expect(yes.msgType).toBe('interactive');
    expect(JSON.stringify(yes.content)).toContain('城关村');
  });
  it('a group member with no role asks 进度 / 缺什么 in the direct chat: answered about their group’s village, not refused', async () => {
    const chat = id('oc_member_');
    const member = id('ou_member_');
    await bindVillageChat(h, org, chat, [{ openId: member, name: '孙村干' }]);
    await postPhoto(h, { chatId: chat, sender: member, seed: 6161 });
    await h.settle();
    const ask = async (sender: string, text: string) => {
      const ev = messageEvent({
        appId: h.fake.appId,
        chatId: id('oc_dm_'),
        chatType: 'p2p',
        senderOpenId: sender,
        content: { text },
      });
      await h.post(ev);
      return JSON.stringify((await replyTo(ev.event.message.message_id)).content);
    };
    // Before: 「没有找到您负责的单位。请在指令后写单位名称，例如「进度 城关村」。」, then, so written,
    // 「您不是城关村或其上级单位的工作人员，不能查看它的归档情况。」
    expect(await ask(member, '进度')).toContain('城关村 · 进度');
    expect(await ask(member, '进度 城关村')).toContain('城关村 · 进度');
    expect(await ask(member, '缺什么')).toContain('还缺什么');
    expect(await ask(member, '进度 河口村')).toContain('不能查看');
    // Out of the group (Lark's member list), the group's village is no longer theirs.
    h.fake.addChat({
      chatId: chat,
      name: '城关村工作群',
      members: [{ openId: org.officer, name: '王村官' }],
    });
    await deliverMemberEvent(h, chat, 'deleted', [{ openId: member }]);
    expect(await ask(member, '进度')).toContain('没有找到您所在的单位');
  });

  it('a member who joined after the member list was cached can file at once', async () => {
    // The list is cached now (earlier clicks checked membership); the newcomer joins afterwards.
    const newbie = joinVillageChat(h, org, chatId, id('ou_newbie_'));
    const messageId = await postPhoto(h, { chatId, sender: newbie, seed: 4242 });
    await postText(h, { chatId, sender: newbie, text: '#C05 会议照片' });
    await burstReply(messageId);
    const [filed] = await queryRows<{ filed_by: string; via: string }>(
      h.db.db,
      sql`select fi.filed_by, fi.via from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
          join materials m on m.id = fim.material_id where m.message_id = ${messageId}`,
    );
    expect(filed).toEqual({ filed_by: newbie, via: 'code' });
  });
  it('the member who sent the photos (no role) fills their 说明 after a colleague filed them; a stranger may not', async () => {
    const chat = id('oc_sender_');
    const sender = id('ou_sender_');
    const stranger = id('ou_other_');
    await bindVillageChat(h, org, chat, [
      { openId: sender, name: '李村干' },
      { openId: stranger, name: '赵村民' },
    ]);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(await postPhoto(h, { chatId: chat, sender, seed: 5150 + i }));
    const ack = await burstReply(ids[0]!);
    const tap = (operator: string, value: Record<string, unknown>, formValue?: Record<string, unknown>) =>
      tapCard(h, { operator, value, chatId: chat, messageId: ack.messageId, formValue });
    const choice = buttonsOf(cardOf(ack)).find((b) => b.value.a === 'file' && b.text.includes('照片'))!;
    const filed = await tap(org.officer, choice.value);
    expect(filed.toast.type).toBe('success');
    const form = buttonValue(filed.card.data, 'describe-item');
    const said = { reason: '村民代表大会', place: '村委会会议室', people: '全体村民代表' };
    // Before: 「只有提交人或本单位工作人员可以填写说明」 to the one who was there.
    const described = await tap(sender, form, said);
    expect(described.toast.type).toBe('success');
    const [d] = await queryRows<{ reason: string; people: string }>(
      h.db.db,
      sql`select d.reason, d.people from item_descriptions d join filing_item_materials fim on fim.item_id = d.item_id
          join materials m on m.id = fim.material_id where m.message_id = ${ids[0]!}`,
    );
    expect(d).toEqual({ reason: '村民代表大会', people: '全体村民代表' });
    const refused = await tap(stranger, form, { ...said, reason: '别人写的' });
    expect(refused.toast.type).toBe('error');
  });

  it('a task of another village carried in a forged value files nothing, even for a member of both chats', async () => {
    // 河口村 has its own bound group, and the officer is in it too (a township officer would be).
    const other = id('oc_hekou_');
    h.fake.addChat({
      chatId: other,
      name: '河口村工作群',
      members: [{ openId: org.officer, name: '王村官' }],
    });
    const [hekou] = await queryRows<{ unit: number; task: number }>(
      h.db.db,
      sql`select u.id::int as unit, min(t.id)::int as task from units u join tasks t on t.unit_id = u.id
          where u.code = ${org.village.replace(/11$/, '12')} and t.state = 'open' group by u.id`,
    );
    await bindChat({ db: h.db.db, clock }, { chatId: other, unitId: hekou!.unit, actorOpenId: org.officer });
    const ids = await postPhotos(1);
    const ack = await burstReply(ids[0]!);
    const own = buttonsOf(cardOf(ack)).find((b) => b.value.a === 'file')!;
    const before = (await liveItems()).length;
    const forged = await click(org.officer, { ...own.value, t: hekou!.task }, ack.messageId);
    expect(forged.toast.type).toBe('error');
    expect(forged.card).toBeUndefined();
    expect(await liveItems()).toHaveLength(before);
    const [filed] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from filing_items where task_id = ${hekou!.task}`,
    );
    expect(filed).toEqual({ n: 0 });
    // The card's own buttons still file.
    expect((await click(org.officer, own.value, ack.messageId)).toast.type).toBe('success');
  });
  it('撤销 or 确定撤销 tapped after the 24 hours: the card turns into the filed card with 申请更正, which the toast names', async () => {
    const ids = await postPhotos(1);
    const ack = await burstReply(ids[0]!);
    const choice = buttonsOf(cardOf(ack)).find((b) => b.value.a === 'file')!;
    const filed = await click(org.officer, choice.value, ack.messageId);
    const undo = buttonsOf(filed.card.data).find((b) => b.value.a === 'undo')!;
    await clock.advance(23 * 3_600_000);
    const asked = await click(org.officer, undo.value, ack.messageId);
    const sure = buttonsOf(asked.card.data).find((b) => b.value.a === 'undo')!;
    await clock.advance(2 * 3_600_000); // past the 24 hours while the question is open
    const late = await click(org.officer, sure.value, ack.messageId);
    expect(late.toast.content).toContain('请点「申请更正」');
    // Before, the toast alone: the question stayed, with no 申请更正 on it.
    expect(late.card).toBeDefined();
    const shown = buttonsOf(late.card.data).map((b) => b.text);
    expect(shown).toContain('申请更正');
    expect(shown).not.toContain('确定撤销');
    // The filed card drawn within the 24 hours still shows 撤销: a tap on it answers the same.
    const again = await click(org.officer, undo.value, ack.messageId);
    expect(again.toast.content).toContain('请点「申请更正」');
    expect(buttonsOf(again.card.data).map((b) => b.text)).toContain('申请更正');
    expect(JSON.stringify(again.card.data)).not.toContain('确定撤销');
  });

  it('a description pasted with a NUL is saved with U+FFFD where it was: the tap is answered, not lost', async () => {
    const ids = await postPhotos(1, { text: '#C05 入户走访照片' });
    const filed = await burstReply(ids[0]!);
    expect(JSON.stringify(filed.content)).toContain('已交到');
    // PostgreSQL refuses U+0000 in jsonb and text: the callback was a 500 and nothing was saved.
    const described = await click(org.officer, buttonValue(filed.content, 'describe-item'), filed.messageId, {
      reason: '入户走访',
      place: '三组',
      people: '村干部\u0000王五',
    });
    expect(described.toast.type).toBe('success');
    const [d] = await queryRows<{ people: string }>(
      h.db.db,
      sql`select d.people from item_descriptions d join filing_item_materials fim on fim.item_id = d.item_id
          join materials m on m.id = fim.material_id where m.message_id = ${ids[0]!}`,
    );
    expect(d?.people).toBe('村干部\ufffd王五');
  });
  it('a description field emptied in the form is cleared, one not sent stays; an archivist’s save keeps 提交人', async () => {
    const ids = await postPhotos(1, { text: '#C05 入户走访照片' });
    const filed = await burstReply(ids[0]!);
    const value = buttonValue(filed.content, 'describe-item');
    const save = (operator: string, v: Record<string, unknown>, form: Record<string, unknown>) =>
      click(operator, v, filed.messageId, form);
    const saved = async () =>
      (
        await queryRows<{ reason: string | null; place: string | null; people: string | null }>(
          h.db.db,
          sql`select d.reason, d.place, d.people from item_descriptions d where d.item_id = ${value.i}`,
        )
      )[0];
    /** 修改说明: the form drawn again with what is saved now; its submit button's value. */
    const editForm = async () =>
      buttonValue((await click(org.officer, { a: 'describe-edit', i: value.i })).card.data, 'describe-item');
    await save(org.officer, value, { reason: '入户走访', place: '三组', people: '王五' });
    expect(await saved()).toEqual({ reason: '入户走访', place: '三组', people: '王五' });
    // 地点 emptied in a form drawn with 三组: cleared, and the card says it is missing.
    const cleared = await save(org.officer, await editForm(), {
      reason: '入户走访',
      place: '',
      people: '王五',
    });
    expect(await saved()).toEqual({ reason: '入户走访', place: null, people: '王五' });
    expect(JSON.stringify(cleared.card.data)).toContain('照片说明：事由 入户走访；人物 王五（还缺地点）');
    // A field the form does not send stays as it was.
    await save(org.officer, await editForm(), { reason: '入户走访（二）' });
    expect(await saved()).toEqual({ reason: '入户走访（二）', place: null, people: '王五' });
    // The archivist completes it: the card drawn again still names who filed it.
    const byArchivist = await save(org.archivist, await editForm(), {
      reason: '入户走访（二）',
      place: '三组',
      people: '王五',
    });
    expect(byArchivist.toast.type).toBe('success');
    expect(JSON.stringify(byArchivist.card.data)).toContain('提交人：王村官');
    // The filer's own card does not name them; sent unchanged, nothing is written.
    const own = await save(org.officer, await editForm(), {
      reason: '入户走访（二）',
      place: '三组',
      people: '王五',
    });
    expect(own.toast).toEqual({ type: 'info', content: '说明没有改动' });
    expect(JSON.stringify(own.card.data)).not.toContain('提交人');
  });

  it('a stale description form clears nothing saved since, nor puts back what it was drawn with', async () => {
    const ids = await postPhotos(1, { text: '#C05 入户走访照片' });
    const filed = await burstReply(ids[0]!);
    // The filed card's form, drawn before anything was saved (the copy in the chat, or one forwarded).
    const stale = buttonValue(filed.content, 'describe-item');
    const saved = async () =>
      (
        await queryRows<{ reason: string | null; place: string | null; people: string | null }>(
          h.db.db,
          sql`select d.reason, d.place, d.people from item_descriptions d where d.item_id = ${stale.i}`,
        )
      )[0];
    const editForm = async () =>
      buttonValue((await click(org.officer, { a: 'describe-edit', i: stale.i })).card.data, 'describe-item');
    // Saved on another copy of the card: 事由, 地点 and 人物.
    await click(org.officer, stale, undefined, { reason: '入户走访', place: '三组', people: '王五' });
    // The stale copy is submitted with 事由 typed and the rest blank (Lark sends every input): kept.
    const fromStale = await click(org.officer, stale, filed.messageId, {
      reason: '入户走访（补）',
      place: '',
      people: '',
    });
    expect(fromStale.toast.type).toBe('success');
    expect(await saved()).toEqual({ reason: '入户走访（补）', place: '三组', people: '王五' });
    // A 修改说明 form drawn now, then 人物 changed elsewhere; the older form sent with 人物 as it was
    // drawn and 地点 emptied: 地点 is cleared, the newer 人物 stays.
    const older = await editForm();
    await click(org.officer, await editForm(), undefined, {
      reason: '入户走访（补）',
      place: '三组',
      people: '王五、张三',
    });
    await click(org.officer, older, filed.messageId, { reason: '入户走访（补）', place: '', people: '王五' });
    expect(await saved()).toEqual({ reason: '入户走访（补）', place: null, people: '王五、张三' });
    // The button carries short marks, not the saved text.
    expect(JSON.stringify(older).length).toBeLessThan(80);
    expect(JSON.stringify(older)).not.toContain('王五');
  });
});
