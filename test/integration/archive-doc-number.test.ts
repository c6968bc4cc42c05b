import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArchiveConfig } from '../../src/archive/archive-config.js';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';

/**
 * A 文号 the catalogue read out of a caption (a meeting record whose caption quotes the notice it
 * answers) is wrong for that 件, and so is the 责任者 it names. The archivist takes it back with
 * `archive describe --item N --doc-number ""`: the item's metadata in the package (real files) then
 * carries no 文件编号 and the unit as 责任者.
 */
describe('archive describe --doc-number "": a 文号 read out of a caption is taken back', () => {
  let f: ArchiveFixture;
  let out: string;
  let item: number;
  let lines: string[];
  let n = 0;
  const config = parseArchiveConfig({
    fonds: { code: 'A182', name: '测试县人民政府' },
    orgCode: { default: 'ZH' },
    issuers: { 县扶办发: '测试县扶贫开发领导小组办公室' },
    package: { transferringUnit: '测试县人民政府', receivingUnit: '测试县档案馆' },
  });
  const run = (...args: string[]) => {
    lines = [];
    return runArchiveCommand(args, { db: f.db, env: { DATA_DIR: f.dataDir }, out: (l) => lines.push(l) });
  };
  /** 文件编号 and 责任者 of the item's metadata XML in a fresh package. */
  const packaged = async () => {
    const dir = join(out, `pkg-${++n}`);
    await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: dir },
    );
    const xml = readFileSync(join(dir, '电子档案', '2025', 'WS', 'A182-WS·2025-D30-ZH-0001.xml'), 'utf8');
    const desc = new XMLParser().parse(xml)['电子文件']['文件实体']['内容描述'];
    return { docNumber: desc['文件编号'], responsible: desc['责任者'] };
  };

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-doc-number-'));
    item = await f.fileItem(
      f.task.doc,
      [{ bytes: minimalPdf(2), kind: 'document', mime: 'application/pdf', name: 'scan0001.pdf' }],
      { title: '根据县扶办发〔2025〕3号通知召开村两委会议' },
    );
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('the caption’s 文号 and its issuer are in the package until the archivist says the 件 has none', async () => {
    expect(await packaged()).toEqual({
      // 「根据」 runs into the 文号 in the caption; it is not part of it.
      docNumber: '县扶办发〔2025〕3号',
      responsible: '测试县扶贫开发领导小组办公室',
    });
    await run('describe', '--item', String(item), '--doc-number', '');
    // packaged() exports a 移交包 (已生成, never recorded as handed over): the edit names it.
    expect(lines).toEqual([
      '已保存说明。移交包 #1（已生成，未登记移交）含这一件：如果已经交给档案馆，请先登记移交',
    ]);
    expect(await packaged()).toEqual({ docNumber: '', responsible: '东村' });
    // Another field described later leaves the 文号 as the archivist set it.
    await run('describe', '--item', String(item), '--date', '20250301');
    expect(await packaged()).toEqual({ docNumber: '', responsible: '东村' });
  });
});
