import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaignsCommand } from '../../src/cli/campaigns.js';
import { runUnitsCommand } from '../../src/cli/units.js';
import { queryRows } from '../../src/db/client.js';
import { recordChatJoined } from '../../src/db/repos/chats.js';
import { unitOfChat } from '../../src/db/repos/units-chat-bindings.js';
import { restoreUnit, retireUnit } from '../../src/usecases/retire-unit.js';
import { cardButtons } from '../support/cards.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { tapCard } from '../support/chat-actions.js';
import { botMembershipEvent } from '../support/events.js';
import { waitFor } from '../support/wait-for.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

/**
 * Villages are merged every year (撤并村), and there was no way to retire a unit: a merged village
 * kept getting reminders, kept counting against its township in the weekly digest and in 逾期 lists,
 * and `units check` kept asking for its chat and people. `units retire CODE --into CODE` keeps it (and
 * everything filed under it) but stops chasing it; `units restore CODE` undoes it.
 */
describe('units retire / units restore', () => {
  let w: SchedulesWorld;
  let V1: string;
  let V2: string;
  const db = () => w.h.db.db;
  const text = (m: { content: unknown }) => JSON.stringify(m.content);
  const lines: string[] = [];
  /** The CLI's own command on the test clock (the notice it queues is due on the bot's clock). */
  const units = async (...args: string[]) => {
    lines.length = 0;
    await runUnitsCommand(args, { db: db(), out: (l) => lines.push(l), clock: w.clock, env: {} });
    return [...lines];
  };
  const cli = (...args: string[]) => cliInProcess(args, {}, w.h.db);
  const taskStates = async (unitCode: string) =>
    queryRows<{ code: string; state: string; waived_by: string | null }>(
      db(),
      sql`select t.code, t.state, t.waived_by from tasks t join units u on u.id = t.unit_id
          where u.code = ${unitCode} and t.household_id is null order by t.code`,
    );
  const digestFor = (openId: string) => w.sentTo(openId).filter((m) => text(m).includes('进度周报'));

  beforeAll(async () => {
    w = await schedulesWorld('RT', '2026-10-09T10:00:00+08:00');
    V1 = w.org.village; // 城关村
    V2 = 'RT12'; // 河口村, merged into 城关村
    await w.setDue(V1, 'C03', '2026-09-25');
    await w.setDue(V2, 'C04', '2026-09-25');
    // 河口村 handed in C01 in full before the merger: it stays complete, filed under 河口村.
    const c01 = await w.taskId(V2, 'C01');
    await db()
      .execute(sql`insert into filing_items (task_id, unit_id, kind, title, n_photo, n_document, filed_by, filed_at, via)
      select ${c01}, t.unit_id, 'document', '河口村的会议记录', 0, 1, ${w.org.officer}, '2026-09-20T10:00:00+08:00', 'cli'
      from tasks t where t.id = ${c01}`);
  });
  afterAll(() => w?.close());

  it('refuses, in Chinese, a township with a village still active, and a merger into a unit that is no sibling', async () => {
    const township = await cli('units', 'retire', w.org.township);
    expect(township.code).toBe(1);
    expect(township.stderr).toContain(
      '城关镇（RT10）下面还有 2 个单位没有撤并：城关村（RT11）、河口村（RT12）。先把它们撤并（units retire 编码 --into 编码），或用 units import 移到别的上级下',
    );
    const notSibling = await cli('units', 'retire', V2, '--into', w.org.township);
    expect(notSibling.code).toBe(1);
    expect(notSibling.stderr).toContain(
      '城关镇（RT10）不是 河口村 的同级单位（河口村属于城关镇，城关镇属于RT县）',
    );
    expect((await cli('units', 'retire', V2, '--into', 'NOPE')).stderr).toContain('找不到单位 NOPE');
    expect((await cli('units', 'retire', V2, '--into', V2)).stderr).toContain('河口村（RT12）不能并入它自己');
    expect((await cli('units', 'retire', V2, '--date', '2026-13-01')).stderr).toContain(
      '日期 2026-13-01 不对',
    );
    expect((await cli('units', 'restore', V2)).stderr).toContain('河口村（RT12）没有撤并，不用恢复');
    // A line without a unit code: the usage, before the database is opened.
    const bare = await cli('units', 'retire', '--into', V1);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('units retire CODE [--into CODE] [--date YYYY-MM-DD]');
    expect((await taskStates(V2)).every((t) => t.state === 'open')).toBe(true);
  });

  it('retires 河口村 into 城关村: its open tasks waived, its chat re-bound and told, what it filed kept', async () => {
    const out = await units('retire', V2, '--into', V1, '--date', '2026-10-09');
    expect(out[0]).toBe(
      '河口村（RT12）已并入 城关村（RT11），撤并日期 2026-10-09：不再提醒，不进周报、进度和 units check；已交的材料、档号和全宗都保留',
    );
    expect(out[1]).toMatch(/^ {2}未交齐的任务 \d+ 个已设为免交（原因：单位已撤并；units restore 可恢复）$/);
    expect(out[2]).toBe(`  它的群 1 个已改绑到 城关村，机器人会在群里说明：${w.chats.village2}`);
    const states = await taskStates(V2);
    expect(states.find((t) => t.code === 'C01')).toMatchObject({ state: 'open', waived_by: null });
    expect(states.filter((t) => t.code !== 'C01').every((t) => t.waived_by === 'unit-retired')).toBe(true);
    const [item] = await queryRows<{ unit: string }>(
      db(),
      sql`select u.code as unit from filing_items fi join units u on u.id = fi.unit_id where fi.title = '河口村的会议记录'`,
    );
    expect(item?.unit).toBe(V2);
    // The chat now works for 城关村, and the bot says so in it.
    expect((await unitOfChat(db(), w.chats.village2))?.code).toBe(V1);
    w.h.bot.jobWorker.wake();
    const [notice] = await waitFor('the notice in the merged village’s chat', () =>
      w.sentTo(w.chats.village2).length > 0 ? w.sentTo(w.chats.village2) : undefined,
    );
    expect(text(notice!)).toContain(
      '河口村已并入城关村（10月9日起）。本群以后交的材料都交到城关村的任务下，提醒也按城关村发。河口村已交的材料和档号都还在，不受影响。',
    );
    // Retired: it cannot be retired again, nor be merged into.
    expect((await cli('units', 'retire', V2)).stderr).toContain(
      '河口村（RT12）已于10月9日并入 城关村（RT11），不用再撤；要恢复用 units restore RT12',
    );
    expect((await cli('units', 'retire', V1, '--into', V2)).stderr).toContain(
      '河口村（RT12）也已撤并，不能再并入它；请并入现在还在的单位',
    );
    await recordChatJoined(db(), { chatId: 'oc_rt_new', name: '新建的群', at: w.clock.now() });
    expect((await cli('chats', 'bind', 'oc_rt_new', V2)).stderr).toContain(
      '河口村已并入城关村，不能再绑定；请绑定 城关村',
    );
  });

  it('lists it as merged, and units check no longer asks for its chat or people', async () => {
    const list = await cli('units', 'list');
    expect(list.stdout.split('\n')).toContain(
      '    RT12  河口村  (village)  已撤并 2026-10-09 → 城关村（RT11）',
    );
    const check = await cli('units', 'check');
    expect(check.stdout).not.toContain('河口村');
    expect(check.stdout.split('\n')).toContain('已撤并的单位 1 个，不再检查（units list 可看）');
    expect(check.stdout.startsWith('村 1 个')).toBe(true);
  });

  it('campaigns progress names it apart as merged; campaigns missing no longer lists it, even a task it emptied since', async () => {
    const campaigns = async (...args: string[]) => {
      lines.length = 0;
      await runCampaignsCommand(args, { db: db(), out: (l) => lines.push(l), clock: w.clock, env: {} });
      return [...lines];
    };
    // It used to vanish from the township's lines without a word.
    const township = await campaigns('progress', w.org.township);
    expect(township).toHaveLength(3);
    expect(township[1]).toMatch(/^ {2}城关村 {2}/);
    expect(township[2]).toBe('  已撤并：河口村（10月9日并入城关村）');
    expect(await campaigns('progress', V2)).toEqual([
      'RT县/城关镇/河口村  已于10月9日并入城关村，不再统计进度和提醒；已交的材料和档号都保留',
    ]);
    // Its C01, complete when it merged (so not waived), loses its item: still nobody owes it.
    const [item] = await queryRows<{ id: number }>(
      db(),
      sql`select id::int as id from filing_items where title = '河口村的会议记录'`,
    );
    const off = await cli('archive', 'unfile', '--item', String(item!.id), '--reason', '放错村');
    expect(off.code, off.stderr).toBe(0);
    const missing = await campaigns('missing', w.org.township, '--limit', '1000');
    expect(missing.join('\n')).not.toContain('河口村');
    expect(missing[0]).toBe(`RT县/城关镇 还缺 ${missing.length - 1} 项`);
    expect(await campaigns('missing', V2)).toEqual([
      'RT县/城关镇/河口村  已于10月9日并入城关村，不再催交（已交的材料和档号都保留）',
    ]);
  });

  it('sends no reminder, escalation or digest row for the merged village', async () => {
    const before = w.sentTo(w.chats.village2).length;
    // Monday 2026-10-12: the digest at 08:30, the reminders at 09:00.
    await w.runAt('2026-10-12T08:30:00+08:00');
    await waitFor('the township digest', () => (digestFor(w.townshipLeader).length > 0 ? true : undefined));
    const digest = text(digestFor(w.townshipLeader)[0]!);
    expect(digest).toContain('城关村');
    expect(digest).not.toContain('河口村');
    await w.runAt('2026-10-12T09:00:00+08:00');
    const escalation = await waitFor('the escalation', () =>
      w.sentTo(w.townshipLeader).find((m) => !text(m).includes('进度周报')),
    );
    expect(text(escalation)).toContain('城关村');
    expect(text(escalation)).not.toContain('河口村');
    // The merged village's chat now gets 城关村's reminder (its C03), nothing of 河口村's.
    const reminders = w.sentTo(w.chats.village2).slice(before);
    expect(reminders).toHaveLength(1);
    expect(text(reminders[0]!)).toContain('#C03');
    expect(text(reminders[0]!)).not.toContain('#C04');
  });

  it("the digest's 查看全部 (no web pages) opens the township's detail: as many owed as its figures, none of 河口村", async () => {
    const digest = digestFor(w.townshipLeader)[0]!;
    const all = cardButtons(digest.content).find((b) => b.text === '查看全部')!;
    const before = w.sentTo(w.townshipLeader).length;
    const answer = await tapCard(w.h, {
      operator: w.townshipLeader,
      value: all.value,
      chatId: 'oc_dm_rt_township_leader',
    });
    expect(answer.toast.type).toBe('success');
    const detail = text(
      await waitFor('the township detail', () =>
        w
          .sentTo(w.townshipLeader)
          .slice(before)
          .find((m) => text(m).includes('城关镇 · 明细')),
      ),
    );
    // 共 N 项：齐全 a，…，免交 w — the owed list counts N − a − w (河口村's emptied C01 was one more).
    const [, total, complete, waived] = /共 (\d+) 项：齐全 (\d+)，部分 \d+，一件没交 \d+，免交 (\d+)/.exec(
      detail,
    )!;
    const owed = Number(/还没交齐（(\d+) 项/.exec(detail)![1]);
    expect(owed).toBe(Number(total) - Number(complete) - Number(waived));
    expect(detail.slice(detail.indexOf('还没交齐'))).not.toContain('河口村');
    expect(detail).toContain('已撤并：河口村（10月9日并入城关村）');
  });

  it('restores it: the tasks retirement waived are open again and chased, its chat stays with 城关村', async () => {
    const out = await units('restore', V2);
    expect(out[0]).toMatch(/^河口村（RT12）已恢复：撤并时免交的任务 \d+ 个重新打开$/);
    expect(out[1]).toBe('  它原来的群仍绑定在 城关村；要绑回用 npm run cli -- chats bind 群ID RT12');
    expect((await taskStates(V2)).every((t) => t.state === 'open' && t.waived_by === null)).toBe(true);
    expect((await unitOfChat(db(), w.chats.village2))?.code).toBe(V1);
    const escalations = () => w.sentTo(w.townshipLeader).filter((m) => !text(m).includes('进度周报'));
    const before = escalations().length;
    await w.runAt('2026-10-13T09:00:00+08:00');
    const again = await waitFor('the next escalation', () => escalations()[before]);
    expect(text(again)).toContain('河口村');
    expect((await cli('units', 'list')).stdout.split('\n')).toContain('    RT12  河口村  (village)');
  });

  it('abolishes a unit without --into: its chat is unbound and told, and a new campaign gives it no tasks', async () => {
    expect((await cli('chats', 'bind', 'oc_rt_new', V2)).code).toBe(0);
    const out = await units('retire', V2);
    expect(out[0]).toBe(
      '河口村（RT12）已撤销，撤并日期 2026-10-13：不再提醒，不进周报、进度和 units check；已交的材料、档号和全宗都保留',
    );
    expect(out[2]).toBe(
      '  它的群 1 个已解除绑定，机器人会在群里说明（需要时用 chats bind 绑到接手的单位）：oc_rt_new',
    );
    expect(await unitOfChat(db(), 'oc_rt_new')).toBeUndefined();
    w.h.bot.jobWorker.wake();
    const notice = await waitFor(
      'the notice in the abolished village’s chat',
      () => w.sentTo('oc_rt_new')[0],
    );
    expect(text(notice)).toContain(
      '河口村已撤销（10月13日起），本群不再为河口村收材料，也不再提醒。已交的材料和档号都还在。以后还要在本群交材料的，请管理员把本群绑定到接手的单位。',
    );
    expect((await cli('units', 'list')).stdout.split('\n')).toContain(
      '    RT12  河口村  (village)  已撤销 2026-10-13',
    );
    const created = await cli(
      'campaigns',
      'create',
      '--checklist',
      'village-jzfp',
      '--year',
      '2027',
      '--deadline',
      '2027-12-31',
      '--parent',
      w.org.township,
    );
    expect(created.code).toBe(0);
    const perUnit = await queryRows<{ code: string; n: number }>(
      db(),
      sql`select u.code, count(*)::int as n from tasks t join units u on u.id = t.unit_id
          join campaigns c on c.id = t.campaign_id where c.year = 2027 group by u.code order by u.code`,
    );
    expect(perUnit.map((r) => r.code)).toEqual([V1]);
    expect(
      (
        await cli(
          'campaigns',
          'create',
          '--checklist',
          'village-jzfp',
          '--year',
          '2028',
          '--deadline',
          '2028-12-31',
          '--parent',
          V2,
        )
      ).stderr,
    ).toContain('RT12 已撤并，不再建任务');
  });

  it('is left out of the welcome card, the chats table and the units import’s list of kept units', async () => {
    const chatId = 'oc_rt_welcome';
    const posted = await w.h.post(
      botMembershipEvent({ appId: w.h.fake.appId, type: 'added', chatId, name: '河口村工作群' }),
    );
    expect(posted.status).toBe(200);
    const card = await waitFor('the welcome card', () => w.sentTo(chatId)[0]);
    expect(text(card)).not.toContain('河口村');
    const dir = mkdtempSync(join(tmpdir(), 'units-retire-'));
    try {
      writeFileSync(join(dir, 'chats.csv'), `群ID,群名,单位编码\noc_rt_new,新建的群,${V2}\n`);
      const table = await cli('chats', 'bind', join(dir, 'chats.csv'));
      expect(table.code).toBe(1);
      expect(table.stderr).toContain('chats.csv 第 2 行: 河口村（RT12）已撤销，不能再绑定');
      // The whole tree's file without 河口村: nothing to list as kept, it is retired.
      const tree = ['code,name,kind,parent_code', 'RT00,RT县,county,', 'RT10,城关镇,township,RT00'];
      writeFileSync(join(dir, 'units.csv'), [...tree, 'RT11,城关村,village,RT10', ''].join('\n'));
      expect((await cli('units', 'import', join(dir, 'units.csv'))).stdout).toBe(
        '单位导入完成：新增 0，更新 0，未变 3\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a merger into a unit retired while the command ran, changing nothing', async () => {
    await units('restore', V2);
    const timeZone = 'Asia/Shanghai';
    // 河口村 is abolished by another command between this one's checks and its transaction.
    const racing = new Proxy(db(), {
      get(target, prop) {
        if (prop !== 'transaction') return Reflect.get(target, prop, target);
        return async (...args: Parameters<typeof target.transaction>) => {
          await retireUnit({ db: target, clock: w.clock, timeZone }, { code: V2 });
          return target.transaction(...args);
        };
      },
    });
    await expect(
      retireUnit({ db: racing, clock: w.clock, timeZone }, { code: V1, intoCode: V2 }),
    ).rejects.toThrow('河口村（RT12）刚被撤并，不能再并入它；请并入现在还在的单位');
    const [v1] = await queryRows<{ status: string }>(db(), sql`select status from units where code = ${V1}`);
    expect(v1?.status).toBe('active');
    expect((await unitOfChat(db(), w.chats.village1))?.code).toBe(V1);
  });

  it('refuses to restore a village whose township was retired while the command ran, changing nothing', async () => {
    const timeZone = 'Asia/Shanghai';
    await units('retire', V1);
    // 城关镇 is retired by another command (both its villages are) between this one's check and its transaction.
    const racing = new Proxy(db(), {
      get(target, prop) {
        if (prop !== 'transaction') return Reflect.get(target, prop, target);
        return async (...args: Parameters<typeof target.transaction>) => {
          await retireUnit({ db: target, clock: w.clock, timeZone }, { code: w.org.township });
          return target.transaction(...args);
        };
      },
    });
    await expect(restoreUnit({ db: racing, clock: w.clock, timeZone }, { code: V2 })).rejects.toThrow(
      `河口村的上级 城关镇（${w.org.township}）也已撤并：先恢复 ${w.org.township}`,
    );
    const [v2] = await queryRows<{ status: string }>(db(), sql`select status from units where code = ${V2}`);
    expect(v2?.status).toBe('retired');
  });
});
