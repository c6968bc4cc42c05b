import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { seedOrg, storeChecklist } from './campaign-fixtures.js';

/**
 * `campaigns create` on 6 December for a checklist with an item due 30 June made tasks overdue at once,
 * without a word: from the next working day they were escalated to the leaders. It makes nothing then,
 * naming the items and the ways on; --allow-past-due makes them (a past year's archive filed late).
 * And README's first setup imported households but never gave them their 一户一档 tasks: `units check`
 * names the villages with households and no household task this year.
 */
describe('npm run cli -- campaigns create with tasks already past due; units check and household tasks', () => {
  let tdb: TestDb;
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  const cli = (...args: string[]) => cliInProcess(args, {}, tdb);
  // The CLI runs on the real clock: the current year in TZ (Asia/Shanghai by default).
  const year = Number(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()),
  );
  const count = async (table: 'tasks' | 'campaigns') =>
    (await queryRows<{ n: number }>(tdb.db, sql`select count(*)::int as n from ${sql.raw(table)}`))[0]!.n;

  beforeAll(async () => {
    tdb = await createTestDb();
    await seedOrg(tdb.db, clock);
    expect((await cli('campaigns', 'load-checklists')).code).toBe(0);
  });
  afterAll(() => tdb.close());

  it('refuses a campaign whose new tasks are already past due, making nothing; --allow-past-due makes them', async () => {
    // Every item is due by the deadline (2099) except C14, due 30 June of the campaign's year (2020).
    const args = [
      '--checklist',
      'village-jzfp',
      '--year',
      '2020',
      '--deadline',
      '2099-12-31',
      '--parent',
      'X',
    ];
    const refused = await cli('campaigns', 'create', ...args);
    expect(refused.stderr).toBe(
      '有 3 个任务一建好就已过截止日期，没有创建（下一个工作日起会按逾期向领导催办）：' +
        'C14 村脱贫规划及年度实施计划（2020年6月30日，3 个）。按截止前天数算的，把 --deadline 改晚；' +
        '固定日期的（如 6月30日），复制清单改 due 再 campaigns load-checklists；确实要补建已过期的任务，加 --allow-past-due\n',
    );
    expect(refused.code).toBe(1);
    expect(await count('tasks')).toBe(0);
    expect(await count('campaigns')).toBe(0);

    const allowed = await cli('campaigns', 'create', ...args, '--allow-past-due');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('已创建 village-jzfp-2020「2020年 一村一档（精准扶贫）」：3 个村');
    expect(await count('campaigns')).toBe(1);
  });

  it('makes a campaign whose tasks are all still ahead without asking', async () => {
    const res = await cli(
      ...['campaigns', 'create', '--checklist', 'village-jzfp', '--year', '2098', '--deadline', '2098-12-31'],
      ...['--parent', 'X'],
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('已创建 village-jzfp-2098');
  });

  it('units check names the villages with households and no household task this year, until they have them', async () => {
    const before = await cli('units', 'check');
    expect(before.stdout).toContain(
      `有农户、还没有 ${year} 年农户任务（一户一档）的村 1 个（东村）：` +
        `npm run cli -- campaigns create --checklist household-jzfp --year ${year} --deadline ${year}-12-31 --parent X` +
        '（导入农户后再运行一次，已有的任务不会重复；不做一户一档的可以不管）\n',
    );
    const made = await cli(
      ...['campaigns', 'create', '--checklist', 'household-jzfp', '--year', String(year)],
      ...['--deadline', '2099-12-31', '--parent', 'X'],
    );
    expect(made.code, made.stderr).toBe(0);
    expect((await cli('units', 'check')).stdout).not.toContain('有农户');
  });

  // After 30 June `campaigns create --checklist village-jzfp --year <this year> …` is refused (C14, due 30
  // June, past), and `units check` recommended exactly that command. Its command carries --allow-past-due
  // and says why, and it runs. (A checklist due 1 January stands in for C14: past every day but 1 January.)
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  it.skipIf(today.endsWith('-01-01'))(
    'units check’s command for the villages lacking this year’s tasks adds --allow-past-due when the checklist’s dates have passed',
    async () => {
      await storeChecklist(
        tdb.db,
        `
code: early
title: 年初清单
level: village
items:
  - { code: C01, title: 年度计划, class: 综合类, retention: 永久, kinds: [document], due: { month: 1, day: 1 } }
  - { code: C02, title: 年终总结, class: 综合类, retention: 永久, kinds: [document] }
`,
        clock.now(),
      );
      // This year's campaign of it, made for one village on purpose (the year's archive filed late).
      const one = await cli(
        ...[
          'campaigns',
          'create',
          '--checklist',
          'early',
          '--year',
          String(year),
          '--deadline',
          `${year}-12-31`,
        ],
        ...['--units', 'V1', '--allow-past-due'],
      );
      expect(one.code, one.stderr).toBe(0);
      const check = await cli('units', 'check');
      const command =
        `npm run cli -- campaigns create --checklist early --year ${year} --deadline ${year}-12-31 --parent X ` +
        '--allow-past-due';
      expect(check.stdout).toContain(
        `补任务清单（缺的村交来的材料先保存着，有了任务才能归档）：${command}（已有的任务不会重复；` +
          `清单里有 1 项的截止日（最早 ${year}-01-01）今年已过，所以命令带 --allow-past-due：这些任务一建好就算逾期，` +
          '下一个工作日起按逾期向领导催办；不想这样，去掉它，复制清单改 due 再 campaigns load-checklists）\n',
      );
      // The command as shown runs, and the villages then have their tasks.
      const ran = await cli(...command.replace('npm run cli -- ', '').split(' '));
      expect(ran.code, ran.stderr).toBe(0);
      expect((await cli('units', 'check')).stdout).not.toContain('补任务清单');
    },
  );
});
