import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaignsCommand } from '../../src/cli/campaigns.js';
import { queryRows } from '../../src/db/client.js';
import { DomainError } from '../../src/errors.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importHouseholds } from '../../src/usecases/import-units.js';
import { loadChecklists } from '../../src/usecases/load-checklists.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { seedOrg, SMALL_CHECKLIST, storeChecklist, PEOPLE } from './campaign-fixtures.js';

describe('creating campaigns', () => {
  let tdb: TestDb;
  const clock = new ManualClock('2025-01-10T09:00:00+08:00');
  const deadline = new Date('2025-12-31T23:59:59+08:00');
  const deps = () => campaignDeps({ db: tdb.db, clock });
  const count = async (where = sql`true`) =>
    (await queryRows<{ n: number }>(tdb.db, sql`select count(*)::int as n from tasks t where ${where}`))[0]!
      .n;

  beforeAll(async () => {
    tdb = await createTestDb();
    await seedOrg(tdb.db, clock);
    await storeChecklist(tdb.db, SMALL_CHECKLIST, clock.now());
    await loadChecklists(deps());
  });
  afterAll(() => tdb.close());

  it('creates village tasks per village and household tasks per household', async () => {
    const r = await createCampaign(deps(), {
      checklistCode: 'small',
      year: 2025,
      deadline,
      parentUnitCode: 'X',
      createdBy: PEOPLE.leader,
    });
    // 3 villages × 2 village items + 2 households (in V1) × 1 household item
    expect(r).toMatchObject({ created: true, tasksCreated: 8, tasksExisting: 0, villages: 3, households: 2 });
    expect(r.campaign).toMatchObject({ code: 'small-2025', title: '2025年 测试清单', checklistVersion: 1 });
    const rows = await queryRows<any>(
      tdb.db,
      sql`select u.code as unit, t.code, t.item_code, t.title, t.class, t.retention, t.kinds, t.min_count, t.keywords,
            t.due_at, t.state, t.responsible, h.head_name
          from tasks t join units u on u.id = t.unit_id left join households h on h.id = t.household_id
          order by u.code, t.position, t.code`,
    );
    expect(rows.map((r) => `${r.unit}/${r.code}`)).toEqual([
      'V1/C01',
      'V1/C02',
      'V1/H01-01',
      'V1/H01-02',
      'V2/C01',
      'V2/C02',
      'V3/C01',
      'V3/C02',
    ]);
    const c01 = rows[0];
    expect(c01).toMatchObject({
      class: '综合类',
      retention: 'D30',
      kinds: ['document'],
      min_count: 1,
      keywords: ['会议记录'],
      state: 'open',
    });
    expect(new Date(c01.due_at)).toEqual(new Date('2025-12-01T23:59:59+08:00'));
    expect(new Date(rows[1].due_at)).toEqual(deadline);
    expect(c01.responsible.sort()).toEqual([PEOPLE.officer1, PEOPLE.officer2]);
    expect(rows[2]).toMatchObject({ item_code: 'H01', head_name: '张三', responsible: expect.any(Array) });
    expect(rows.find((r) => r.unit === 'V3')!.responsible).toEqual([]);
  });

  it('is idempotent and adds only what is missing', async () => {
    const again = await createCampaign(deps(), {
      checklistCode: 'small',
      year: 2025,
      deadline,
      parentUnitCode: 'X',
      createdBy: PEOPLE.leader,
    });
    expect(again).toMatchObject({ created: false, tasksCreated: 0, tasksExisting: 8 });
    await importHouseholds(deps(), { text: 'village_code,code,head_name\nV2,01,王五\n', fileName: 'h.csv' });
    const more = await createCampaign(deps(), {
      checklistCode: 'small',
      year: 2025,
      deadline,
      unitCodes: ['T1'],
      createdBy: PEOPLE.leader,
    });
    expect(more).toMatchObject({
      created: false,
      tasksCreated: 1,
      tasksExisting: 6,
      villages: 2,
      households: 3,
    });
    expect(await count()).toBe(9);
  });

  it('instantiates the shipped templates', async () => {
    const v = await createCampaign(deps(), {
      checklistCode: 'village-jzfp',
      year: 2025,
      deadline,
      unitCodes: ['V1', 'V3'],
      createdBy: 'cli',
    });
    expect(v.tasksCreated).toBe(2 * 25);
    const h = await createCampaign(deps(), {
      checklistCode: 'household-jzfp',
      year: 2025,
      deadline,
      unitCodes: ['V1'],
      createdBy: 'cli',
    });
    expect(h).toMatchObject({ tasksCreated: 2 * 16, villages: 1, households: 2 });
    const [c14] = await queryRows<any>(
      tdb.db,
      sql`select t.due_at from tasks t join campaigns c on c.id = t.campaign_id
          where c.code = 'village-jzfp-2025' and t.code = 'C14' limit 1`,
    );
    expect(new Date(c14.due_at)).toEqual(new Date('2025-06-30T23:59:59+08:00'));
  });

  it('explains what is wrong', async () => {
    const base = { year: 2025, deadline, createdBy: 'cli' };
    await expect(
      createCampaign(deps(), { ...base, checklistCode: 'nope', unitCodes: ['V1'] }),
    ).rejects.toThrow(
      // It named `checklists load`, a command there is not.
      '清单 nope 还没有加载（已加载的清单：household-jzfp、small、village-jzfp）：' +
        '清单文件放在 config/checklists 里，先运行 npm run cli -- campaigns load-checklists',
    );
    await expect(
      createCampaign(deps(), { ...base, checklistCode: 'small', unitCodes: ['V1', 'Q9'] }),
    ).rejects.toThrow('单位编码不存在: Q9');
    await expect(
      createCampaign(deps(), { ...base, checklistCode: 'small', parentUnitCode: 'D1' }),
    ).rejects.toThrow(DomainError);
  });

  it('runs from the command line', async () => {
    const out: string[] = [];
    await runCampaignsCommand(
      ['create', '--checklist', 'small', '--year', '2026', '--deadline', '2026-06-30', '--units', 'V3'],
      { db: tdb.db, clock, out: (l) => out.push(l) },
    );
    expect(out).toEqual(['已创建 small-2026「2026年 测试清单」：1 个村、0 户，新增任务 2，已有 0']);
  });

  it('counts working days before the deadline by the county’s holidays.yaml (next year’s campaign, made in December)', async () => {
    // A year chinese-days lacks, filled in by the county from the State Council's notice: 1–3 March
    // (Monday–Wednesday) are holidays there, so one working day before Thursday 4 March is Friday 26 February.
    const dir = mkdtempSync(join(tmpdir(), 'campaign-holidays-'));
    try {
      const file = join(dir, 'holidays.yaml');
      writeFileSync(file, '2027:\n  holidays:\n    - { name: 测试假, from: 2027-03-01, to: 2027-03-03 }\n');
      await storeChecklist(
        tdb.db,
        SMALL_CHECKLIST.replace('code: small', 'code: wd').replace(
          'due: { days_before_campaign_deadline: 30 }',
          'due: { working_days_before_campaign_deadline: 1 }',
        ),
        clock.now(),
      );
      await loadChecklists(deps());
      await runCampaignsCommand(
        ['create', '--checklist', 'wd', '--year', '2027', '--deadline', '2027-03-04', '--units', 'V3'],
        { db: tdb.db, clock, out: () => undefined, env: { HOLIDAYS_FILE: file, TZ: 'Asia/Shanghai' } },
      );
      const [c01] = await queryRows<{ day: string }>(
        tdb.db,
        sql`select to_char(t.due_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day
            from tasks t join campaigns c on c.id = t.campaign_id where c.code = 'wd-2027' and t.code = 'C01'`,
      );
      expect(c01?.day).toBe('2027-02-26');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says when a campaign is made for a year neither holidays.yaml nor chinese-days knows (the guess)', async () => {
    // No HOLIDAYS_FILE (none at the default path): 2027 is guessed, 1–3 March work, and the command says so.
    const out: string[] = [];
    await runCampaignsCommand(
      [
        'create',
        '--checklist',
        'wd',
        '--year',
        '2027',
        '--deadline',
        '2027-03-04',
        '--units',
        'V3',
        '--code',
        'wd-guess',
      ],
      { db: tdb.db, clock, out: (l) => out.push(l), env: { TZ: 'Asia/Shanghai' } },
    );
    expect(out).toEqual([
      '注意：节假日表还没有 2027 年的安排，按周一至周五计工作日，只避开估算的法定假日',
      expect.stringMatching(/^已创建 wd-guess/),
    ]);
    const [c01] = await queryRows<{ day: string }>(
      tdb.db,
      sql`select to_char(t.due_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day
          from tasks t join campaigns c on c.id = t.campaign_id where c.code = 'wd-guess' and t.code = 'C01'`,
    );
    expect(c01?.day).toBe('2027-03-03');
  });

  it('reads and prints deadlines in the configured time zone (TZ), not UTC+8', async () => {
    const out: string[] = [];
    const env = { TZ: 'Europe/London' };
    const run = (args: string[]) =>
      runCampaignsCommand(args, { db: tdb.db, clock, env, out: (l) => out.push(l) });
    await run([
      'create',
      '--checklist',
      'small',
      '--year',
      '2027',
      '--deadline',
      '2027-03-10',
      '--units',
      'V3',
    ]);
    const [c] = await queryRows<{ deadline: string }>(
      tdb.db,
      sql`select deadline from campaigns where code = 'small-2027'`,
    );
    expect(new Date(c!.deadline)).toEqual(new Date('2027-03-10T23:59:59Z'));
    out.length = 0;
    await run(['missing', 'V3', '--campaign', 'small-2027']);
    expect(out).toEqual([
      expect.stringContaining('还缺 2 项'),
      expect.stringMatching(/^ {2}截止2027-02-08 .*#C01 /),
      expect.stringMatching(/^ {2}截止2027-03-10 .*#C02 /),
    ]);
    await expect(
      run(['create', '--checklist', 'small', '--year', '2027', '--deadline', '2027-02-30', '--units', 'V3']),
    ).rejects.toThrow('日期格式不对: 2027-02-30');
  });
});

/**
 * README's first setup, a step skipped: `campaigns create` before `campaigns load-checklists` told the IT
 * person to run `checklists load`, a command there is not (exit 1, and `npm run cli -- checklists load`
 * then answered 没有这个命令).
 */
describe('npm run cli -- campaigns create before any checklist is loaded', () => {
  let tdb: TestDb;
  const clock = new ManualClock('2025-01-10T09:00:00+08:00');
  beforeAll(async () => {
    tdb = await createTestDb();
    await seedOrg(tdb.db, clock);
  });
  afterAll(() => tdb.close());

  it('names the command that loads them, and one that exists', async () => {
    const args = [
      '--checklist',
      'village-jzfp',
      '--year',
      '2025',
      '--deadline',
      '2025-12-31',
      '--parent',
      'X',
    ];
    const res = await cliInProcess(['campaigns', 'create', ...args], {}, tdb);
    expect(res.stderr.trim()).toBe(
      '清单 village-jzfp 还没有加载（还没有加载任何清单）：' +
        '清单文件放在 config/checklists 里，先运行 npm run cli -- campaigns load-checklists',
    );
    expect(res.code).toBe(1);
    const load = await cliInProcess(['campaigns', 'load-checklists'], {}, tdb);
    expect(load.code).toBe(0);
    // A 2025 campaign made now: its tasks are past due (refused without the flag, campaign-past-due-cli.test.ts).
    expect((await cliInProcess(['campaigns', 'create', ...args, '--allow-past-due'], {}, tdb)).code).toBe(0);
  });
});
