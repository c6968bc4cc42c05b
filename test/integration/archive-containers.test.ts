import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFourProperties } from '../../src/usecases/check-four-properties.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage, type ExportResult } from '../../src/usecases/export-transfer-package.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** A stored (uncompressed) ZIP; `claim` overrides the uncompressed size its central directory states. */
function zipOf(entries: { name: string; data: Buffer; claim?: number; encrypted?: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const flags = e.encrypted ? 1 : 0;
    const crc = crc32(e.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(flags, 6);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(e.data.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    locals.push(lh, name, e.data);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(flags, 8);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(e.data.length, 20);
    ch.writeUInt32LE(e.claim ?? e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    central.push(ch, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const docxParts = () => [
  { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
  { name: 'word/document.xml', data: Buffer.from('<w:document/>') },
];

function pdfWithTrailer(extraTrailer: string, body = ''): Buffer {
  const pdf = minimalPdf(1, Buffer.from(body || 'BT ET')).toString('latin1');
  return Buffer.from(pdf.replace('/Root 1 0 R >>', `/Root 1 0 R ${extraTrailer}>>`), 'latin1');
}

const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance></rdf:Description></rdf:RDF></x:xmpmeta>`;

/** DA/T 70 checks that open the containers: encryption, ZIP parts and bombs, MP4 boxes, PDF/A. */
describe('四性: containers, encryption and 版式 files', () => {
  let f: ArchiveFixture;
  let out: string;
  let res: ExportResult;
  const ids: Record<string, number> = {};
  const of = (key: string) => res.report.failures.filter((x) => x.itemId === ids[key]).map((x) => x.check);

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-containers-'));
    const doc = (key: string, bytes: Buffer, mime: string, name: string) =>
      f
        .fileItem(f.task.doc, [{ bytes, kind: 'document', mime, name }], { title: key })
        .then((id) => (ids[key] = id));
    await doc('docx', zipOf(docxParts()), DOCX, '村规民约.docx');
    await doc(
      'bomb',
      zipOf([...docxParts(), { name: 'word/media/big.bin', data: Buffer.alloc(1000), claim: 0xfffffff0 }]),
      DOCX,
      '炸弹.docx',
    );
    await doc('zipEncrypted', zipOf(docxParts().map((p) => ({ ...p, encrypted: true }))), DOCX, '加密.docx');
    await doc('docxNoBody', zipOf([docxParts()[0]!]), DOCX, '残缺.docx');
    const cfb = Buffer.concat([
      Buffer.from('d0cf11e0a1b11ae1', 'hex'),
      Buffer.alloc(1000),
      Buffer.from('EncryptedPackage', 'utf16le'),
      Buffer.alloc(600),
    ]);
    await doc('cfbEncrypted', cfb, DOCX, '加密2.docx');
    await doc('pdfEncrypted', pdfWithTrailer('/Encrypt 9 0 R '), 'application/pdf', '加密.pdf');
    await doc('pdfa', minimalPdf(1, Buffer.from(XMP)), 'application/pdf', '通知.pdf');
    await doc('pdf', minimalPdf(1), 'application/pdf', '普通.pdf');
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypisom'), Buffer.alloc(8)]);
    const mdat = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('mdat'), Buffer.alloc(8)]);
    ids.mp4 = await f.fileItem(
      f.task.doc,
      [{ bytes: Buffer.concat([ftyp, mdat]), kind: 'video', mime: 'video/mp4', name: 'v.mp4' }],
      {
        kind: 'video',
        title: 'mp4',
      },
    );
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    res = await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: out },
    );
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('opens a DOCX through its central directory: a sound one passes, a bomb, a missing part and an encrypted one do not', () => {
    expect(of('docx')).not.toContain('container_broken');
    expect(of('docx')).not.toContain('encrypted');
    const bomb = res.report.failures.find((x) => x.itemId === ids.bomb && x.check === 'container_broken');
    expect(bomb?.message).toMatch(/ZIP 炸弹/);
    expect(of('docxNoBody')).toContain('container_broken');
    expect(of('zipEncrypted')).toContain('encrypted');
    expect(of('cfbEncrypted')).toContain('encrypted');
  });

  it('finds an encrypted PDF, an MP4 without its index, and identifies PDF/A from the XMP', () => {
    expect(of('pdfEncrypted')).toContain('encrypted');
    expect(of('pdf')).not.toContain('encrypted');
    expect(of('mp4')).toContain('container_broken');
    // 版式: a claim of PDF/A-2b is checked clause by clause: this bare one (no output intent, no
    // trailer ID) does not count as 版式; a plain PDF and a DOCX are warnings that say what they are.
    const claim = res.report.failures.find((x) => x.itemId === ids.pdfa && x.check === 'pdfa_nonconforming');
    expect(claim).toMatchObject({ severity: 'warning' });
    expect(claim?.message).toContain('6.2.3');
    expect(claim?.message).toContain('6.1.3');
    expect(of('pdfa')).toContain('not_fixed_layout');
    const plain = res.report.failures.find((x) => x.itemId === ids.pdf && x.check === 'not_fixed_layout');
    expect(plain).toMatchObject({ severity: 'warning' });
    expect(plain?.message).toContain('PDF（未声明 PDF/A）');
    expect(
      res.report.failures.find((x) => x.itemId === ids.docx && x.check === 'not_fixed_layout')?.message,
    ).toContain('DOCX');
  });

  it('each has its row in the DA/T 70 table; the package is a 预检包', () => {
    const row = (no: string) => res.report.table.find((r) => r.no === no)!;
    expect(row('3-2').result).toBe('不通过');
    expect(row('3-4')).toMatchObject({ name: '加密检测', result: '不通过', failed: 3 });
    expect(row('3-5')).toMatchObject({ name: '版式文件检测', result: '通过' });
    expect(row('3-5').warnings).toBeGreaterThanOrEqual(2);
    expect(res.preCheck).toBe(true);
  });

  it('npm run verify runs the same 版式 check on the stored files (its row used to read 通过 with nothing checked)', async () => {
    const deps = { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' };
    const verify = await checkFourProperties(deps, { unitId: f.unit.V1.id, year: 2025 });
    const layout = (r: { failures: typeof verify.failures }) =>
      r.failures
        .filter((x) => x.check === 'not_fixed_layout' || x.check === 'pdfa_nonconforming')
        .map((x) => [x.itemId, x.severity, x.message])
        .sort();
    expect(layout(verify)).toEqual(layout(res.report));
    expect(layout(verify).map((x) => x[0])).toContain(ids.pdfa);
    expect(layout(verify).map((x) => x[0])).toContain(ids.docx);
    const row = verify.table.find((r) => r.no === '3-5')!;
    expect(row).toMatchObject({ result: '通过', failed: 0, warnings: layout(verify).length });
    expect(row.note).toBe(`提示 ${layout(verify).length} 项，见问题清单`);

    // A unit whose only 文书 is a DOCX: no 版式 file at all. The row says so instead of a bare 通过.
    await f.fileItem(f.task.v2doc, [
      { bytes: zipOf(docxParts()), kind: 'document', mime: DOCX, name: '西村村规民约.docx' },
    ]);
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V2.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    const v2 = await checkFourProperties(deps, { unitId: f.unit.V2.id, year: 2025 });
    expect(v2.passed).toBe(true);
    expect(v2.table.find((r) => r.no === '3-5')).toMatchObject({
      result: '通过',
      warnings: 1,
      note: '提示 1 项，见问题清单',
    });
    expect(v2.failures.find((x) => x.check === 'not_fixed_layout')?.message).toBe(
      '文书没有版式文件（PDF/A 或 OFD），现有：DOCX',
    );
  });

  it('the metadata gives a PDF/A its claimed part and conformance in 格式版本', () => {
    const ws = join(out, '电子档案', '2025', 'WS');
    const metas = readdirSync(ws)
      .filter((n) => n.endsWith('.xml'))
      .map((n) => readFileSync(join(ws, n), 'utf8'));
    expect(
      metas.filter((m) => m.includes('<格式版本>PDF 1.4（PDF/A-2b，据 XMP 声明）</格式版本>')),
    ).toHaveLength(1);
  });
});
