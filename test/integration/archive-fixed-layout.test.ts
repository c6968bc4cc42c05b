import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { Document, Packer, Paragraph } from 'docx';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandDocxToPdf, type DocxToPdf } from '../../src/archive/docx-to-pdf.js';
import { checkPdfA2b } from '../../src/archive/pdfa-check.js';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage, type ExportResult } from '../../src/usecases/export-transfer-package.js';
import { dctImages } from '../support/pdf-images.js';
import { validateBag } from '../support/validate-bag.js';
import {
  createArchiveFixture,
  validateAgainstPackageSchema,
  type ArchiveFixture,
} from './archive-fixtures.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PDFKIT = createRequire(import.meta.url).resolve('pdfkit');

/** A real converter process: a node script writing a one-page PDF/A-2b (a drawn frame, no fonts) with pdfkit. */
const CONVERTER = `
const [input, outDir] = process.argv.slice(2);
const fs = require('node:fs');
if (!fs.readFileSync(input).subarray(0, 2).equals(Buffer.from('PK'))) { console.error('not a DOCX'); process.exit(4); }
const PDFDocument = require(${JSON.stringify(PDFKIT)});
const doc = new PDFDocument({ subset: 'PDF/A-2b', pdfVersion: '1.7', size: 'A4' });
doc.pipe(fs.createWriteStream(require('node:path').join(outDir, 'document.pdf')));
doc.rect(50, 50, 495, 742).stroke();
doc.end();
`;
const FAILING = `console.error('文档损坏，无法转换'); process.exit(3);`;
const HANGING = `setTimeout(() => {}, 600000);`;

/**
 * 版式 copies in the package (issue 16): photographed pages of a 文书 become one PDF/A-2b whose page
 * images are the JPEG originals' bytes (originals kept beside it), a DOCX gets a PDF through
 * DOCX_TO_PDF_COMMAND (a real process; a failing and a hanging converter are warnings naming the
 * item), and the 登记表 gets its PDF the same way.
 */
describe('export: 版式 copies of 文书 (PDF/A-2b of photographed pages, DOCX → PDF)', () => {
  let f: ArchiveFixture;
  let tools: string;
  const outs: string[] = [];
  let pages: Buffer[];
  let pagesItem: number;
  let docxItem: number;
  let res: ExportResult;
  let out: string;
  const ws = () => join(out, '电子档案', '2025', 'WS');
  const converter = (script: string, timeoutMs?: number): DocxToPdf => {
    const path = join(tools, `${createHash('md5').update(script).digest('hex')}.cjs`);
    writeFileSync(path, script);
    return commandDocxToPdf(`'${process.execPath}' '${path}' {in} {out}`, timeoutMs);
  };
  const exportWith = async (docxToPdf: DocxToPdf, layout: 'carrier' | 'bag' = 'carrier') => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-layout-'));
    outs.push(dir);
    const r = await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai', docxToPdf },
      { unitId: f.unit.V1.id, year: 2025, outDir: dir, layout },
    );
    return { r, dir };
  };

  beforeAll(async () => {
    f = await createArchiveFixture();
    tools = mkdtempSync(join(tmpdir(), 'archive-layout-tools-'));
    // A checklist item archived as 文书 whatever is sent for it (a signed form, photographed).
    const [t] = await queryRows<{ id: number }>(
      f.db,
      sql`insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds,
            archive_as, min_count, keywords, due_at, responsible, created_at)
          select campaign_id, unit_id, 'C05', 'C05', 5, '贫困户申请书', '综合类', 'D30', '{photo}'::text[],
            'document', 1, '{}'::text[], due_at, '{}'::text[], created_at
          from tasks where id = ${f.task.doc} returning id::int as id`,
    );
    const page = (w: number, h: number, color: string, orientation?: number) => {
      const img = sharp({ create: { width: w, height: h, channels: 3, background: color } })
        .jpeg()
        .withExif({ IFD0: { Make: 'HUAWEI', Model: 'ELS-AN00' } });
      return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
    };
    pages = [await page(120, 160, '#eee'), await page(160, 120, '#ddd', 6)];
    const png = await sharp({ create: { width: 90, height: 120, channels: 3, background: '#ccc' } })
      .png()
      .toBuffer();
    pagesItem = await f.fileItem(
      Number(t!.id),
      [
        ...pages.map((bytes) => ({ bytes, kind: 'photo' as const, mime: 'image/jpeg' })),
        { bytes: png, kind: 'photo' as const, mime: 'image/png' },
      ],
      { title: '张三贫困户申请书' },
    );
    const docx = await Packer.toBuffer(
      new Document({ sections: [{ children: [new Paragraph('东村村规民约')] }] }),
    );
    docxItem = await f.fileItem(
      f.task.doc,
      [{ bytes: docx, kind: 'document', mime: DOCX, name: '村规民约.docx' }],
      {
        title: '东村村规民约',
      },
    );
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    ({ r: res, dir: out } = await exportWith(converter(CONVERTER)));
  });
  afterAll(async () => {
    for (const dir of [...outs, tools]) rmSync(dir, { recursive: true, force: true });
    await f.close();
  });

  it('puts one PDF of the photographed pages beside the originals; its page images are the JPEG bytes', () => {
    const pagesCode = readdirSync(ws())
      .find((n) => n.endsWith('-01.jpg'))!
      .replace('-01.jpg', '');
    expect(
      readdirSync(ws())
        .filter((n) => n.startsWith(pagesCode))
        .sort(),
    ).toEqual(
      [
        `${pagesCode}-01.jpg`,
        `${pagesCode}-02.jpg`,
        `${pagesCode}-03.png`,
        `${pagesCode}.pdf`,
        `${pagesCode}.xml`,
      ].sort(),
    );
    expect(sha256(readFileSync(join(ws(), `${pagesCode}-01.jpg`)))).toBe(sha256(pages[0]!));
    const pdf = readFileSync(join(ws(), `${pagesCode}.pdf`));
    const images = dctImages(pdf);
    expect(images).toHaveLength(3);
    expect(images[0]!.bytes.equals(pages[0]!)).toBe(true);
    expect(images[1]!.bytes.equals(pages[1]!)).toBe(true);
    expect(checkPdfA2b(pdf).filter((c) => c.ok !== true)).toEqual([]);
    // In the fixity list and in 文件目录.XML, like every file of the package.
    expect(readFileSync(join(out, '其他', '数字摘要清单.TXT'), 'utf8')).toContain(sha256(pdf));
    expect(readFileSync(join(out, '文件目录.XML'), 'utf8')).toContain(
      `<电子档案名称>电子档案/2025/WS/${pagesCode}.pdf</电子档案名称>`,
    );
  });

  it('records the copy in the item XML (valid against the shipped XSD): originals, copy, conversion', async () => {
    const pagesCode = readdirSync(ws())
      .find((n) => n.endsWith('-01.jpg'))!
      .replace('-01.jpg', '');
    const xml = readFileSync(join(ws(), `${pagesCode}.xml`), 'utf8');
    const check = await validateAgainstPackageSchema(out, '电子文件元数据.xsd', [
      join(ws(), `${pagesCode}.xml`),
    ]);
    expect(check.errors.map((e) => e.rawMessage)).toEqual([]);
    expect(xml.match(/<归档副本>[^<]+<\/归档副本>/g)).toEqual(
      Array(3).fill(`<归档副本>${pagesCode}.pdf</归档副本>`),
    );
    expect(xml).toContain(`<计算机文件名>${pagesCode}.pdf</计算机文件名>`);
    expect(xml).toContain('<格式版本>PDF 1.7（PDF/A-2b，按 ISO 19005-2 条款检查通过）</格式版本>');
    expect(xml.match(/<转换自>[^<]+<\/转换自>/g)).toHaveLength(3);
    expect(xml).toMatch(
      /<行为>格式转换<\/行为>\s*<行为时间>[^<]+<\/行为时间>\s*<机构人员名称>pdfkit \d+\.\d+\.\d+（PDF\/A-2b）<\/机构人员名称>/,
    );
    expect(xml).toContain(`${pagesCode}-03.png 不是 RGB JPEG，仅为生成 PDF 转为 sRGB JPEG`);
  });

  it('the 四性 report sees the 版式 files: row 3-5 通过 with no 版式 warning for either item', () => {
    const layout = res.report.failures.filter((x) =>
      ['not_fixed_layout', 'layout_copy_failed', 'pdfa_nonconforming'].includes(x.check),
    );
    expect(layout).toEqual([]);
    expect(res.report.table.find((r) => r.no === '3-5')).toMatchObject({
      result: '通过',
      failed: 0,
      warnings: 0,
    });
    expect(res.report.failures.filter((x) => x.severity === 'error')).toEqual([]);
    expect(res.preCheck).toBe(false);
    expect(res.conversions.photoPdf).toMatchObject({ items: 1, pages: 3 });
    expect(res.conversions.docxPdf).toMatchObject({ items: 1, failed: 0 });
  });

  it('a DOCX gets its PDF through DOCX_TO_PDF_COMMAND, and so does the 登记表', () => {
    const docxCode = readdirSync(ws())
      .find((n) => n.endsWith('.docx'))!
      .replace('.docx', '');
    const pdf = readFileSync(join(ws(), `${docxCode}.pdf`));
    expect(checkPdfA2b(pdf).filter((c) => c.ok !== true)).toEqual([]);
    const xml = readFileSync(join(ws(), `${docxCode}.xml`), 'utf8');
    expect(xml).toContain(`<转换自>${docxCode}.docx</转换自>`);
    expect(xml).toMatch(/<机构人员名称>DOCX_TO_PDF_COMMAND（node）<\/机构人员名称>/);
    expect(res.registrationPdf).toEqual({ path: '其他/电子档案移交与接收登记表.pdf' });
    expect(
      readFileSync(join(out, '其他', '电子档案移交与接收登记表.pdf'))
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('in the bag form the copies are payload like any file: the bag validates', async () => {
    const { r, dir } = await exportWith(converter(CONVERTER), 'bag');
    expect(r.preCheck).toBe(false);
    const manifest = readFileSync(join(dir, 'manifest-sha256.txt'), 'utf8');
    expect(manifest.match(/data\/电子档案\/2025\/WS\/[^\n]+\.pdf/g)).toHaveLength(2);
    expect(validateBag(dir)).toEqual([]);
  });

  it('a converter that fails or hangs is a warning naming the DOCX item; nothing half-written stays', async () => {
    for (const [docxToPdf, says] of [
      [converter(FAILING), /转换命令失败（3）：文档损坏，无法转换/],
      [converter(HANGING, 1000), /转换超时（1 秒），已终止/],
    ] as const) {
      const { r, dir } = await exportWith(docxToPdf);
      const failed = r.report.failures.filter((x) => x.check === 'layout_copy_failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ itemId: docxItem, severity: 'warning' });
      expect(failed[0]!.message).toMatch(says);
      // The DOCX 文书 keeps its 版式 warning; the photographed pages still have their PDF.
      expect(r.report.failures.filter((x) => x.check === 'not_fixed_layout').map((x) => x.itemId)).toEqual([
        docxItem,
      ]);
      expect(r.preCheck).toBe(false);
      const files = readdirSync(join(dir, '电子档案', '2025', 'WS'));
      expect(files.filter((n) => n.endsWith('.pdf'))).toHaveLength(1);
      expect(readdirSync(join(dir, '其他'))).not.toContain('电子档案移交与接收登记表.pdf');
      expect(r.registrationPdf).toMatchObject({ problem: expect.stringMatching(says) });
    }
    expect(pagesItem).toBeGreaterThan(0);
  });
});
