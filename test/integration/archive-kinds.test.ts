import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { runUnitsCommand } from '../../src/cli/units.js';
import { queryRows } from '../../src/db/client.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { createArchiveFixture, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/**
 * 门类 from the checklist and 责任者 from the unit: a photographed signed form under a task archived
 * as 文书 becomes one 文书 件 (no GPS in its 题名); 责任者 is the unit's official name, the sender
 * stays the photos' 摄影者.
 */
describe('门类 and 责任者 of the catalogue', () => {
  let f: ArchiveFixture;
  let out: string;
  let formTask: number;
  const lines: string[] = [];
  const cli = { out: (l: string) => lines.push(l) };

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-kinds-'));
    // 票决记录及签字 takes documents or photos of them (kinds document + photo, no archive_as).
    const [t] = await queryRows<{ id: number }>(
      f.db,
      sql`insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds,
            min_count, keywords, due_at, responsible, created_at)
          select campaign_id, unit_id, 'C04', 'C04', 4, '村民代表大会评议、票决记录及签字', '精准识别类', 'Y',
            '{document,photo}'::text[], 1, '{}'::text[], due_at, '{}'::text[], created_at
          from tasks where id = ${f.task.doc} returning id::int as id`,
    );
    formTask = Number(t!.id);
    const page = (taken: string) => photoJpeg({ taken, gps: true });
    await f.fileItem(formTask, [
      {
        bytes: await page('2025:05:21 09:00:00'),
        kind: 'photo',
        mime: 'image/jpeg',
        gps: { lat: 25.1, lng: 99.1 },
      },
      {
        bytes: await page('2025:05:21 09:01:00'),
        kind: 'photo',
        mime: 'image/jpeg',
        gps: { lat: 25.1, lng: 99.1 },
      },
    ]);
    await f.fileItem(f.task.photo, [
      {
        bytes: await page('2025:05:20 10:30:00'),
        kind: 'photo',
        mime: 'image/jpeg',
        gps: { lat: 25.125, lng: 99.17 },
      },
    ]);
    await runUnitsCommand(['set', 'V1', 'officialName=东村村民委员会'], { db: f.db, clock: f.clock, ...cli });
    await runArchiveCommand(['confirm', '--unit', 'V1', '--year', '2025'], {
      db: f.db,
      env: { DATA_DIR: f.dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML },
      ...cli,
    });
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('numbers the photographed form as 文书 (WS), the real photos as 照片 (ZP)', async () => {
    const text = lines.join('\n');
    expect(text).toContain('A182-WS·2025-Y-SB-0001（1件）');
    expect(text).toContain('A182-ZP·2025-Y-0001（1件）');
    const [item] = await queryRows<{ kind: string }>(
      f.db,
      sql`select kind from filing_items where task_id = ${formTask}`,
    );
    expect(item!.kind).toBe('document');
  });

  it('names the unit as 责任者, the sender as 摄影者, and never GPS as 地点 in a 题名', async () => {
    await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: out },
    );
    const catalogue = readFileSync(join(out, '文件目录.XML'), 'utf8');
    expect(catalogue).not.toMatch(/北纬|东经|°/);
    const form = readFileSync(join(out, '电子档案', '2025', 'WS', 'A182-WS·2025-Y-SB-0001.xml'), 'utf8');
    expect(form).toContain('<责任者>东村村民委员会</责任者>');
    expect(form).toContain('<题名>[村民代表大会评议、票决记录及签字]</题名>');
    expect(form).toContain('<生成方式>数字化</生成方式>');
    expect(form).toContain('<数字化对象形态>纸质</数字化对象形态>');
    expect(form).not.toContain('<照片说明>');
    const photo = readFileSync(join(out, '电子档案', '2025', 'ZP', 'A182-ZP·2025-Y-0001.xml'), 'utf8');
    expect(photo).toContain('<责任者>东村村民委员会</责任者>');
    expect(photo).toContain('<摄影者>王村干</摄影者>');
    expect(photo).toContain('<地点>东村</地点>');
    expect(photo).toContain('<GPS>25.125,99.17</GPS>');
  });
});
