import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { TASK_LABEL_CHARS } from '../../src/domain/task-label.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importHouseholds } from '../../src/usecases/import-units.js';
import { CARD_LIMIT_BYTES, cardBytes } from '../../src/cards/card-kit.js';
import { buttonValue, cardButtonElements, cardMenus } from '../support/cards.js';
import { SMALL_CHECKLIST, storeChecklist } from './campaign-fixtures.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { tapCard } from '../support/chat-actions.js';
import { cardActionEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
type Answer = { toast?: { type: string; content: string }; card?: { data: unknown } };

const SURNAMES = [...'张王李赵刘陈杨黄周吴徐孙'];
const GIVEN = [...'三四五六'];
/** 48 households; the 48th head is another 张三 (two heads may share a name). */
const HEADS = Array.from({ length: 48 }, (_, i) =>
  i === 47 ? '张三' : `${SURNAMES[i % 12]}${GIVEN[Math.floor(i / 12)]}`,
);

/** Issue 14: every open task one tap away — a village of 48 households × the household checklist. */
describe('filing card: every open task within three taps, none by typing', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'E' });
    const csv = [
      'village_code,code,head_name,group_name',
      ...HEADS.map((name, i) => `${org.village},${String(i + 1).padStart(2, '0')},${name},${(i % 4) + 1}组`),
      // A household of the other village: its id must not open anything in this chat.
      `E12,01,外村户,一组`,
    ].join('\n');
    await importHouseholds({ db: h.db.db, clock }, { text: csv, fileName: 'households.csv' });
    await createCampaign(campaignDeps({ db: h.db.db, clock }), {
      checklistCode: 'household-jzfp',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      unitCodes: [org.village, 'E12'],
      createdBy: 'cli',
      code: 'E-household-2026',
    });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    const unit = (await getUnitByCode(h.db.db, org.village))!;
    await bindChat({ db: h.db.db, clock }, { chatId, unitId: unit.id, actorOpenId: 'cli' });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const tap = async (
    value: Record<string, unknown>,
    where: { messageId: string; chatId?: string },
    extra: { option?: string; formValue?: Record<string, unknown>; operator?: string } = {},
  ): Promise<Answer> =>
    tapCard(h, {
      operator: extra.operator ?? org.officer,
      value,
      chatId: where.chatId ?? chatId,
      messageId: where.messageId,
      option: extra.option,
      formValue: extra.formValue,
    });
  const photo = async (caption: string) => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer });
    await postText(h, { chatId, sender: org.officer, text: caption });
    return replyAfterQuiet(h, clock, messageId);
  };
  const openTasks = async () =>
    queryRows<{ id: number; code: string; household: string | null }>(
      h.db.db,
      sql`select t.id::int as id, t.code, hh.head_name as household from tasks t
          join units u on u.id = t.unit_id left join households hh on hh.id = t.household_id
          where u.code = ${org.village} and t.state = 'open'`,
    );
  const liveItems = async () =>
    queryRows<{ task_id: number }>(
      h.db.db,
      sql`select task_id::int as task_id from filing_items where chat_id = ${chatId} and undone_at is null`,
    );

  /** The actions a card walk follows: the filing card's (files a burst) or the correction card's (改归). */
  type Walk = { pick: string; pickMenu: string; open: string[]; openMenu: string; operator: string };
  const FILING: Omit<Walk, 'operator'> = {
    pick: 'file',
    pickMenu: 'file-select',
    open: ['file-browse', 'file-households'],
    openMenu: 'file-household',
  };
  const REFILE: Omit<Walk, 'operator'> = {
    pick: 'fix-refile',
    pickMenu: 'fix-refile',
    open: ['fix-browse', 'fix-households'],
    openMenu: 'fix-household',
  };

  /**
   * Walks the card as an officer (or archivist) would, tapping through the fake Lark: task buttons
   * and task menus end a path (not tapped: that would file), browse buttons and the household menu
   * open the next state. Returns each reachable task with the fewest taps that choose it.
   */
  const reachable = async (
    card: unknown,
    where: { messageId: string },
    w: Walk = { ...FILING, operator: '' },
  ) => {
    const operator = w.operator || org.officer;
    const taps = new Map<number, number>();
    const reach = (taskId: number, n: number) => taps.set(taskId, Math.min(taps.get(taskId) ?? n, n));
    let opened = 0;
    const walk = async (c: unknown, depth: number): Promise<void> => {
      for (const b of cardButtonElements(c)) {
        if (b.value?.a === w.pick && b.value.t !== undefined) reach(Number(b.value.t), depth + 1);
        if (w.open.includes(b.value?.a) && depth + 1 < 3) {
          const next = await tap(b.value, where, { operator });
          opened++;
          await walk(next.card!.data, depth + 1);
        }
      }
      for (const m of cardMenus(c)) {
        if (m.value?.a === w.pickMenu) for (const o of m.options) reach(Number(o.value), depth + 1);
        if (m.value?.a === w.openMenu && depth + 1 < 3)
          for (const o of m.options) {
            const next = await tap(m.value, where, { option: o.value, operator });
            expect(next.card, o.text).toBeDefined();
            opened++;
            await walk(next.card!.data, depth + 1);
          }
      }
    };
    await walk(card, 0);
    return { taps, opened };
  };

  it('reaches all ~790 open tasks (25 village + 48 × 16 household) from the card, and files one', async () => {
    const tasks = await openTasks();
    expect(tasks).toHaveLength(25 + 48 * 16);
    const sent = await photo('张三家的照片');
    const card = sent.content as any;
    const where = { messageId: sent.messageId };

    // The households the caption names come first: both 张三 households, labelled apart.
    const texts = cardButtonElements(card).map((b) => b.text);
    expect(texts).toContain('张三户（01号）的全部任务（16项）');
    expect(texts).toContain('张三户（48号）的全部任务（16项）');
    const households = cardMenus(card).find((m) => m.value?.a === 'file-household')!;
    expect(households.options).toHaveLength(48);
    expect(households.options[1]!.text).toBe('王三户（16项）');

    const { taps, opened } = await reachable(card, where);
    const missing = tasks.filter((t) => !taps.has(t.id));
    expect(missing.map((t) => `${t.code} ${t.household ?? ''}`)).toEqual([]);
    expect(Math.max(...taps.values())).toBeLessThanOrEqual(3);
    expect(opened).toBeGreaterThanOrEqual(48);

    // Labels fit a phone and task buttons fill the card's width.
    const household = await tap(households.value, where, { option: households.options[5]!.value });
    const buttons = cardButtonElements(household.card!.data).filter((b) => b.value?.a === 'file');
    expect(buttons).toHaveLength(16);
    for (const b of [...buttons, ...cardButtonElements(card).filter((x) => x.value?.a === 'file')]) {
      expect(b.width).toBe('fill');
      expect([...b.text].length).toBeLessThanOrEqual(TASK_LABEL_CHARS);
    }
    expect(buttons[0]!.text).toMatch(/^陈三户·/);

    // Two taps: the household, then its task. Filed, once.
    const target = buttons.find((b) => b.text.includes('危房'))!;
    const filed = await tap(target.value, where);
    expect(filed.toast?.type).toBe('success');
    expect(await liveItems()).toEqual([{ task_id: Number(target.value.t) }]);

    // The card drawn before the filing (a copy sent again) opens nothing: it becomes the filed card.
    const stale = await tap(households.value, where, { option: households.options[0]!.value });
    expect(stale.toast).toMatchObject({ type: 'info', content: expect.stringContaining('这组材料已经交到') });
    expect(buttonValue(stale.card!.data, 'undo')).toBeDefined();
    expect(await liveItems()).toEqual([{ task_id: Number(target.value.t) }]);
  });

  it('refuses forged households, other chats and other cards; finds by name when typed', async () => {
    const sent = await photo('会议照片');
    const card = sent.content as any;
    const where = { messageId: sent.messageId };
    const menu = cardMenus(card).find((m) => m.value?.a === 'file-household')!;
    const [other] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select hh.id::int as id from households hh join units u on u.id = hh.unit_id where u.code = 'E12'`,
    );
    const forged = await tap(menu.value, where, { option: String(other!.id) });
    expect(forged.toast).toEqual({ type: 'error', content: '这一户没有待交的任务' });
    expect(forged.card).toBeUndefined();
    const nonsense = await tap(menu.value, where, { option: 'abc' });
    expect(nonsense.toast?.type).toBe('error');
    const browse = { a: 'file-browse', b: menu.value.b, r: menu.value.r, h: 0 };
    const elsewhere = await tap(browse, { messageId: id('om_'), chatId: id('oc_') });
    expect(elsewhere.toast).toEqual({
      type: 'error',
      content:
        '这个按钮在这里用不了。材料不用重发：到材料所在的群里发送「@归档助手 未归档」，从列表里选任务。',
    });
    const otherCard = await tap(browse, { messageId: id('om_') });
    expect(otherCard.toast?.type).toBe('error');
    const badValue = await tap({ a: 'file-browse', b: menu.value.b, h: -1 }, where);
    expect(badValue.toast).toEqual({
      type: 'error',
      content:
        '这个按钮在这里用不了。材料不用重发：到材料所在的群里发送「@归档助手 未归档」，从列表里选任务。',
    });

    // The unit's own tasks, and the optional search box.
    const own = await tap(browse, where);
    expect(JSON.stringify(own.card!.data)).toContain('城关村的任务');
    const found = await tap({ a: 'file-find', b: menu.value.b, r: menu.value.r }, where, {
      formValue: { q: '张三 危房' },
    });
    const hits = cardButtonElements(found.card!.data).filter((b) => b.value?.a === 'file');
    expect(hits.map((b) => b.text).sort()).toEqual([
      '张三户·危房改造材料 H12-01',
      '张三户·危房改造材料 H12-48',
    ]);
    expect(await liveItems()).toHaveLength(1);
  });

  it('改归: an archivist reaches every other open task from 更正 within three taps, none by typing', async () => {
    const sent = await photo('#C05 村委会议照片');
    const where = { messageId: sent.messageId };
    // The caption names the task by its code: filed at once, the card offers 更正.
    const fix = cardButtonElements(sent.content).find((b) => b.value?.a === 'fix')!;
    const itemId = Number(fix.value.i);
    const [{ first }] = (await queryRows<{ first: number }>(
      h.db.db,
      sql`select task_id::int as first from filing_items where id = ${itemId}`,
    )) as [{ first: number }];
    const correction = (await tap(fix.value, where, { operator: org.archivist })).card!.data;

    // The same browser as the filing card: a menu of the 48 households, the village's own tasks.
    const households = cardMenus(correction).find((m) => m.value?.a === 'fix-household')!;
    expect(households.options).toHaveLength(48);
    const { taps, opened } = await reachable(correction, where, { ...REFILE, operator: org.archivist });
    const others = (await openTasks()).filter((t) => t.id !== first);
    expect(others.length).toBeGreaterThan(100);
    expect(others.filter((t) => !taps.has(t.id)).map((t) => `${t.code} ${t.household ?? ''}`)).toEqual([]);
    expect(taps.has(first)).toBe(false);
    expect(Math.max(...taps.values())).toBeLessThanOrEqual(2);
    expect(opened).toBeGreaterThanOrEqual(48);

    // Only an archivist browses; a household of the other village opens nothing.
    expect((await tap(households.value, where, { option: households.options[0]!.value })).toast).toEqual({
      type: 'error',
      content: '只有档案员可以改归',
    });
    const [other] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select hh.id::int as id from households hh join units u on u.id = hh.unit_id where u.code = 'E12'`,
    );
    const forged = await tap(households.value, where, { option: String(other!.id), operator: org.archivist });
    expect(forged.toast).toEqual({ type: 'error', content: '这一户没有待交的任务' });

    // Two taps: the household, then its task. The item moves, audited.
    const opened2 = await tap(households.value, where, {
      option: households.options[9]!.value,
      operator: org.archivist,
    });
    const target = cardButtonElements(opened2.card!.data).find(
      (b) => b.value?.a === 'fix-refile' && b.text.includes('危房'),
    )!;
    expect(target.width).toBe('fill');
    const moved = await tap(target.value, where, { operator: org.archivist });
    expect(moved.toast?.type).toBe('success');
    const [row] = await queryRows<{ task_id: number; refiles: number }>(
      h.db.db,
      sql`select fi.task_id::int as task_id,
                 (select count(*)::int from audit_log a where a.item_id = fi.id and a.action = 'refile') as refiles
          from filing_items fi where fi.id = ${itemId}`,
    );
    expect(row).toEqual({ task_id: Number(target.value.t), refiles: 1 });

    // The search box finds by household head.
    const find = cardButtonElements(correction).find((b) => b.value?.a === 'fix-find')!;
    const found = await tap(find.value, where, { formValue: { q: '张三 危房' }, operator: org.archivist });
    expect(cardButtonElements(found.card!.data).filter((b) => b.value?.a === 'fix-refile')).toHaveLength(2);
  });
});

/** A village too large for one household menu on the card: pages of 100 households, still ≤ 3 taps. */
describe('filing card of a village with 250 households', () => {
  let h: Harness;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  let officer: string;
  beforeAll(async () => {
    h = await startHarness({ clock });
    const org = await seedOrg(h.db.db, { prefix: 'G' });
    officer = org.officer;
    const given = [...'一二三四五六七八九十明华强军平安宁静红梅兰'];
    const csv = [
      'village_code,code,head_name,group_name',
      ...Array.from(
        { length: 250 },
        (_, i) =>
          `${org.village},${String(i + 1).padStart(3, '0')},${SURNAMES[i % 12]}${given[Math.floor(i / 12)]},一组`,
      ),
    ].join('\n');
    await importHouseholds({ db: h.db.db, clock }, { text: csv, fileName: 'households.csv' });
    await storeChecklist(h.db.db, SMALL_CHECKLIST, clock.now());
    await createCampaign(campaignDeps({ db: h.db.db, clock }), {
      checklistCode: 'small',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      unitCodes: [org.village],
      createdBy: 'cli',
      code: 'G-small-2026',
    });
    h.fake.addChat({ chatId, name: '大村工作群', members: [{ openId: officer, name: '王村官' }] });
    const unit = (await getUnitByCode(h.db.db, org.village))!;
    await bindChat({ db: h.db.db, clock }, { chatId, unitId: unit.id, actorOpenId: 'cli' });
  });
  afterAll(() => h.close());

  it(
    'shows pages of households when one menu would not fit, and reaches every task in three taps',
    { timeout: 120_000 },
    async () => {
      const messageId = await postPhoto(h, { chatId, sender: officer });
      const sent = await replyAfterQuiet(h, clock, messageId);
      expect(cardBytes(sent.content as object)).toBeLessThanOrEqual(CARD_LIMIT_BYTES);
      const pages = cardButtonElements(sent.content).filter((b) => b.value?.a === 'file-households');
      expect(pages.map((p) => p.text)).toEqual([
        '按户选择：001–100号户',
        '按户选择：101–200号户',
        '按户选择：201–250号户',
      ]);

      const open = await queryRows<{ id: number }>(
        h.db.db,
        sql`select t.id::int as id from tasks t join campaigns c on c.id = t.campaign_id
          where c.code = 'G-small-2026' and t.state = 'open'`,
      );
      expect(open.length).toBeGreaterThanOrEqual(250);
      const reached = new Map<number, number>();
      const post = async (value: any, option?: string) => {
        const res = await h.post(
          cardActionEvent({
            appId: h.fake.appId,
            operatorOpenId: officer,
            value,
            chatId,
            messageId: sent.messageId,
            option,
          }),
        );
        return ((await res.json()) as Answer).card!.data;
      };
      const files = (c: unknown, taps: number) => {
        for (const b of cardButtonElements(c))
          if (b.value?.a === 'file') reached.set(Number(b.value.t), taps);
        for (const m of cardMenus(c))
          if (m.value?.a === 'file-select') for (const o of m.options) reached.set(Number(o.value), taps);
      };
      files(sent.content, 1);
      for (const p of pages) {
        const page = await post(p.value);
        const [menu] = cardMenus(page).filter((m) => m.value?.a === 'file-household');
        for (const o of menu!.options) files(await post(menu!.value, o.value), 3);
      }
      const browse = cardButtonElements(sent.content).find(
        (b) => b.value?.a === 'file-browse' && b.value.h === 0,
      );
      if (browse) files(await post(browse.value), 2);
      expect(open.filter((t) => !reached.has(t.id))).toEqual([]);
    },
  );
});
