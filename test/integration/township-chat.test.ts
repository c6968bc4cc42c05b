import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { cardLinks, cardMarkdownLinks } from '../support/cards.js';
import { sayToBot } from '../support/chat-actions.js';
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
      '我会自动保存原件并登记。这是乡镇的工作群，发到本群的材料都会保存好，归入本乡镇自己的档案。各村交材料的情况：发送「进度」看各村完成率，「缺什么」看各村还缺的材料；领导、档案员可以在[本乡镇的网页]',
    );
    expect(cardMarkdownLinks(help.content)).toEqual([['本乡镇的网页', `${PUBLIC_URL}/units/${townshipId}`]]);
    expect(text).not.toContain('任务清单');
    expect(text).not.toContain('选择交到哪项任务');
    expect(text).not.toContain('说明文字里写任务编号');
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
});
