import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { parseScheduleSettings } from '../../src/scheduler/schedule-settings.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { cardButtons } from '../support/cards.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';

const PUBLIC_URL = 'https://archive.example.test';

/**
 * The archivist's 查 (find filed items to correct them): in a direct chat the unit is named first and
 * the words after it are searched (「查 东村 王村干」 from someone with roles on two units); an item
 * is found by its 档号 (as typed, with `.` for `·`), its file's name and its caption; more matches than
 * a card lists are counted and paged with 下一页, which only those who may 查 the unit can use. The
 * 四性检测 result names a failing item by its 档号 with the link to its page (PUBLIC_URL set).
 */
describe('查: the unit first, 档号 and file names, 下一页', () => {
  let f: ArchiveFixture;
  let h: Harness;
  let docItem: number;
  let photoItem: number;
  let code: string;
  const dm = 'oc_dm_find_archivist';
  const group = 'oc_find_v1';
  const v2Items: number[] = [];

  beforeAll(async () => {
    f = await createArchiveFixture();
    h = await startHarness({
      db: f.tdb,
      clock: f.clock,
      env: { DATA_DIR: f.dataDir, PUBLIC_URL },
      settings: {
        schedules: parseScheduleSettings({}, 'Asia/Shanghai'),
        schedulesDefaulted: true,
        archive: f.config,
        warnings: [],
      },
    });
    // The fixture's archivist (of 甲镇) leads the county too: roles on two units.
    await f.db.execute(sql`insert into unit_roles (unit_id, open_id, role, created_at)
      values (${f.unit.X.id}, 'ou_archivist', 'leader', ${f.clock.now()})`);
    docItem = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf', name: '贫困户识别申请书.pdf' },
    ]);
    photoItem = await f.fileItem(f.task.photo, [
      { bytes: await photoJpeg({ color: '#468' }), kind: 'photo', mime: 'image/jpeg' },
    ]);
    await f.db.execute(sql`update materials set caption = '入户核查现场'
      where id in (select material_id from filing_item_materials where item_id = ${photoItem})`);
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    code = (
      await queryRows<{ code: string }>(
        f.db,
        sql`select archival_code as code from archive_records where item_id = ${photoItem} and status = 'confirmed'`,
      )
    )[0]!.code;
    // 西村: more items than one card lists.
    for (let i = 0; i < 12; i++)
      v2Items.push(
        await f.fileItem(f.task.v2doc, [
          {
            bytes: minimalPdf(1, Buffer.from(`BT (v2 ${i}) Tj ET`)),
            kind: 'document',
            mime: 'application/pdf',
          },
        ]),
      );
    h.fake.addChat({
      chatId: group,
      name: '东村工作群',
      members: [{ openId: 'ou_officer', name: '王村干' }],
    });
    await bindChat({ db: f.db, clock: f.clock }, { chatId: group, unitId: f.unit.V1.id, actorOpenId: 'cli' });
  });
  afterAll(async () => {
    await h.close();
    await f.close();
  });
  afterEach(() => h.fake.assertNoUnknownRoutes());

  /** The archivist writes `text` to the bot in a direct chat; the reply. */
  const direct = (text: string) => sayToBot(h, { chatId: dm, sender: 'ou_archivist', text, chatType: 'p2p' });
  /** The officer writes 「@归档助手 `text`」 in 东村's group; the reply. */
  const inGroup = (text: string) => sayToBot(h, { chatId: group, sender: 'ou_officer', text });
  /** The items a 查 card lists (its 更正 buttons), in order. */
  const listed = (card: unknown) =>
    cardButtons(card)
      .filter((b) => b.value?.a === 'fix')
      .map((b) => Number(b.value.i));
  const pageButton = (card: unknown, label: string) => cardButtons(card).find((b) => b.text === label)?.value;

  it('in a direct chat, 「查 东村 王村干」 searches 东村 for 王村干 (someone with roles on two nested units)', async () => {
    // Before: 「您负责多个单位…请在指令后写单位名称」, the unit named or not.
    const reply = await direct('查 东村 王村干');
    expect(reply.msgType).toBe('interactive');
    expect(JSON.stringify(reply.content)).toContain('东村最近提交的材料（王村干）');
    expect(listed(reply.content).sort()).toEqual([docItem, photoItem].sort());
    // The words after the unit narrow it down: the file's name.
    expect(listed((await direct('查 东村 申请书')).content)).toEqual([docItem]);
    // The unit of two words (甲镇 东村) and the words after it.
    expect(listed((await direct('查 甲镇 东村 申请书')).content)).toEqual([docItem]);
    // No unit named: the outermost of the two (the county holds 东村), not 「您负责多个单位」.
    const county = JSON.stringify((await direct('查 王村干')).content);
    expect(county).toContain('测试县最近提交的材料（王村干）');
    expect(county).not.toContain('您负责多个单位');
    // 任务 the same way: the unit, then the task code. Before: 「您负责多个单位」.
    const task = JSON.stringify((await direct('任务 东村 C01')).content);
    expect(task).toContain('村两委会议记录');
    expect(task).not.toContain('您负责多个单位');
  });

  it('finds an item by its 档号 (as stored, or typed with another separator), its file name and its caption', async () => {
    expect(code).toMatch(/^A182-ZP·2025-Y-\d{4}$/);
    // Before: 「没有找到符合条件的材料」 for each of these.
    expect(listed((await inGroup(`查 ${code}`)).content)).toEqual([photoItem]);
    expect(listed((await inGroup(`查 ${code.replace('·', '.').toLowerCase()}`)).content)).toEqual([
      photoItem,
    ]);
    expect(listed((await inGroup('查 贫困户识别申请书')).content)).toEqual([docItem]);
    expect(listed((await inGroup('查 入户核查')).content)).toEqual([photoItem]);
    // From a direct chat with the unit first, as an archivist copies it from the 目录 or the 四性 report.
    expect(listed((await direct(`查 东村 ${code}`)).content)).toEqual([photoItem]);
    // Each confirmed item's line shows its 档号, the one the archivist is checking; an item not
    // confirmed shows none (西村's). Before: no 档号 on the list at all.
    const docCode = (
      await queryRows<{ code: string }>(
        f.db,
        sql`select archival_code as code from archive_records where item_id = ${docItem} and status = 'confirmed'`,
      )
    )[0]!.code;
    const both = JSON.stringify((await direct('查 东村')).content);
    expect(both).toContain(`档号 ${code} · `);
    expect(both).toContain(`档号 ${docCode} · `);
    expect(JSON.stringify((await inGroup(`查 ${code}`)).content)).toContain(`档号 ${code} · `);
    const unconfirmed = JSON.stringify((await direct('查 西村')).content);
    expect(listed(JSON.parse(unconfirmed))).toHaveLength(10);
    expect(unconfirmed).not.toContain('档号');
    // The list's 更正 opens the correction card (a confirmed item: 撤销确认).
    const fix = cardButtons((await direct(`查 东村 ${code}`)).content).find((b) => b.value?.a === 'fix')!;
    const opened = await tapCard(h, { operator: 'ou_archivist', value: fix.value, chatId: dm });
    expect(JSON.stringify(opened.card.data)).toContain('撤销确认');
    expect(JSON.stringify(opened.card.data)).not.toContain('#regroup');
    // An item not confirmed: its card links to the item page's 移出 / 并入 (files regrouped there).
    const open = cardButtons((await direct('查 西村')).content).find((b) => b.value?.a === 'fix')!;
    const card = await tapCard(h, { operator: 'ou_archivist', value: open.value, chatId: dm });
    expect(JSON.stringify(card.card.data)).toContain(
      `"default_url":"${PUBLIC_URL}/items/${Number(open.value.i)}#regroup"`,
    );
    expect(JSON.stringify(card.card.data)).toContain('到件的页面移出或并入');
  });

  it('more matches than a card lists: counted, and 下一页 / 回到第一页 walk through them all', async () => {
    const first = await direct('查 西村');
    const text = JSON.stringify(first.content);
    // Before: 10 items and 「只列出最近 10 件」, no count and no way on.
    expect(text).toContain('共 **12** 件，这是第 1–10 件');
    expect(text).toContain('还有 2 件没列出');
    const page1 = listed(first.content);
    expect(page1).toHaveLength(10);
    const next = pageButton(first.content, '下一页');
    expect(next).toBeDefined();
    expect(pageButton(first.content, '回到第一页')).toBeUndefined();

    const second = await tapCard(h, {
      operator: 'ou_archivist',
      value: next,
      chatId: dm,
      messageId: first.messageId,
    });
    const page2 = listed(second.card.data);
    expect(JSON.stringify(second.card.data)).toContain('共 **12** 件，这是第 11–12 件');
    expect(page2).toHaveLength(2);
    expect([...page1, ...page2].sort((a, b) => a - b)).toEqual([...v2Items].sort((a, b) => a - b));
    expect(pageButton(second.card.data, '下一页')).toBeUndefined();
    const back = await tapCard(h, {
      operator: 'ou_archivist',
      value: pageButton(second.card.data, '回到第一页'),
      chatId: dm,
      messageId: first.messageId,
    });
    expect(listed(back.card.data)).toEqual(page1);

    // The words go along: 下一页 of 「查 东村 王村干」 would list only those (here: none left).
    // Nobody outside 西村 and above it reads its items through the button: a stranger in a direct
    // chat, or 东村's officer in 东村's group.
    const stranger = await tapCard(h, { operator: 'ou_stranger', value: next, chatId: 'oc_dm_stranger' });
    expect(stranger.toast).toEqual({
      type: 'error',
      content: '您不是西村或其上级单位的工作人员，不能查看它的材料。',
    });
    expect(stranger.card).toBeUndefined();
    const officer = await tapCard(h, { operator: 'ou_officer', value: next, chatId: group });
    expect(officer.toast.type).toBe('error');
  });

  it('下一页 keeps the words: a search of more than a page pages within the search', async () => {
    const first = await direct('查 西村 会议记录');
    expect(listed(first.content)).toHaveLength(10);
    const next = pageButton(first.content, '下一页');
    expect(next).toMatchObject({ q: '会议记录' });
    const second = await tapCard(h, { operator: 'ou_archivist', value: next, chatId: dm });
    expect(listed(second.card.data)).toHaveLength(2);
    expect(JSON.stringify(second.card.data)).toContain('西村最近提交的材料（会议记录）');
  });

  it('四性检测 names a failing item by its 档号 and links its page', async () => {
    // A stored file of the confirmed photo damaged: the check fails on it.
    const [blob] = await queryRows<{ key: string }>(
      f.db,
      sql`select m.storage_key as key from materials m
            join filing_item_materials fim on fim.material_id = m.id
          where fim.item_id = ${photoItem}`,
    );
    const path = join(f.dataDir, 'files', blob!.key);
    const bad = readFileSync(path);
    bad[bad.length - 40]! ^= 0x01;
    writeFileSync(path, bad);
    const before = h.fake.sentMessages().length;
    await sayToBot(h, { chatId: group, sender: 'ou_archivist', text: '四性检测 东村 2025' });
    await h.settle();
    const text = await waitFor('the 四性检测 result', () =>
      h.fake
        .sentMessages()
        .slice(before)
        // Asked in the group: the result comes to the archivist by direct message.
        .filter((m) => m.receiveId === 'ou_archivist' && m.msgType === 'text')
        .map((m) => (m.content as { text: string }).text)
        .find((t) => t.startsWith('四性检测未通过')),
    );
    // Before: 「· A182-ZP·2025-Y-0001：哈希值不符」 and no way to the item.
    expect(text).toContain(`· ${code}：哈希值不符 ${PUBLIC_URL}/items/${photoItem}`);
  });
});
