import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { grantRole } from '../../src/usecases/change-role.js';
import { botMembershipEvent, botMenuEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/** The `- \`usage\`：help` lines of a help card. */
const helpUsages = (card: unknown): string[] =>
  JSON.stringify(card)
    .split('\\n')
    .flatMap((line) => /^- `([^`]+)`：/.exec(line)?.[1] ?? []);

/**
 * Who may run a chat command is part of its declaration; the dispatcher refuses everyone else with
 * one plain reply before the handler runs, and the help card lists only what the reader may run.
 */
describe('command audiences: checked by the dispatcher, shown in the help card', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const admin = 'ou_aud_admin_t';
  const stranger = 'ou_aud_stranger';
  const zhang = { openId: 'ou_aud_zhang', name: '张三' };

  /** Sends `@归档助手 <text>` (or the text in a direct message) and returns the replies to it, once settled. */
  const say = async (
    sender: string,
    text: string,
    opts: { chat?: string; p2p?: boolean; people?: { openId: string; name: string }[] } = {},
  ) => {
    const people = opts.people ?? [];
    const mentions = [
      ...(opts.p2p ? [] : [{ key: '@_user_1', openId: h.fake.botOpenId, name: '归档助手' }]),
      ...people.map((p, i) => ({ key: `@_user_${i + 2}`, openId: p.openId, name: p.name })),
    ];
    let body = text;
    people.forEach((p, i) => (body = body.replace(`@${p.name}`, `@_user_${i + 2}`)));
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId: opts.p2p ? id('oc_p2p') : (opts.chat ?? chatId),
      chatType: opts.p2p ? 'p2p' : 'group',
      senderOpenId: sender,
      content: { text: opts.p2p ? body : `@_user_1 ${body}` },
      mentions,
    });
    expect((await h.post(ev)).status).toBe(200);
    const replyTo = ev.event.message.message_id;
    await waitFor(`a reply to「${text}」`, () => h.fake.sentMessages().find((m) => m.replyTo === replyTo));
    await h.settle();
    return h.fake.sentMessages().filter((m) => m.replyTo === replyTo);
  };
  /** The one text reply. */
  const answer = async (...args: Parameters<typeof say>) => {
    const replies = await say(...args);
    expect(replies).toHaveLength(1);
    return (replies[0]!.content as { text?: string }).text ?? JSON.stringify(replies[0]!.content);
  };
  const usages = async (...args: Parameters<typeof say>) => {
    const [card] = await say(...args);
    return helpUsages(card!.content);
  };

  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook' });
    org = await seedOrg(h.db.db, { prefix: 'AU' });
    const township = (await getUnitByCode(h.db.db, org.township))!;
    const village = (await getUnitByCode(h.db.db, org.village))!;
    const deps = { db: h.db.db, clock: h.bot.deps.clock };
    await grantRole(deps, {
      unitId: township.id,
      person: { openId: admin, name: '镇管理员' },
      role: 'admin',
      actor: 'cli',
      source: 'cli',
    });
    await bindChat(deps, { chatId, unitId: village.id, actorOpenId: admin });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  it('refuses, in one plain reply and before the handler, whoever the audience does not admit', async () => {
    const jobs = () =>
      queryRows<{ kind: string }>(
        h.db.db,
        sql`select kind from jobs where kind in ('archive-export', 'archive-confirm')`,
      );
    const roles = () => queryRows(h.db.db, sql`select 1 from unit_roles where open_id = ${zhang.openId}`);
    expect(await answer(org.officer, '确认归档')).toBe('只有城关村或上级单位的档案员或管理员可以确认归档。');
    expect(await answer(org.leader, '导出 2026')).toBe(
      '只有城关村或上级单位的档案员或管理员可以导出移交包。',
    );
    // An archivist of one village, naming another.
    expect(await answer(org.archivist, '确认归档 河口村')).toBe(
      '只有河口村或上级单位的档案员或管理员可以确认归档。',
    );
    expect(await answer(org.officer, '设置 @张三 档案员', { people: [zhang] })).toBe(
      '只有城关村或上级单位的管理员可以设置角色。',
    );
    expect(await answer(stranger, '绑定 河口村', { chat: id('oc_') })).toBe(
      '只有管理员（或把我拉进群的人）可以绑定单位。',
    );
    // No unit known: someone without the role anywhere.
    expect(await answer(stranger, '导出', { p2p: true })).toBe('只有档案员或管理员可以导出移交包。');
    expect(await jobs()).toEqual([]);
    expect(await roles()).toEqual([]);
    expect(h.bot.metrics.value('commands_refused_total', { command: 'export' })).toBe(2);
    expect(h.bot.metrics.value('commands_refused_total', { command: 'confirm' })).toBe(2);
  });

  it('lets the audience through to the handler', async () => {
    expect(await answer(org.archivist, '确认归档')).not.toMatch(/^只有/);
    // No unit named in a direct message: an archivist somewhere is asked which unit.
    expect(await answer(org.archivist, '导出', { p2p: true })).toBe(
      '请在单位工作群里发送，或写上单位名称，如「导出 东村 2025」',
    );
    expect(await answer(admin, '设置 @张三 档案员', { people: [zhang] })).toBe(
      '已把 张三 设为城关村的档案员。',
    );
    // Whoever added the bot to a group may start binding it (the card's button checks the unit).
    const newChat = id('oc_');
    const added = botMembershipEvent({
      appId: h.fake.appId,
      type: 'added',
      chatId: newChat,
      operatorOpenId: stranger,
    });
    expect((await h.post(added)).status).toBe(200);
    await h.settle();
    // The example as a group needs it: 「绑定 城关村」 without the @ is chat there, and gets no answer.
    expect(await answer(stranger, '绑定', { chat: newChat })).toBe(
      '请写上单位名称或代码，例如「@归档助手 绑定 城关村」。',
    );
    const [bind] = await say(stranger, '绑定 河口村', { chat: newChat });
    expect(JSON.stringify(bind!.content)).toContain('河口村');
    expect(await usages(stranger, '帮助', { chat: newChat })).toContain('绑定 单位名称');
  });

  it('the help card lists the commands its reader may run', async () => {
    const forEveryone = h.bot.features.commands.commands
      .filter((c) => c.who === 'everyone')
      .map((c) => c.usage);
    expect(await usages(stranger, '帮助')).toEqual(forEveryone);
    expect(await usages(org.officer, '帮助')).toEqual(forEveryone);
    const archivist = await usages(org.archivist, '帮助', { p2p: true });
    expect(archivist).toEqual(expect.arrayContaining(['确认归档 [单位] [年度]', '导出 [单位] [年度]']));
    expect(archivist).not.toContain('设置 @某人 档案员 [单位]');
    expect(archivist).not.toContain('绑定 单位名称');
    const admins = await usages(admin, '帮助');
    expect(admins).toEqual(
      expect.arrayContaining(['绑定 单位名称', '设置 @某人 档案员 [单位]', '撤销角色 @某人 档案员 [单位]']),
    );
  });

  it('帮助, 缺什么, 进度 or 任务 written alone in the group without the @ are answered; other text without the @ is not', async () => {
    /** A plain group message (no @ of the bot); its message id. */
    const plain = async (text: string, mentions: { key: string; openId: string; name: string }[] = []) => {
      const ev = messageEvent({
        appId: h.fake.appId,
        chatId,
        senderOpenId: org.officer,
        content: { text },
        mentions,
      });
      expect((await h.post(ev)).status).toBe(200);
      return ev.event.message.message_id;
    };
    // The officer forgot the @: they used to hear nothing at all.
    const asked = await plain('帮助');
    const [card] = await waitFor('the help card', () => {
      const r = h.fake.sentMessages().filter((m) => m.replyTo === asked);
      return r.length > 0 && r;
    });
    expect(JSON.stringify(card!.content)).toContain('在群里先 @我');
    // The card says which words work without the @ (from the declarations).
    expect(JSON.stringify(card!.content)).toContain('未归档、任务、进度、缺什么、帮助在群里不 @ 也行');
    expect(helpUsages(card!.content)).toContain('帮助');
    // So are the unit's own questions, the word alone (a question mark after it is still the word).
    // Before: silence, and the word became the caption of the officer's photos nearby.
    for (const [word, title] of [
      ['缺什么？', '还缺什么'],
      ['进度', '· 进度'],
      ['任务', '任务'],
    ] as const) {
      const m = await plain(word);
      const [answer] = await waitFor(`the answer to ${word}`, () => {
        const r = h.fake.sentMessages().filter((x) => x.replyTo === m);
        return r.length > 0 && r;
      });
      expect(JSON.stringify(answer!.content), word).toContain(title);
    }
    // Chat among people stays theirs: a sentence, or 帮助 said to someone else, is not answered.
    const sentence = await plain('帮助一下老王');
    const question = await plain('进度怎么样了');
    const toZhang = await plain('@_user_1 帮助', [
      { key: '@_user_1', openId: zhang.openId, name: zhang.name },
    ]);
    await h.settle();
    for (const m of [sentence, question, toZhang])
      expect(h.fake.sentMessages().filter((x) => x.replyTo === m)).toEqual([]);
  });

  it('a tap on the bot menu passes the same check', async () => {
    const before = h.fake.sentMessages().length;
    const res = await h.post(
      botMenuEvent({ appId: h.fake.appId, operatorOpenId: stranger, eventKey: 'export' }),
    );
    expect(res.status).toBe(200);
    const sent = await waitFor('the refusal', () =>
      h.fake
        .sentMessages()
        .slice(before)
        .find((m) => m.receiveId === stranger),
    );
    expect((sent.content as { text: string }).text).toBe('只有档案员或管理员可以导出移交包。');
  });
});
