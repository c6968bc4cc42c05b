import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNIT_DETAIL } from '../../src/cards/actions.js';
import { CARD_LIMIT_BYTES } from '../../src/cards/card-kit.js';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { buildDigests } from '../../src/usecases/build-digest.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { runUnitsCommand } from '../../src/cli/units.js';
import { waitFor } from '../support/wait-for.js';
import { tapCard } from '../support/chat-actions.js';
import { botMembershipEvent } from '../support/events.js';
import { cardButtons } from '../support/cards.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';
import { chatTypeOf, recordChatJoined } from '../../src/db/repos/chats.js';

/** The weekly leaders' digest (issue 5): figures from the database, change since last week, size. */
describe('weekly digest', () => {
  let w: SchedulesWorld;
  let V1: string;
  let V2: string;
  const db = () => w.h.db.db;
  const fileItem = async (
    unitCode: string,
    code: string,
    counts: { photo?: number; doc?: number },
    at: string,
    undone = false,
  ) => {
    const tid = await w.taskId(unitCode, code);
    await db()
      .execute(sql`insert into filing_items (task_id, unit_id, kind, title, n_photo, n_document, filed_by, filed_at, via, undone_at)
      select ${tid}, t.unit_id, ${counts.photo ? 'photo_group' : 'document'}, 'x', ${counts.photo ?? 0}, ${counts.doc ?? 0},
        ${w.org.officer}, ${at}::timestamptz, 'cli', ${undone ? at : null}::timestamptz
      from tasks t where t.id = ${tid}`);
  };
  const material = async (chatId: string, at: string, m: { status?: string; quality?: string }) => {
    await db()
      .execute(sql`insert into materials (message_id, resource_key, resource_type, chat_id, sent_at, kind, status, quality, created_at)
      values (${`om_${randomBytes(6).toString('hex')}`}, 'img_x', 'image', ${chatId}, ${at}::timestamptz, 'photo',
        ${m.status ?? 'stored'}, ${m.quality ?? 'ok'}, ${at}::timestamptz)`);
  };
  /** Expected figures straight from the tables: per-task filed counts of the accepted kinds (photographed paper one 份). */
  const expected = async (rootCode: string, now: string) => {
    const [r] = await queryRows<any>(
      db(),
      sql`with t as (
            select t.id, t.state, t.min_count, t.due_at,
              coalesce((select sum(case when 'photo' = any(t.kinds) then fi.n_photo else 0 end
                + case when 'document' = any(t.kinds) then fi.n_document else 0 end
                -- Photographed paper: in a document task, an item's photos are one 份.
                + case when 'document' = any(t.kinds) and not 'photo' = any(t.kinds) and fi.n_photo > 0 then 1 else 0 end)
                from filing_items fi where fi.task_id = t.id and fi.undone_at is null), 0) as filed
            from tasks t join units u on u.id = t.unit_id
            where u.path like (select path from units where code = ${rootCode}) || '%')
          select count(*)::int as total,
            count(*) filter (where state = 'waived' or filed >= min_count)::int as done,
            count(*) filter (where state <> 'waived' and filed < min_count and due_at < ${now}::timestamptz)::int as overdue
          from t`,
    );
    return { total: Number(r.total), done: Number(r.done), overdue: Number(r.overdue) };
  };
  const digestFor = (openId: string) =>
    w.sentTo(openId).filter((m) => JSON.stringify(m.content).includes('进度周报'));

  beforeAll(async () => {
    w = await schedulesWorld('DG', '2026-11-16T07:00:00+08:00');
    V1 = w.org.village;
    V2 = 'DG12';
    for (const c of ['C01', 'C02', 'C03', 'C04', 'C05']) await w.setDue(V1, c, '2026-11-10');
    await w.setDue(V1, 'C06', '2026-11-20');
    await fileItem(V1, 'C01', { doc: 1 }, '2026-11-12T10:00:00+08:00'); // complete, this week
    await fileItem(V1, 'C03', { photo: 1 }, '2026-11-13T10:00:00+08:00'); // partly (needs 2), this week
    await fileItem(V1, 'C05', { photo: 3 }, '2026-11-05T10:00:00+08:00'); // complete, the week before
    await fileItem(V1, 'C02', { doc: 1 }, '2026-11-14T10:00:00+08:00', true); // undone: does not count
    await db().execute(sql`update tasks set state = 'waived' where id = ${await w.taskId(V2, 'C07')}`);
    await material(w.chats.village1, '2026-11-12T11:00:00+08:00', { quality: 'compressed' });
    await material(w.chats.village1, '2026-11-13T11:00:00+08:00', { quality: 'compressed' });
    await material(w.chats.village1, '2026-11-13T12:00:00+08:00', { status: 'needs_reupload' });
    await material(w.chats.village2, '2026-11-14T12:00:00+08:00', { status: 'failed' });
    await material(w.chats.village1, '2026-11-02T12:00:00+08:00', { quality: 'compressed' }); // earlier week
  });
  afterAll(() => w?.close());

  it('sends each leader one digest of their units whose figures match the database', async () => {
    await w.runAt('2026-11-16T08:30:00+08:00');
    // Both sends are delivered by queued jobs: wait for them on a busy machine.
    await waitFor('both digests', () =>
      digestFor(w.townshipLeader).length > 0 && digestFor(w.org.leader).length > 0 ? true : undefined,
    );
    const town = digestFor(w.townshipLeader);
    const county = digestFor(w.org.leader);
    expect(town).toHaveLength(1);
    expect(county).toHaveLength(1);
    expect(town[0]!.receiveIdType).toBe('open_id');

    const want = await expected(w.org.township, '2026-11-16T08:30:00+08:00');
    expect(want).toEqual({ total: 50, done: 3, overdue: 3 });
    const [send] = await buildDigests(
      db(),
      new Date('2026-11-16T08:30:00+08:00'),
      { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 },
      w.townshipLeader,
    );
    const f = send!.figures;
    // The ISO week that just ended, Monday to Sunday, named plainly.
    expect(f.week).toBe('2026-W46');
    expect(f.weekName).toBe('第46周（11月9日—15日）');
    expect(f.scope).toMatchObject({ ...want, percent: 6, change: null });
    const v1 = await expected(V1, '2026-11-16T08:30:00+08:00');
    expect(f.children.find((c) => c.name === '城关村')).toMatchObject(v1);
    expect(f.filed).toEqual({ items: 2, materials: 2 });
    // The C03 photo filed this week has no 事由 yet: a photo group 缺少说明, as the unit page lists it.
    expect(f.quality).toEqual({ compressed: 2, undescribed: 1, needsReupload: 1, failed: 1, tooLarge: 0 });
    // The text (`npm run digest`) names the statuses with the card's words.
    expect(send!.text).toContain(
      '质量问题 5（压缩照片 2，缺少说明 1，需重新上传 1，下载失败 1，文件太大 0）',
    );
    expect(f.oldest.map((o) => o.code)).toEqual(['C02', 'C03', 'C04']);
    expect(f.oldest[0]).toMatchObject({ unitName: '城关村', owners: ['王村官'], overdueDays: 6 });
    expect(f.deadlines[0]).toEqual({ day: '2026-11-20', open: 1 });

    const card = town[0]!.content as any;
    const text = JSON.stringify(card);
    expect(text).toContain('完成率 6.0%');
    // 已完成 3 counted C07's 免交; the page it opens says 「已齐 2、免交 1」, and so does the card.
    expect(text).toContain('任务 50 项，已交齐 2 项、免交 1 项，逾期 **3** 项');
    expect(text).toContain(
      '质量问题 5 个：压缩照片 2 张，照片组缺少说明 1 组，需重新上传 1 个，下载失败 1 个',
    );
    expect(text).toContain('**第46周（11月9日—15日）** 新提交 2 件');
    expect(text).toContain('11月20日：1 项未齐');
    expect(text).not.toMatch(/npm run|W4\d|\d,\d{3}/);
    expect(text).toContain('王村官');
    expect(card.body.elements.some((e: any) => e.tag === 'chart')).toBe(true);
    expect(card.body.elements.some((e: any) => e.tag === 'table')).toBe(true);
    // The county's figures composed from its township's equal the county read on its own.
    const opts = { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 };
    const at = new Date('2026-11-16T08:30:00+08:00');
    const composed = (await buildDigests(db(), at, opts)).find((x) => x.receiveId === w.org.leader)!.figures;
    // Only the county leader's digest: nothing below is computed first, so the county is read directly.
    const direct = (await buildDigests(db(), at, opts, w.org.leader)).find(
      (x) => x.receiveId === w.org.leader,
    )!.figures;
    expect(composed).toEqual(direct);
    expect(composed.scope).toMatchObject(await expected(w.org.county, '2026-11-16T08:30:00+08:00'));
    const countyCard = JSON.stringify(county[0]!.content);
    expect(countyCard).toContain('进度周报 · DG县');
    expect(countyCard).toContain('城关镇');
  });

  it("without web pages, 查看全部 and the weakest units' buttons send the full table into the chat", async () => {
    const [digest] = digestFor(w.org.leader);
    const buttons = cardButtons(digest!.content);
    expect(buttons[0]).toMatchObject({ text: '查看全部', value: { a: 'unit-detail' } });
    expect(JSON.stringify(digest!.content)).not.toContain('发送「进度」');
    const dm = 'oc_dm_county_leader';
    const tap = (value: unknown, operator = w.org.leader) =>
      tapCard(w.h, { operator, value: value as any, chatId: dm });
    expect((await tap(buttons[0]!.value)).toast.type).toBe('success');
    // The leader's chat with the bot is bound to no unit: the detail comes to them by direct message.
    const county = await waitFor('the county detail', () =>
      w.sentTo(w.org.leader).find((m) => JSON.stringify(m.content).includes('DG县 · 明细')),
    );
    // Every unit below (here one township), worst first, then what is missing, and one level down.
    const text = JSON.stringify(county.content);
    expect(text).toContain('下级单位（1 个，完成率从低到高）');
    expect(text).toContain('还没交齐');
    const down = cardButtons(county.content).find((b) => b.text === '城关镇')!;
    expect((await tap(down.value)).toast.type).toBe('success');
    const town = await waitFor('the township detail', () =>
      w.sentTo(w.org.leader).find((m) => JSON.stringify(m.content).includes('城关镇 · 明细')),
    );
    expect(JSON.stringify(town.content)).toContain('城关村');
    // The township leader may not read the county.
    expect((await tap(buttons[0]!.value, w.townshipLeader)).toast.type).toBe('error');
  });

  it("a unit's detail goes only into a chat entitled to it: tapped elsewhere, to the tapper by direct message", async () => {
    // The county leader forwarded the digest into 城关村's chat and taps 查看全部 (the county) there: the
    // county's detail (every township's and village's gaps, households named) must not go to that chat.
    const [digest] = digestFor(w.org.leader);
    const all = cardButtons(digest!.content).find((b) => b.text === '查看全部')!;
    const villageChat = w.chats.village1;
    const before = w.sentTo(villageChat).length;
    const dmBefore = w
      .sentTo(w.org.leader)
      .filter((m) => JSON.stringify(m.content).includes('DG县 · 明细')).length;
    const tap = (value: unknown, operator: string, chatId: string) =>
      tapCard(w.h, { operator, value: value as any, chatId });
    const toast = (await tap(all.value, w.org.leader, villageChat)).toast;
    expect(toast.type).toBe('success');
    expect(toast.content).toContain('私信');
    await waitFor('the county detail by direct message', () =>
      w.sentTo(w.org.leader).filter((m) => JSON.stringify(m.content).includes('DG县 · 明细')).length >
      dmBefore
        ? true
        : undefined,
    );
    await w.h.settle();
    expect(
      w
        .sentTo(villageChat)
        .slice(before)
        .map((m) => JSON.stringify(m.content)),
    ).not.toContainEqual(expect.stringContaining('明细'));
    // The village's own detail, tapped in its chat, still goes into that chat.
    const village = (await getUnitByCode(db(), V1))!;
    expect((await tap(UNIT_DETAIL.value({ u: village.id }), w.org.officer, villageChat)).toast.type).toBe(
      'success',
    );
    await waitFor('the village detail in its chat', () =>
      w.sentTo(villageChat).find((m) => JSON.stringify(m.content).includes('城关村 · 明细')),
    );
  });

  it('shows the change since last week from the stored snapshot, once a week', async () => {
    await fileItem(V1, 'C02', { doc: 1 }, '2026-11-18T10:00:00+08:00');
    await w.runAt('2026-11-17T08:30:00+08:00'); // Tuesday: not the digest day
    expect(digestFor(w.townshipLeader)).toHaveLength(1);
    await w.runAt('2026-11-23T08:30:00+08:00');
    const town = digestFor(w.townshipLeader);
    expect(town).toHaveLength(2);
    const want = await expected(w.org.township, '2026-11-23T08:30:00+08:00');
    expect(want.done).toBe(4);
    const text = JSON.stringify(town[1]!.content);
    expect(text).toContain('完成率 8.0%');
    expect(text).toContain('▲2.0');
    const [snap] = await queryRows<any>(
      db(),
      sql`select total, done from completeness_snapshots s join units u on u.id = s.unit_id
          where u.code = ${w.org.township} and s.week = '2026-W47'`,
    );
    expect(snap).toEqual({ total: 50, done: 3 });
  });

  it("goes to a unit's leaders' chat instead of each leader when the unit has one (units set)", async () => {
    const lines: string[] = [];
    const units = (...args: string[]) =>
      runUnitsCommand(['set', ...args], { db: db(), out: (l) => lines.push(l), clock: w.clock });
    const opts = { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 };
    const at = new Date('2026-11-30T08:30:00+08:00');
    // A chat the bot is not in (a mistyped id): every digest would be refused by Lark, so it is refused here.
    await expect(units(w.org.township, 'digestChat=oc_leaders_dg')).rejects.toThrow(
      '机器人不在群 oc_leaders_dg 里（没有记录），周报发不进去：先把机器人加进领导群，再用 npm run cli -- chats list 查群的 ID',
    );
    expect((await getUnitByCode(db(), w.org.township))!.settings).toEqual({});
    await recordChatJoined(db(), { chatId: 'oc_leaders_dg', name: '甲镇领导群', at: w.clock.now() });
    await units(w.org.township, 'digestChat=oc_leaders_dg');
    expect(lines.at(-1)).toContain('"digestChat":"oc_leaders_dg"');
    const sends = await buildDigests(db(), at, opts);
    const township = (await getUnitByCode(db(), w.org.township))!;
    expect(sends.filter((x) => x.unitId === township.id).map((x) => [x.receiveIdType, x.receiveId])).toEqual([
      ['chat_id', 'oc_leaders_dg'],
    ]);
    expect(sends.some((x) => x.receiveId === w.townshipLeader)).toBe(false);
    expect(sends.some((x) => x.receiveId === w.org.leader)).toBe(true);
    // One leader's view includes the chat digest of the unit they lead.
    expect((await buildDigests(db(), at, opts, w.townshipLeader)).map((x) => x.receiveId)).toEqual([
      'oc_leaders_dg',
    ]);
    await expect(units(w.org.township, 'digestChat=leaders')).rejects.toMatchObject({ code: 'usage' });
    await expect(units(w.org.township, 'colour=red')).rejects.toMatchObject({ code: 'usage' });
    await units(w.org.township, 'digestChat=off');
    expect((await buildDigests(db(), at, opts, w.townshipLeader)).map((x) => x.receiveId)).toEqual([
      w.townshipLeader,
    ]);
    expect((await getUnitByCode(db(), w.org.township))!.settings).toEqual({});
  });

  it("goes to each leader by direct message once the bot was removed from the leaders' chat", async () => {
    const chatId = `oc_gone_${randomBytes(6).toString('hex')}`;
    const membership = async (type: 'added' | 'deleted') =>
      expect(
        (await w.h.post(botMembershipEvent({ appId: w.h.fake.appId, type, chatId, name: '甲镇领导群' })))
          .status,
      ).toBe(200);
    await membership('added');
    await waitFor('the leaders’ chat recorded', async () => (await chatTypeOf(db(), chatId)) !== undefined);
    await runUnitsCommand(['set', w.org.township, `digestChat=${chatId}`], {
      db: db(),
      out: () => {},
      clock: w.clock,
    });
    // The chat's owner removes the bot: every digest into it would be refused, the leaders would get none.
    await membership('deleted');
    await waitFor('the chat left', async () => {
      const [c] = await queryRows<{ active: boolean }>(
        db(),
        sql`select active from chats where chat_id = ${chatId}`,
      );
      return c?.active === false;
    });
    await w.runAt('2026-12-07T08:30:00+08:00');
    const digest = await waitFor('the township digest to its leader', () =>
      // No digest went out on 30 November (nothing ran): this one reports both weeks since 23 November's.
      digestFor(w.townshipLeader).find((m) => JSON.stringify(m.content).includes('第48—49周')),
    );
    expect(digest.receiveIdType).toBe('open_id');
    expect(w.sentTo(chatId).filter((m) => JSON.stringify(m.content).includes('进度周报'))).toEqual([]);
  });

  it('names as weakest, and lists first, the worst units that have tasks, not a village without any', async () => {
    // A village added after the campaign: no tasks yet, so no completeness to rank.
    await importUnits(
      { db: db(), clock: w.clock },
      { text: 'code,name,kind,parent_code\nDG13,新建村,village,DG10', fileName: 'units.csv' },
    );
    const [send] = await buildDigests(
      db(),
      new Date('2026-11-30T08:30:00+08:00'),
      { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 },
      w.townshipLeader,
    );
    const f = send!.figures;
    expect(f.children.map((c) => c.name)).toContain('新建村');
    const card = JSON.parse(send!.content);
    const buttons = cardButtons(card).map((b) => b.text);
    expect(buttons[0]).toBe('查看全部');
    // The villages the card calls weakest (⚠️ 最差) are the ones with a button.
    const withTasks = f.children.filter((c) => c.percent !== null);
    expect(buttons.slice(1)).toEqual(withTasks.reverse().map((c) => c.name));
    expect(buttons).not.toContain('新建村');
    const rows = card.body.elements.find((e: any) => e.tag === 'table').rows;
    expect(rows[0].unit).not.toBe('新建村');
    expect(rows.at(-1)).toMatchObject({ unit: '新建村', pct: '—' });
  });

  it('keeps the card under 30 KB for a township with 200 villages', async () => {
    const clock = { db: db(), clock: w.clock };
    const csv = [
      'code,name,kind,parent_code',
      'DG20,大河镇,township,DG00',
      ...Array.from(
        { length: 200 },
        (_, i) => `DG2${String(i).padStart(3, '0')},大河镇第${i + 1}村民委员会,village,DG20`,
      ),
    ].join('\n');
    await importUnits(clock, { text: csv, fileName: 'units.csv' });
    await createCampaign(campaignDeps(clock), {
      checklistCode: 'village-jzfp',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      parentUnitCode: 'DG20',
      createdBy: 'cli',
      code: 'DG20-village-2026',
    });
    const leader = 'ou_DG_bigtown';
    await upsertPerson(db(), { openId: leader, name: '孙书记' }, w.clock.now());
    await addUnitRole(
      db(),
      { unitId: (await getUnitByCode(db(), 'DG20'))!.id, openId: leader, role: 'leader' },
      w.clock.now(),
    );
    const [send] = await buildDigests(
      db(),
      new Date('2026-11-23T08:30:00+08:00'),
      { timeZone: 'Asia/Shanghai', oldestOverdue: 5, validDays: 3 },
      leader,
    );
    expect(send!.figures.children).toHaveLength(200);
    expect(Buffer.byteLength(JSON.stringify(send!.content))).toBeLessThan(CARD_LIMIT_BYTES);
    const card = JSON.parse(send!.content);
    expect(
      card.body.elements.find((e: any) => e.tag === 'chart').chart_spec.data.values.length,
    ).toBeLessThanOrEqual(30);
    expect(card.body.elements.find((e: any) => e.tag === 'table').rows.length).toBeGreaterThan(0);
  });
});
