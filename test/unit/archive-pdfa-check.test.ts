import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPdfA2b, PDFA2B_CLAUSES } from '../../src/archive/pdfa-check.js';
import { photoPagesToPdf } from '../../src/archive/photo-pages-pdf.js';
import { dctImages, pageBoxes } from '../support/pdf-images.js';

const jpeg = (w: number, h: number, orientation?: number) => {
  const img = sharp({ create: { width: w, height: h, channels: 3, background: '#48a' } }).jpeg();
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
};

/** What fails, by clause key. */
const broken = (pdf: Buffer) =>
  checkPdfA2b(pdf)
    .filter((r) => r.ok !== true)
    .map((r) => r.key);

describe('PDF/A-2b: the PDF of photographed pages and the clause check', () => {
  let dir: string;
  let pdf: Buffer;
  let originals: Buffer[];
  let reencoded: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdfa-check-'));
    originals = [await jpeg(60, 40), await jpeg(60, 40, 6)];
    const png = await sharp({ create: { width: 30, height: 50, channels: 4, background: '#f008' } })
      .png()
      .toBuffer();
    const files = [...originals, png].map((b, i) => {
      const path = join(dir, `p${i}`);
      writeFileSync(path, b);
      return { path, name: `p${i}` };
    });
    const res = await photoPagesToPdf(files, join(dir, 'out.pdf'), {
      title: 'A182-WS·2025-Y-0001',
      createdAt: new Date('2026-01-10T01:00:00Z'),
      creator: 'test',
    });
    pdf = readFileSync(join(dir, 'out.pdf'));
    reencoded = res.reencoded;
    expect(res.pages).toBe(3);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file it cannot write is an error for the caller, not a crash of the process', async () => {
    const page = { path: join(dir, 'p0'), name: 'p0' };
    const info = { title: 't', createdAt: new Date('2026-01-10T01:00:00Z'), creator: 'test' };
    await expect(photoPagesToPdf([page], join(dir, 'no-such-folder', 'x.pdf'), info)).rejects.toThrow(
      /ENOENT/,
    );
    await expect(photoPagesToPdf([page], join(dir, 'out.pdf'), info)).rejects.toThrow(/EEXIST/);
  });

  it('embeds each JPEG byte for byte and turns the page, not the pixels, for EXIF orientation', () => {
    const images = dctImages(pdf);
    expect(images).toHaveLength(3);
    expect(images[0]!.bytes.equals(originals[0]!)).toBe(true);
    expect(images[1]!.bytes.equals(originals[1]!)).toBe(true);
    // The rotated photo keeps its stored 60×40 pixels; its page is portrait (it shows 40×60).
    expect([images[1]!.width, images[1]!.height]).toEqual([60, 40]);
    const [landscape, portrait, pngPage] = pageBoxes(pdf);
    expect(landscape![0]).toBeGreaterThan(landscape![1]);
    expect(portrait![0]).toBeLessThan(portrait![1]);
    expect(pngPage![0]).toBeLessThan(pngPage![1]);
    // Only the PNG was converted (to JPEG, for the PDF only).
    expect(reencoded).toEqual(['p2']);
  });

  it('converts a CMYK JPEG and a WebP page to sRGB JPEG (DeviceCMYK would break the sRGB output intent)', async () => {
    const cmyk = await sharp({ create: { width: 40, height: 60, channels: 3, background: '#369' } })
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    const webp = await sharp({ create: { width: 40, height: 60, channels: 3, background: '#963' } })
      .webp()
      .toBuffer();
    const files = [cmyk, webp].map((b, i) => {
      const path = join(dir, `q${i}`);
      writeFileSync(path, b);
      return { path, name: `q${i}` };
    });
    const res = await photoPagesToPdf(files, join(dir, 'converted.pdf'), {
      title: 't',
      createdAt: new Date('2026-01-10T01:00:00Z'),
      creator: 'test',
    });
    expect(res.reencoded).toEqual(['q0', 'q1']);
    const out = readFileSync(join(dir, 'converted.pdf'));
    expect(out.toString('latin1')).not.toContain('/DeviceCMYK');
    expect(dctImages(out)).toHaveLength(2);
    expect(broken(out)).toEqual([]);
  });

  it('passes every clause it checks', () => {
    const results = checkPdfA2b(pdf);
    expect(results.map((r) => [r.clause, r.ok])).toEqual(
      Object.values(PDFA2B_CLAUSES).map((c) => [c.clause, true]),
    );
  });

  it('names the clause each kind of breakage breaks', () => {
    const edit = (from: string | RegExp, to: string) =>
      Buffer.from(pdf.toString('latin1').replace(from, to), 'latin1');
    expect(broken(edit('%PDF-1.7', '%PDF-2.0'))).toEqual(['header']);
    expect(broken(edit(/\/ID \[[^\]]*\]/, ''))).toEqual(['trailerId']);
    expect(broken(edit('trailer\n<<', 'trailer\n<<\n/Encrypt 99 0 R'))).toEqual(['noEncrypt']);
    expect(broken(edit('/S /GTS_PDFA1', '/S /GTS_PDFX '))).toEqual(['outputIntent']);
    expect(broken(edit('<pdfaid:part>2', '<pdfaid:part>1'))).toEqual(['identification']);
    expect(broken(edit('/Type /Metadata', '/Type /Metadatx'))).toEqual(['metadata']);
    const extra = (obj: string) => edit('xref\n', `900 0 obj\n${obj}\nendobj\nxref\n`);
    expect(broken(extra('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'))).toEqual([
      'fontsEmbedded',
    ]);
    expect(broken(extra('<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>'))).toEqual(['actions']);
    expect(broken(extra('<< /Type /Action /S /Launch /F (cmd.exe) >>'))).toEqual(['actions']);
    const detail = checkPdfA2b(extra('<< /Type /Font /Subtype /TrueType /BaseFont /SimSun >>')).find(
      (r) => r.key === 'fontsEmbedded',
    );
    expect(detail).toMatchObject({ clause: '6.2.11.4.1', ok: false, detail: '未嵌入：SimSun' });
  });

  it('reads the XMP of a metadata stream whose length is an indirect object, and objects after a torn one', () => {
    const text = pdf.toString('latin1');
    const meta = /\d+ 0 obj\s*<<[^>]*\/Type \/Metadata[^>]*>>/.exec(text)?.[0];
    expect(meta).toMatch(/\/Length \d+/);
    const indirect = Buffer.from(
      text.replace(meta!, meta!.replace(/\/Length \d+/, '/Length 12 0 R')),
      'latin1',
    );
    expect(broken(indirect)).toEqual([]);
    // The first object loses its endobj: every later object is still found.
    const torn = Buffer.from(text.replace('endobj', 'endob_'), 'latin1');
    expect(broken(torn)).toEqual([]);
  });

  it('does not pass what it cannot see: objects in a compressed object stream are unchecked', () => {
    const hidden = Buffer.from(
      '%PDF-1.7\n%\xff\xff\xff\xff\n1 0 obj\n<< /Type /ObjStm /N 3 /First 10 /Length 0 >>\nstream\n\nendstream\nendobj\n' +
        '2 0 obj\n<< /Type /XRef /Root 5 0 R /ID [<00> <00>] /Size 6 >>\nstream\n\nendstream\nendobj\nstartxref\n0\n%%EOF\n',
      'latin1',
    );
    const results = checkPdfA2b(hidden);
    expect(results.find((r) => r.key === 'trailerId')?.ok).toBe(true);
    expect(results.find((r) => r.key === 'outputIntent')?.ok).toBeUndefined();
    expect(results.find((r) => r.key === 'identification')?.ok).toBeUndefined();
  });
});
