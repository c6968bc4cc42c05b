import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { queryRows } from '../../src/db/client.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/**
 * The county archive signs off 永久 for 村两委会议记录 after the campaign was made with 30年: the
 * archivist corrects the checklist item's 保管期限 for the township's villages from the command line.
 * A 档号 holds its 保管期限 and is never renumbered, so a task with a confirmed item is refused until
 * that item is unconfirmed; the next confirmation numbers it in the 永久 class.
 */
describe('archive retention: correcting a checklist item’s 保管期限', () => {
  let f: ArchiveFixture;
  let lines: string[];
  const run = (...args: string[]) => {
    lines = [];
    return runArchiveCommand(args, {
      db: f.db,
      env: { DATA_DIR: f.dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML },
      out: (l) => lines.push(l),
    });
  };
  const retentions = async () =>
    (
      await queryRows<{ r: string }>(
        f.db,
        sql`select retention as r from tasks where item_code = 'C01' order by id`,
      )
    ).map((x) => x.r);
  beforeAll(async () => {
    f = await createArchiveFixture();
  });
  afterAll(() => f.close());

  it('is refused while an item holds a 档号, then changes every village’s task and the next 档号', async () => {
    const item = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' },
    ]);
    await run('confirm', '--unit', 'V1', '--year', '2025');
    expect(lines[0]).toContain('A182-WS·2025-D30-ZH-0001（1件）');
    await expect(
      run('retention', '--unit', 'T1', '--task', 'C01', '--year', '2025', '--to', '永久'),
    ).rejects.toMatchObject({
      code: 'refused',
      message:
        '「C01 村两委会议记录」已有 1 件确认归档，档号含保管期限、不重编，不能直接改。' +
        '请逐件撤销确认（archive unconfirm --code 档号 --reason 原因），改好保管期限后重新确认归档；' +
        '撤销确认的档号永久停用，不再使用，重新确认时另编新号。确认归档的有：\n' +
        '  A182-WS·2025-D30-ZH-0001（东村）',
    });
    expect(await retentions()).toEqual(['D30', 'D30']);

    await run('unconfirm', '--item', String(item), '--reason', '保管期限定错');
    await run('retention', '--unit', 'T1', '--task', 'c01', '--year', '2025', '--to', '永久');
    expect(lines).toEqual(['已把甲镇2025年度 2 个任务「C01 村两委会议记录」的保管期限由30年改为永久']);
    expect(await retentions()).toEqual(['Y', 'Y']);
    const [audit] = await queryRows<{ actor: string; source: string; details: Record<string, unknown> }>(
      f.db,
      sql`select actor, source, details from audit_log where action = 'retention'`,
    );
    expect(audit).toMatchObject({
      actor: 'cli',
      source: 'cli',
      details: { itemCode: 'C01', retention: 'Y', tasks: 2 },
    });
    await run('confirm', '--unit', 'V1', '--year', '2025');
    expect(lines[0]).toContain('A182-WS·2025-Y-ZH-0001（1件）');
  });

  it('names every live 档号 of the checklist item, in every village, one a line (exit 1)', async () => {
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(2), kind: 'document', mime: 'application/pdf' }]);
    await f.fileItem(f.task.v2doc, [{ bytes: minimalPdf(3), kind: 'document', mime: 'application/pdf' }]);
    const env = { DATA_DIR: f.dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML };
    for (const village of ['V1', 'V2']) {
      const res = await cliInProcess(['archive', 'confirm', '--unit', village, '--year', '2025'], env, f.tdb);
      expect(res.code, res.stderr).toBe(0);
    }
    const live = await queryRows<{ code: string }>(
      f.db,
      sql`select archival_code as code from archive_records where status = 'confirmed' order by archival_code`,
    );
    expect(live).toHaveLength(3);
    const res = await cliInProcess(
      ['archive', 'retention', '--unit', 'T1', '--task', 'C01', '--year', '2025', '--to', '30年'],
      env,
      f.tdb,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('已有 3 件确认归档');
    expect(res.stderr).toContain('撤销确认的档号永久停用');
    expect(res.stderr.split('\n').filter((l) => l.startsWith('  A182-'))).toEqual([
      '  A182-WS·2025-Y-ZH-0001（东村）',
      '  A182-WS·2025-Y-ZH-0002（东村）',
      '  A182-WS·2025-Y-ZH-0003（西村）',
    ]);
    expect(await retentions()).toEqual(['Y', 'Y']);
  });

  it('says what to write for a period, a checklist item or a year it does not know (exit 2 / 1)', async () => {
    await expect(
      run('retention', '--unit', 'T1', '--task', 'C01', '--year', '2025', '--to', '20年'),
    ).rejects.toMatchObject({
      code: 'usage',
      message: '--to 须为 永久、30年 或 10年（也可写 Y、D30、D10），收到 "20年"',
    });
    const res = await cliInProcess(
      ['archive', 'retention', '--unit', 'T1', '--task', 'C09', '--year', '2025', '--to', '30年'],
      {},
      f.tdb,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('甲镇及下级单位2025年度没有清单项 C09 的任务');
  });
});
