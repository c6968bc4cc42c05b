import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { taskProgress } from '../../src/db/repos/completeness.js';
import { fileBurst } from '../../src/usecases/file-burst.js';
import { refileItem, unfileItem } from '../../src/usecases/refile-item.js';
import { undoFiling } from '../../src/usecases/undo-filing.js';
import { waiveTask } from '../../src/usecases/waive-task.js';
import { createFilingWorld, type FilingWorld } from './filing-world.js';
import { PEOPLE } from './campaign-fixtures.js';

const HOUR = 60 * 60 * 1000;

describe('correcting filings (undo, unfile, refile, waive)', () => {
  let w: FilingWorld;
  beforeAll(async () => {
    w = await createFilingWorld('2025-05-06T10:00:00+08:00');
  });
  afterAll(() => w.tdb.close());

  it('undo works for 24 hours, by the filer or an archivist; afterwards only an archivist unfiles', async () => {
    const taskId = w.ids.get('V1/H01-02')!;
    const a = await w.burst(['photo', 'photo']);
    const filed = await fileBurst(w.deps(), {
      burstId: a.burstId,
      taskId,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    if (filed.status !== 'filed') throw new Error(filed.message);
    expect((await taskProgress(w.tdb.db, taskId))!.state).toBe('complete');
    w.clock.advance(23 * HOUR);
    const byOther = await undoFiling(w.deps(), {
      itemId: filed.itemId,
      actorOpenId: PEOPLE.officer3,
      source: 'card',
    });
    expect(byOther).toMatchObject({ status: 'refused', reason: 'not_allowed' });
    const undone = await undoFiling(w.deps(), {
      itemId: filed.itemId,
      actorOpenId: 'ou_villager',
      source: 'card',
    });
    expect(undone).toMatchObject({
      status: 'undone',
      message: '已撤销提交到「H01-02 李四户 危房改造照片」的材料',
    });
    expect((await taskProgress(w.tdb.db, taskId))!.state).toBe('open');
    expect(
      await undoFiling(w.deps(), { itemId: filed.itemId, actorOpenId: 'ou_villager', source: 'card' }),
    ).toMatchObject({
      status: 'already_undone',
    });
    const [audit] = await queryRows<any>(
      w.tdb.db,
      sql`select * from audit_log where item_id = ${filed.itemId} and action = 'undo'`,
    );
    expect(audit).toMatchObject({ actor: 'ou_villager', source: 'card' });

    // The burst can be filed again; after 24 h the filer cannot undo.
    const again = await fileBurst(w.deps(), {
      burstId: a.burstId,
      taskId,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    if (again.status !== 'filed') throw new Error(again.message);
    w.clock.advance(24 * HOUR + 1000);
    expect(
      await undoFiling(w.deps(), { itemId: again.itemId, actorOpenId: 'ou_villager', source: 'card' }),
    ).toEqual({
      status: 'refused',
      reason: 'expired',
      message: '提交已超过 24 小时，不能自行撤销；请点「申请更正」',
    });
    expect(
      await undoFiling(w.deps(), { itemId: again.itemId, actorOpenId: PEOPLE.archivist, source: 'card' }),
    ).toMatchObject({
      status: 'refused',
      reason: 'expired',
    });
    expect(
      await unfileItem(w.deps(), { itemId: again.itemId, actorOpenId: PEOPLE.officer1, source: 'card' }),
    ).toMatchObject({
      status: 'refused',
    });
    const unfiled = await unfileItem(w.deps(), {
      itemId: again.itemId,
      actorOpenId: PEOPLE.archivist,
      source: 'card',
      reason: '照片不清楚',
    });
    expect(unfiled.status).toBe('unfiled');
    expect((await taskProgress(w.tdb.db, taskId))!.filed).toBe(0);
    expect(await w.count('audit_log', sql`item_id = ${again.itemId} and action = 'unfile'`)).toBe(1);
  });

  it('refiles to another task (archivist any time, filer within 24 h)', async () => {
    const from = w.ids.get('V1/C02')!;
    const to = w.ids.get('V1/H01-02')!;
    const b = await w.burst(['photo', 'photo']);
    const filed = await fileBurst(w.deps(), {
      burstId: b.burstId,
      taskId: from,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    if (filed.status !== 'filed') throw new Error(filed.message);
    const byFiler = await refileItem(w.deps(), {
      itemId: filed.itemId,
      toTaskId: to,
      actorOpenId: 'ou_villager',
      source: 'card',
    });
    expect(byFiler).toMatchObject({ status: 'refiled', from: { code: 'C02' }, to: { code: 'H01-02' } });
    expect((await taskProgress(w.tdb.db, to))!.filed).toBe(2);
    w.clock.advance(25 * HOUR);
    const late = await refileItem(w.deps(), {
      itemId: filed.itemId,
      toTaskId: from,
      actorOpenId: 'ou_villager',
      source: 'card',
    });
    expect(late.status).toBe('refused');
    const byArchivist = await refileItem(w.deps(), {
      itemId: filed.itemId,
      toTaskId: from,
      actorOpenId: PEOPLE.archivist,
      source: 'card',
    });
    expect(byArchivist.status).toBe('refiled');
    const audits = await queryRows<any>(
      w.tdb.db,
      sql`select actor, details from audit_log where item_id = ${filed.itemId} and action = 'refile' order by id`,
    );
    expect(audits.map((a) => [a.actor, a.details.fromCode, a.details.toCode])).toEqual([
      ['ou_villager', 'C02', 'H01-02'],
      [PEOPLE.archivist, 'H01-02', 'C02'],
    ]);
  });

  it('waives a task (archivist, with a reason); a waived task takes no filings', async () => {
    const taskId = w.ids.get('V1/H01-02')!;
    expect(
      await waiveTask(w.deps(), {
        taskId,
        actorOpenId: PEOPLE.officer1,
        reason: '无危改任务',
        source: 'card',
      }),
    ).toMatchObject({
      status: 'refused',
    });
    await expect(
      waiveTask(w.deps(), { taskId, actorOpenId: PEOPLE.archivist, reason: ' ', source: 'card' }),
    ).rejects.toThrow('请写明免交原因');
    const r = await waiveTask(w.deps(), {
      taskId,
      actorOpenId: PEOPLE.archivist,
      reason: '无危改任务',
      source: 'card',
    });
    expect(r).toMatchObject({
      status: 'waived',
      message: '「H01-02 李四户 危房改造照片」已设为免交（无危改任务）',
    });
    expect((await taskProgress(w.tdb.db, taskId))!.state).toBe('waived');
    expect(
      (await waiveTask(w.deps(), { taskId, actorOpenId: PEOPLE.leader, reason: '再次', source: 'card' }))
        .status,
    ).toBe('unchanged');
    const b = await w.burst(['photo']);
    const err = await fileBurst(w.deps(), {
      burstId: b.burstId,
      taskId,
      actorOpenId: 'ou_villager',
      via: 'card',
    }).catch((e) => e);
    expect(err).toMatchObject({ code: 'task_waived' });
    const [row] = await queryRows<any>(
      w.tdb.db,
      sql`select state, waived_by, waived_reason from tasks where id = ${taskId}`,
    );
    expect(row).toEqual({ state: 'waived', waived_by: PEOPLE.archivist, waived_reason: '无危改任务' });
    expect(await w.count('audit_log', sql`task_id = ${taskId} and action = 'waive'`)).toBe(1);
    const reopened = await waiveTask(w.deps(), {
      taskId,
      actorOpenId: 'cli',
      reason: '',
      source: 'cli',
      waive: false,
    });
    expect(reopened.status).toBe('unwaived');
    expect((await taskProgress(w.tdb.db, taskId))!.state).toBe('open');
  });
});
