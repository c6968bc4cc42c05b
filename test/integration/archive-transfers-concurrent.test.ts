import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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
 * package stated yet. Only one may state them: the other is not recorded, leaves nothing behind and,
 * run again, leaves them out.
 */
describe('two exports at once: a 移交后变更 is stated by one package only', () => {
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

  it('both read the change before either records: one states it, the other is refused and, run again, leaves it out', async () => {
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
    const [a, b] = await Promise.allSettled([exportTo('a', meetThere), exportTo('b', meetThere)]);
    expect(arrived).toBe(2);
    const done = [a, b].filter((r) => r.status === 'fulfilled');
    const refused = [a, b].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: 'export_changes_stated_meanwhile' });
    expect(String(refused[0].message)).toContain('请重新导出');

    const [stated, lost] = a.status === 'fulfilled' ? ['a', 'b'] : ['b', 'a'];
    expect(readme(stated)).toContain(`  ${code}（`);
    // The refused one left no package and no record.
    expect(existsSync(join(out, lost))).toBe(false);
    expect(readdirSync(out).filter((n) => n.startsWith(lost))).toEqual([]);
    const packages = await queryRows<{ id: number; out_dir: string }>(
      f.db,
      sql`select id::int as id, out_dir from transfer_packages order by id`,
    );
    expect(packages.map((p) => p.out_dir)).toEqual([join(out, 'first'), join(out, stated)]);
    const changes = await queryRows<{ package_id: number }>(
      f.db,
      sql`select package_id::int as package_id from transfer_package_changes`,
    );
    expect(changes).toEqual([{ package_id: packages[1]!.id }]);

    // Run again: a package of its own, the change not stated twice.
    const again = await exportTo(lost);
    expect(again.preCheck).toBe(false);
    expect(readme(lost)).not.toContain(code);
    expect(readme(lost)).not.toContain('移交后变更');
  });
});
