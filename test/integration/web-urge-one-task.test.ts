import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, taskIdOf, type WebWorld } from './web-world.js';

const DAY_MS = 86_400_000;

/**
 * 「督办过」 on a 逾期 row and 「上次督办」 on a task page speak of that task: a 督办 pressed for one task
 * (its 逾期 row, its task page) said 「督办过」 on every other 逾期 row of the village too, and a 督办 of
 * the village's overdue tasks on a task that was not yet due when it went out.
 */
describe('the last 督办 on a task’s row and page', () => {
  let w: WebWorld;
  let leader: string;
  const task: Record<string, number> = {};
  beforeAll(async () => {
    w = await createWebWorld('WT');
    for (const code of ['C01', 'C02', 'C03']) task[code] = await taskIdOf(w, w.units.village2, code);
    // C02 overdue as C01 is.
    await w.h.db.db.execute(
      sql`update tasks set due_at = (select due_at from tasks where id = ${task.C01!}) where id = ${task.C02!}`,
    );
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  });
  afterAll(() => w?.close());

  const unitPage = async () => (await w.get(`/units/${w.units.village2.id}`, leader)).text();
  /** The 逾期 row of a task on the village's page. */
  const row = (page: string, taskId: number) => {
    const overdue = page.slice(page.indexOf('id="overdue"'));
    return overdue.split('<tr').find((r) => r.includes(`href="/tasks/${taskId}"`));
  };
  const taskPageNote = async (taskId: number) =>
    /id="last-urge">([^<]*)</.exec(await (await w.get(`/tasks/${taskId}`, leader)).text())?.[1]?.trim();
  const press = async (form: Record<string, number>) => {
    const before = (await w.urgeStatuses(w.chats.village2)).length;
    const res = await w.postUrge(leader, {
      ...form,
      unit: w.units.village2.id,
      _csrf: csrfOf(await unitPage())!,
      back: `/units/${w.units.village2.id}`,
    });
    expect(await res.text()).toContain('督办已安排发送到河口村的群里');
    await waitFor('the 督办 delivered', async () => {
      const statuses = await w.urgeStatuses(w.chats.village2);
      return statuses.length > before && statuses.at(-1) === 'sent';
    });
  };

  it('a 督办 of one task is not said on the other overdue task', async () => {
    await press({ task: task.C01! });
    const page = await unitPage();
    expect(row(page, task.C01!)).toContain('督办过');
    expect(row(page, task.C02!)).toBeDefined();
    expect(row(page, task.C02!)).not.toContain('督办过');
    expect(await taskPageNote(task.C01!)).toMatch(/^上次督办：.*；之后还没有提交$/);
    expect(await taskPageNote(task.C02!)).toBeUndefined();
  });

  it('a 督办 of the village is not said on a task that fell due after it went out', async () => {
    await w.clock.set(new Date(w.clock.now().getTime() + DAY_MS));
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    await press({});
    const [sent] = await queryRows<{ at: string }>(
      w.h.db.db,
      sql`select max(sent_at)::text as at from scheduled_sends where kind = 'urge' and target = ${w.chats.village2}`,
    );
    // C03 falls due an hour after the 督办 reached the chat; a day later it is overdue too.
    await w.h.db.db.execute(
      sql`update tasks set due_at = ${sent!.at}::timestamptz + interval '1 hour' where id = ${task.C03!}`,
    );
    await w.clock.set(new Date(w.clock.now().getTime() + DAY_MS));
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const page = await unitPage();
    expect(row(page, task.C01!)).toContain('督办过');
    expect(row(page, task.C02!)).toContain('督办过');
    expect(row(page, task.C03!)).toBeDefined();
    expect(row(page, task.C03!)).not.toContain('督办过');
    expect(await taskPageNote(task.C02!)).toMatch(/^上次督办：/);
    expect(await taskPageNote(task.C03!)).toBeUndefined();
  });
});
