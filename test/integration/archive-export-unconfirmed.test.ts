import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess, exportInProcess } from '../support/cli-in-process.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/**
 * `npm run export` leaves out the 件 filed but not yet confirmed (they have no 档号). The archivist is
 * told how many, and how to take them along: confirm (with a look first), then export again.
 */
describe('npm run export with 件 not yet confirmed', () => {
  let f: ArchiveFixture;
  let out: string;
  const env = () => ({ DATA_DIR: f.dataDir, TZ: 'Asia/Shanghai', ARCHIVE_CONFIG: TEST_ARCHIVE_YAML });
  const exportTo = (name: string) =>
    exportInProcess(['--unit', 'V1', '--year', '2025', '--out', join(out, name)], env(), f.tdb);

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'export-unconfirmed-'));
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }]);
    const first = await cliInProcess(['archive', 'confirm', '--unit', 'V1', '--year', '2025'], env(), f.tdb);
    expect(first.code, first.stderr).toBe(0);
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(2), kind: 'document', mime: 'application/pdf' }]);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('names the command that confirms them, and after it the package holds them', async () => {
    const before = await exportTo('first');
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain('1 条（停用 0）');
    expect(before.stdout).toContain(
      '  另有 1 件已归档未确认，未包含在内；要一并移交，先确认归档：' +
        'npm run cli -- archive confirm --unit V1 --year 2025（加 --dry-run 先看将编的档号），再导出\n',
    );
    const confirmed = await cliInProcess(
      ['archive', 'confirm', '--unit', 'V1', '--year', '2025'],
      env(),
      f.tdb,
    );
    expect(confirmed.code, confirmed.stderr).toBe(0);
    const after = await exportTo('second');
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain('2 条（停用 0）');
    expect(after.stdout).not.toContain('未确认');
  });
});
