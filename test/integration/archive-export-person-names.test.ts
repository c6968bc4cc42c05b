import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess, exportInProcess } from '../support/cli-in-process.js';
import {
  createArchiveFixture,
  minimalPdf,
  validateAgainstPackageSchema,
  type ArchiveFixture,
} from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/**
 * The people in an item's metadata (机构人员实体, 业务实体) as the county archive reads them: a filer
 * whose name the bot never learnt is 「未登记姓名的成员（…末4位）」, as the pages and the digest say,
 * and a confirmation made at the command line is the administrator's — never a raw open_id or 'cli'.
 */
describe('export: who filed and who confirmed, named for a reader', () => {
  let f: ArchiveFixture;
  let out: string;
  const env = () => ({ DATA_DIR: f.dataDir, TZ: 'Asia/Shanghai', ARCHIVE_CONFIG: TEST_ARCHIVE_YAML });

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'export-person-names-'));
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }], {
      sender: 'ou_never_named_9a7c',
    });
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('an unnamed filer and a command-line confirmation, in an item XML valid against its XSD', async () => {
    const confirmed = await cliInProcess(
      ['archive', 'confirm', '--unit', 'V1', '--year', '2025'],
      env(),
      f.tdb,
    );
    expect(confirmed.code, confirmed.stderr).toBe(0);
    const pkg = join(out, 'pkg');
    const res = await exportInProcess(['--unit', 'V1', '--year', '2025', '--out', pkg], env(), f.tdb);
    expect(res.code, res.stderr).toBe(0);
    const ws = join(pkg, '电子档案', '2025', 'WS');
    const xmlFile = readdirSync(ws).find((n) => n.endsWith('.xml'))!;
    const xml = readFileSync(join(ws, xmlFile), 'utf8');
    const people = [...xml.matchAll(/<机构人员名称>([^<]*)<\/机构人员名称>/g)].map((m) => m[1]);
    // The 立档单位 first, then the filer and the confirmer; then 归档 and 确认归档, by whom.
    expect(people.slice(1)).toEqual([
      '未登记姓名的成员（…9a7c）',
      '管理员（命令行）',
      '未登记姓名的成员（…9a7c）',
      '管理员（命令行）',
    ]);
    expect(xml).not.toContain('ou_');
    expect(xml).not.toMatch(/>cli</);
    const check = await validateAgainstPackageSchema(pkg, '电子文件元数据.xsd', [join(ws, xmlFile)]);
    expect(check.errors).toEqual([]);
  });
});
