import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { fileBurst } from '../../src/usecases/file-burst.js';
import { createFilingWorld, type FilingWorld } from './filing-world.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/**
 * 确认归档's preview (the card, `archive confirm --dry-run`) says how many files of the 件 it numbers
 * were never saved and are left out. A 2025 campaign's photos are sent in January 2026: they are the
 * 2025 件's, whatever day they were sent, and a file in no 件 is not one of them.
 */
describe('the files left out of a confirmation because they were never saved', () => {
  let w: FilingWorld;
  let dataDir: string;
  let lines: string[];
  const dryRun = async (year: string) => {
    lines = [];
    const ctx = {
      db: w.tdb.db,
      env: { DATA_DIR: dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML },
      out: (l: string) => lines.push(l),
    };
    await runArchiveCommand(['confirm', '--unit', 'V1', '--year', year, '--dry-run'], ctx);
    return lines.join('\n');
  };

  beforeAll(async () => {
    w = await createFilingWorld('2026-01-08T10:00:00+08:00');
    dataDir = mkdtempSync(join(tmpdir(), 'confirm-preview-unsaved-'));
  });
  afterAll(async () => {
    await w.tdb.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts those of the 2025 件 sent in 2026 under 2025, and no file outside the 件', async () => {
    const filed = await w.burst(['photo', 'photo', 'photo'], {
      caption: '#C02 公示栏',
      statuses: ['stored', 'failed', 'needs_reupload'],
    });
    const r = await fileBurst(w.deps(), {
      burstId: filed.burstId,
      taskId: w.ids.get('V1/C02')!,
      actorOpenId: 'ou_villager',
      via: 'card',
    });
    expect(r).toMatchObject({ status: 'filed', notStored: 2 });
    // A photo whose download failed, in no 件 (its burst could not be filed).
    await w.burst(['photo'], { statuses: ['failed'] });
    const y2025 = await dryRun('2025');
    expect(y2025).toContain('1 件编上档号');
    expect(y2025).toContain('\n2 个文件没有保存成功，需要重新发送，不在本次确认之内\n');
    expect(await dryRun('2026')).toBe(
      '试运行，没有写入任何内容：东村2026年度没有待确认的归档材料，确认归档不会编号',
    );
  });
});
