import { rmSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, queryRows, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { fileBurst } from '../../src/usecases/file-burst.js';
import { runCli } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb } from '../support/test-db.js';
import {
  insertBurst,
  seedOrg,
  SMALL_CHECKLIST,
  storeChecklist,
  taskIds,
  PEOPLE,
} from './campaign-fixtures.js';

/**
 * `npm run cli -- archive refile | unfile | waive` (refile as a process, the others through the same
 * runCli in this process), on a real database: PostgreSQL when
 * TEST_DATABASE_URL is set (the process gets the file's own database), else an embedded data folder
 * (closed while the process runs: PGlite is one process only).
 */
describe('archive corrections from the command line', () => {
  let dataDir: string;
  let pgUrl: string | undefined;
  let keep: Database | undefined;
  let itemId: number;
  let ids: Map<string, number>;

  const open = async (): Promise<Database> => {
    if (keep) return keep;
    const d = await openDb({ dataDir });
    await migrate(d);
    return d;
  };
  const withDb = async <T>(fn: (d: Database) => Promise<T>): Promise<T> => {
    const d = await open();
    try {
      return await fn(d);
    } finally {
      if (!keep) await d.close();
    }
  };
  const cli = (...args: string[]) =>
    runCli(
      ['archive', ...args],
      { DATA_DIR: dataDir, ...(pgUrl ? { DATABASE_URL: pgUrl } : {}) },
      {
        // From the data folder: no developer .env is read.
        cwd: dataDir,
      },
    );
  const ctxOf = (d: Database, out: string[] = []) => ({
    db: d.db,
    env: { DATA_DIR: dataDir },
    out: (l: string) => out.push(l),
  });
  const live = (d: Database, id: number) =>
    queryRows<{ code: string; undone: boolean }>(
      d.db,
      sql`select t.code, fi.undone_at is not null as undone from filing_items fi join tasks t on t.id = fi.task_id
          where fi.id = ${id}`,
    );
  const audits = (d: Database, action: string) =>
    queryRows<{ actor: string; source: string; details: any }>(
      d.db,
      sql`select actor, source, details from audit_log where action = ${action} order by id`,
    );

  beforeAll(async () => {
    dataDir = await seededDataDir('archive-corr-cli', { onPostgres: 'empty' });
    if (process.env.TEST_DATABASE_URL) {
      const t = await createTestDb();
      keep = t;
      pgUrl = t.url;
    }
    await withDb(async ({ db }) => {
      const clock = new ManualClock('2025-05-06T10:00:00+08:00');
      await seedOrg(db, clock);
      await storeChecklist(db, SMALL_CHECKLIST, clock.now());
      await createCampaign(campaignDeps({ db, clock }), {
        checklistCode: 'small',
        year: 2025,
        deadline: new Date('2025-12-31T23:59:59+08:00'),
        parentUnitCode: 'X',
        createdBy: 'cli',
      });
      const v1 = (await getUnitByCode(db, 'V1'))!;
      await bindChat({ db, clock }, { chatId: 'oc_v1', unitId: v1.id, actorOpenId: PEOPLE.officer1 });
      ids = await taskIds(db);
      const b = await insertBurst(db, {
        chatId: 'oc_v1',
        sender: PEOPLE.officer1,
        kinds: ['photo'],
        at: clock.now(),
      });
      const filed = await fileBurst(
        { db, clock, isChatMember: async () => true },
        { burstId: b.burstId, taskId: ids.get('V1/C02')!, actorOpenId: PEOPLE.officer1, via: 'card' },
      );
      if (filed.status !== 'filed') throw new Error(filed.message);
      itemId = filed.itemId;
    });
  }, 60_000);
  afterAll(async () => {
    await keep?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refiles inside the unit, refuses another unit, and audits as cli', async () => {
    const moved = await cli('refile', '--item', String(itemId), '--task', 'H01-02');
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain('已从「C02 识别公示照片」改归到「H01-02 李四户 危房改造照片」');
    // The refusals in-process (the same command, on the same database; the CLI's exit 2 for a usage
    // error is tested in archive-cli), each check on one opening of the folder.
    await withDb(async (d) => {
      expect(await live(d, itemId)).toEqual([{ code: 'H01-02', undone: false }]);
      expect((await audits(d, 'refile')).map((a) => [a.actor, a.source, a.details.toCode])).toEqual([
        ['cli', 'cli', 'H01-02'],
      ]);
      // Another village's task: refused, saying the way there (its chat, which V2 has yet to bind) and
      // the command that takes the 件 off here.
      await expect(
        runArchiveCommand(['refile', '--item', String(itemId), '--task', 'C01', '--unit', 'V2'], ctxOf(d)),
      ).rejects.toMatchObject({
        code: 'refused',
        message:
          '只能改归到东村自己的任务，「C01 村两委会议记录」属于西村。西村还没有绑定工作群，请先在西村的群里 @我 发送「绑定 西村」；' +
          `请把这件的材料转发到西村的工作群，在群里交到这项任务，再把这里的这件撤下：archive unfile --item ${itemId} --reason 原因`,
      });
      // Once 西村 has its chat, the way there is only the forward.
      const v2 = (await getUnitByCode(d.db, 'V2'))!;
      await bindChat(
        { db: d.db, clock: new ManualClock('2025-05-07T10:00:00+08:00') },
        { chatId: 'oc_v2', unitId: v2.id, actorOpenId: PEOPLE.officer2 },
      );
      await expect(
        runArchiveCommand(['refile', '--item', String(itemId), '--task', 'C01', '--unit', 'V2'], ctxOf(d)),
      ).rejects.toThrow(
        '属于西村。请把这件的材料转发到西村的工作群，在群里交到这项任务，再把这里的这件撤下：archive unfile',
      );
      await expect(
        runArchiveCommand(['refile', '--item', String(itemId), '--task', 'C01', '--unit', 'V9'], ctxOf(d)),
      ).rejects.toThrow('找不到单位 V9');
      await expect(
        runArchiveCommand(['refile', '--item', String(itemId), '--task', 'Z99'], ctxOf(d)),
      ).rejects.toThrow('东村没有任务 Z99');
      expect(await live(d, itemId)).toEqual([{ code: 'H01-02', undone: false }]);
    });
  }, 300_000);

  it('waives only with a reason, reopens, and unfiles an item', async () => {
    // The commands in this process (the same runCli as dist/cli/main.js, its exit code and output),
    // on one opening of the folder: refile above ran as a process.
    await withDb(async (d) => {
      const cliHere = (...args: string[]) => cliInProcess(['archive', ...args], { DATA_DIR: dataDir }, d);
      const noReason = await cliHere('waive', '--unit', 'V1', '--task', 'C01');
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toContain('免交须写明原因');
      const waived = await cliHere('waive', '--unit', 'V1', '--task', 'C01', '--reason', '本年未开会');
      expect(waived.code, waived.stderr).toBe(0);
      expect(waived.stdout).toContain('已设为免交（本年未开会）');
      const reopened: string[] = [];
      await runArchiveCommand(['waive', '--unit', 'V1', '--task', 'C01', '--reopen'], ctxOf(d, reopened));
      expect(reopened.join('\n')).toContain('已恢复为需归档');
      expect((await audits(d, 'waive')).map((a) => a.details.reason)).toEqual(['本年未开会']);

      const off = await cliHere('unfile', '--item', String(itemId), '--reason', '照片拍错');
      expect(off.code, off.stderr).toBe(0);
      expect(off.stdout).toContain('撤下');
      expect(await live(d, itemId)).toEqual([{ code: 'H01-02', undone: true }]);
      await expect(runArchiveCommand(['unfile', '--item', String(itemId)], ctxOf(d))).rejects.toThrow(
        '已经撤销',
      );
      expect((await audits(d, 'unfile')).map((a) => a.details.reason)).toEqual(['照片拍错']);
    });
  }, 300_000);
});
