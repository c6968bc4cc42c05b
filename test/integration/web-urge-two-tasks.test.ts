import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, taskIdOf, type WebWorld } from './web-world.js';

const DAY_MS = 86_400_000;

/**
 * A leader's day: #C01 urged in the morning, #C02 in the afternoon. The 督办 was claimed per (chat, day),
 * so #C02's row said 「今天已督办」 with no button (and no 「督办过」: the 督办 was #C01's). Now each
 * task's 督办 is its own (domain/urge-period.ts): #C02's row offers it and the chat gets #C02 点名; the
 * same task twice a day is refused, and a chat gets at most three 督办 a day.
 */
describe('督办 of two tasks of one village the same day', () => {
  let w: WebWorld;
  let leader: string;
  const task: Record<string, number> = {};
  beforeAll(async () => {
    w = await createWebWorld('WU');
    for (const code of ['C01', 'C02', 'C03', 'C04']) task[code] = await taskIdOf(w, w.units.village2, code);
    // C02–C04 overdue as C01 is.
    await w.h.db.db.execute(
      sql`update tasks set due_at = (select due_at from tasks where id = ${task.C01!})
          where id in (${task.C02!}, ${task.C03!}, ${task.C04!})`,
    );
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  }, 180_000);
  afterAll(() => w?.close());

  const unitPage = async () => (await w.get(`/units/${w.units.village2.id}`, leader)).text();
  /** The 逾期 row of a task on the village's page. */
  const row = (page: string, taskId: number) =>
    page
      .slice(page.indexOf('id="overdue"'))
      .split('<tr')
      .find((r) => r.includes(`href="/tasks/${taskId}"`))!;
  const hasButton = (html: string, taskId: number) =>
    html.includes('action="/urge"') && html.includes(`name="task" value="${taskId}"`);
  const inChat = () => w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village2);
  const press = async (form: Record<string, number>) => {
    const res = await w.postUrge(leader, {
      ...form,
      unit: w.units.village2.id,
      _csrf: csrfOf(await unitPage())!,
      back: `/units/${w.units.village2.id}`,
    });
    return res.text();
  };
  const delivered = (n: number) =>
    waitFor(`${n} 督办 delivered`, async () => {
      const statuses = await w.urgeStatuses(w.chats.village2);
      return statuses.length === n && statuses.every((s) => s === 'sent') && inChat().length === n;
    });

  it("#C01's 督办 leaves #C02's row to be urged, and #C02's reaches the chat", async () => {
    expect(await press({ task: task.C01! })).toContain('督办已安排发送到河口村的群里（1 个群），点名「#C01');
    await delivered(1);

    const page = await unitPage();
    expect(row(page, task.C01!)).toContain('今天已督办');
    expect(row(page, task.C01!)).toContain('督办过');
    expect(hasButton(row(page, task.C01!), task.C01!)).toBe(false);
    // #C02: not said to be urged, and its own 督办 offered.
    expect(row(page, task.C02!)).not.toContain('今天已督办');
    expect(row(page, task.C02!)).not.toContain('督办过');
    expect(hasButton(row(page, task.C02!), task.C02!)).toBe(true);
    // The village's own 督办 (its overdue tasks) is still offered too.
    expect(page.slice(0, page.indexOf('id="overdue"'))).toContain('action="/urge"');

    expect(await press({ task: task.C02! })).toContain('点名「#C02');
    await delivered(2);
    const second = JSON.stringify(inChat()[1]!.content);
    expect(second).toContain('📌 督办 · 河口村');
    expect(second).toContain('请抓紧交齐这项材料');
    // #C02 is the one urged (first, above the rest).
    expect(second.indexOf('#C02')).toBeGreaterThan(-1);
    expect(second.indexOf('#C02')).toBeLessThan(second.indexOf('#C01'));

    const after = await unitPage();
    expect(row(after, task.C02!)).toContain('今天已督办');
    expect(row(after, task.C02!)).toContain('督办过');
    // #C01's row still speaks of #C01's 督办, not of the later one.
    expect(row(after, task.C01!)).toContain('督办过');
    expect(hasButton(row(after, task.C03!), task.C03!)).toBe(true);

    // The same task again the same day: refused, nothing sent.
    expect(await press({ task: task.C02! })).toContain('河口村今天已经督办过「#C02');
  });

  it('a fourth 督办 of the day is refused; the next day, a task after the village’s is refused', async () => {
    expect(await press({ task: task.C03! })).toContain('点名「#C03');
    await delivered(3);
    // Three a day in one chat: #C04 and the village's wait for tomorrow.
    expect(hasButton(row(await unitPage(), task.C04!), task.C04!)).toBe(false);
    expect(row(await unitPage(), task.C04!)).toContain('今天已督办 3 次');
    expect(await press({ task: task.C04! })).toContain('河口村的群今天已收到 3 次督办');
    expect(await press({})).toContain('河口村的群今天已收到 3 次督办');
    await w.h.settle();
    expect(inChat()).toHaveLength(3);

    // The next day: the village's 督办 names every overdue task, so a task's after it is refused.
    w.clock.set(new Date(w.clock.now().getTime() + DAY_MS));
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    expect(await press({})).toContain('督办已安排发送到河口村的群里');
    await delivered(4);
    const page = await unitPage();
    expect(row(page, task.C04!)).toContain('今天已督办');
    expect(hasButton(row(page, task.C04!), task.C04!)).toBe(false);
    expect(await press({ task: task.C04! })).toContain('河口村今天已督办过全村的逾期任务（「#C04');
    await w.h.settle();
    expect(inChat()).toHaveLength(4);
  });
});
