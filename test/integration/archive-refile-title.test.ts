import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';

/**
 * An item filed under the wrong task without a caption carries that task's title as its 题名. Moved
 * with `archive refile`, the 归档文件目录 must name the task it is in now, not the one it left; a 题名
 * the officer wrote stays.
 */
describe('archive refile: a 题名 that was the old task’s follows the item to its new task', () => {
  let f: ArchiveFixture;
  let out: string;
  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-refile-title-'));
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('the package’s 文件目录 names the new task for the untitled item and keeps the written 题名', async () => {
    const pdf = { bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' };
    const untitled = await f.fileItem(f.task.doc, [pdf]);
    const captioned = await f.fileItem(f.task.doc, [pdf], { title: '3月5日公示现场的签到表' });
    const lines: string[] = [];
    for (const item of [untitled, captioned])
      await runArchiveCommand(['refile', '--item', String(item), '--task', 'C02'], {
        db: f.db,
        env: { DATA_DIR: f.dataDir },
        out: (l) => lines.push(l),
      });
    expect(lines).toEqual(Array(2).fill('已从「C01 村两委会议记录」改归到「C02 识别公示照片」'));
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    const res = await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: join(out, 'pkg') },
    );
    const xml = new XMLParser().parse(readFileSync(join(res.outDir, '文件目录.XML'), 'utf8'));
    const rows = [xml['文件目录']['文件']].flat() as { 题名: string }[];
    expect(rows.map((r) => r['题名'])).toEqual(['[识别公示照片]', '[3月5日公示现场的签到表]']);
  });
});
