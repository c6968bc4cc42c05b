import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocxToPdf } from '../../src/archive/docx-to-pdf.js';
import { queryRows } from '../../src/db/client.js';
import { liveRecordOfItem } from '../../src/db/repos/archive-records.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { cliInProcess, handOverArgs } from '../support/cli-in-process.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/**
 * Two exports of the same scope running at once (the command line's and a chat 导出, say: they write
 * to different folders, so no folder claim or lock keeps them apart) both read the 移交后变更 no
 * handed-over package stated yet. Both state them: each is only made (已生成), and a change counts as
 * stated once a package stating it is handed over — then the next export leaves it out.
 */
describe('two exports at once: both state a 移交后变更 until one of them is handed over', () => {
  let f: ArchiveFixture;
  let out: string;
  let code = '';
  const env = () => ({ DATA_DIR: f.dataDir, TZ: 'Asia/Shanghai', ARCHIVE_CONFIG: TEST_ARCHIVE_YAML });
  const cli = (...args: string[]) => cliInProcess(['archive', ...args], env(), f.tdb);
  const exportTo = (name: string, docxToPdf?: DocxToPdf) =>
    exportTransferPackage(
      {
        db: f.db,
        blobs: f.blobs,
        clock: f.clock,
        config: f.config,
        timeZone: 'Asia/Shanghai',
        ...(docxToPdf ? { docxToPdf } : {}),
      },
      { unitId: f.unit.V1.id, year: 2025, outDir: join(out, name) },
    );
  const readme = (name: string) => readFileSync(join(out, name, '说明文件.TXT'), 'utf8');

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-transfers-concurrent-'));
    const pdf = () => ({ bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' });
    const items = [await f.fileItem(f.task.doc, [pdf()]), await f.fileItem(f.task.doc, [pdf()])];
    expect((await cli('confirm', '--unit', 'V1', '--year', '2025')).code).toBe(0);
    code = (await liveRecordOfItem(f.db, items[0]!))!.archivalCode;
    // Handed to the county archive: its 档号 retired since are 移交后变更.
    const first = await exportTo('first');
    expect((await cli(...handOverArgs(first.packageId))).code).toBe(0);
    expect((await cli('unconfirm', '--code', code, '--reason', '交错了任务')).code).toBe(0);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('both read the change before either records: both state it; once one is handed over, the next leaves it out', async () => {
    // The 登记表's PDF is made after the 说明文件 is written and before the package is recorded: each
    // export waits there until both got that far (then the PDF fails, a warning only).
    let arrived = 0;
    let bothThere!: () => void;
    const both = new Promise<void>((resolve) => (bothThere = resolve));
    const meetThere: DocxToPdf = Object.assign(
      async () => {
        if (++arrived === 2) bothThere();
        await both;
        throw new Error('不转换');
      },
      { tool: 'test' },
    );
    const [a, b] = await Promise.all([exportTo('a', meetThere), exportTo('b', meetThere)]);
    expect(arrived).toBe(2);
    expect(readme('a')).toContain(`  ${code}（`);
    expect(readme('b')).toContain(`  ${code}（`);
    const changes = await queryRows<{ package_id: number }>(
      f.db,
      sql`select package_id::int as package_id from transfer_package_changes order by package_id`,
    );
    expect(changes).toEqual(
      [a.packageId, b.packageId].sort((x, y) => x - y).map((id) => ({ package_id: id })),
    );
    // Neither handed over: the listing names the latest, not yet handed over.
    const latest = Math.max(a.packageId, b.packageId);
    expect((await cli('transfers')).stdout).toContain(`已写入移交包 #${latest} 的说明文件（未移交）`);

    // One is handed over (the other voided): the county archive has heard; the next export leaves it out.
    expect((await cli(...handOverArgs(a.packageId))).code).toBe(0);
    expect((await cli('transfers', '--void', String(b.packageId), '--reason', '重复导出')).code).toBe(0);
    const list = (await cli('transfers')).stdout;
    expect(list).toContain(`已写入移交包 #${a.packageId} 的说明文件；`);
    expect(list).not.toContain('（未移交）');
    await exportTo('next');
    expect(readme('next')).not.toContain(code);
    expect(readme('next')).not.toContain('移交后变更');
  });
});
