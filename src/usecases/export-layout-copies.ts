import { rm } from 'node:fs/promises';
import { readAt } from '../archive/copy-and-hash.js';
import { scanPdfaId } from '../archive/container-probe.js';
import type { DocxToPdf } from '../archive/docx-to-pdf.js';
import type { PackagedFile } from '../archive/item-metadata-xml.js';
import type { PackageWriter } from '../archive/package-writer.js';
import { photoPagesToPdf } from '../archive/photo-pages-pdf.js';
import type { RecordFacts } from '../db/repos/archive-catalogue.js';
import { failure, type ReportBuilder } from '../domain/four-properties.js';
import { errorMessage } from '../errors.js';
import type { FileRef } from './check-four-properties-file.js';
import { checkPdfaFile } from './check-pdfa-file.js';

export const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** What the conversions of one export cost (bench:export prints them per item and per page). */
export interface ConversionCosts {
  photoPdf: { items: number; pages: number; ms: number };
  docxPdf: { items: number; failed: number; ms: number };
  wav: { items: number; ms: number };
}

export const noConversionCosts = (): ConversionCosts => ({
  photoPdf: { items: 0, pages: 0, ms: 0 },
  docxPdf: { items: 0, failed: 0, ms: 0 },
  wav: { items: 0, ms: 0 },
});

export interface LayoutCopyContext {
  bag: PackageWriter;
  report: ReportBuilder;
  written: Set<string>;
  formats: Map<string, number>;
  startedAt: Date;
  /** DOCX_TO_PDF_COMMAND, when configured. */
  docxToPdf?: DocxToPdf;
  /** Conversions run one at a time: a PDF holds its pages in memory while it is written. */
  oneAtATime: <T>(fn: () => Promise<T>) => Promise<T>;
  costs: ConversionCosts;
}

/**
 * Counts a file just written into the package: its line in the fixity list (and bag manifest), the
 * files-vs-rows check, the package's bytes and its format tally. Originals and copies alike.
 */
export async function addPackagedPayload(
  ctx: Pick<LayoutCopyContext, 'bag' | 'written' | 'report' | 'formats'>,
  rel: string,
  h: { sha256: string; size: number },
  mime: string,
): Promise<void> {
  await ctx.bag.addPayload(rel, h.sha256, h.size);
  ctx.written.add(rel);
  ctx.report.totals.bytes += h.size;
  ctx.formats.set(mime, (ctx.formats.get(mime) ?? 0) + 1);
}

const msSince = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * The 版式 copy of a 文书 made of photographed pages: one PDF/A-2b named by its 档号 beside the
 * originals (which stay, as 原件), each photo a page, JPEG embedded as it is
 * (`archive/photo-pages-pdf.ts`). The copy is checked clause by clause (`archive/pdfa-check.ts`):
 * one of ours that fails is an error. A page that cannot be made into the PDF is a warning naming
 * the item (its original is checked as any file is); nothing half-written stays.
 */
export async function writePhotoPagesPdf(
  ctx: LayoutCopyContext,
  r: Pick<RecordFacts, 'itemId' | 'archivalCode' | 'itemTitle'>,
  dir: string,
  pages: PackagedFile[],
): Promise<PackagedFile | undefined> {
  const name = `${r.archivalCode}.pdf`;
  const rel = `${dir}/${name}`;
  const at = { itemId: r.itemId, archivalCode: r.archivalCode, file: rel };
  const dest = await ctx.bag.payloadPath(rel);
  const sources = await Promise.all(
    pages.map(async (p) => ({ path: await ctx.bag.payloadPath(`${dir}/${p.name}`), name: p.name })),
  );
  const t0 = process.hrtime.bigint();
  let pdf;
  try {
    pdf = await ctx.oneAtATime(() =>
      photoPagesToPdf(sources, dest, {
        title: r.archivalCode,
        createdAt: ctx.startedAt,
        creator: 'lark-archive-bot',
      }),
    );
  } catch (err) {
    await rm(dest, { force: true });
    ctx.report.add(
      failure('layout_copy_failed', `拍照的文书页无法生成 PDF/A 版式副本：${errorMessage(err)}`, {
        ...at,
        severity: 'warning',
      }),
    );
    return undefined;
  }
  ctx.costs.photoPdf.items++;
  ctx.costs.photoPdf.pages += pdf.pages;
  ctx.costs.photoPdf.ms += msSince(t0);
  const clauses = await checkPdfaFile(dest, pdf.size);
  if (clauses.broken)
    ctx.report.add(failure('pdfa_nonconforming', `本软件生成的 PDF/A-2b 不符合：${clauses.broken}`, at));
  const copy = await added(ctx, rel, name, pdf, pages[0]!.material, dest);
  for (const p of pages) p.archivalCopy = name;
  const converted = pdf.reencoded.length
    ? `；${pdf.reencoded.join('、')} 不是 RGB JPEG，仅为生成 PDF 转为 sRGB JPEG`
    : '';
  return {
    ...copy,
    pdfa: 'PDF/A-2b',
    pdfaChecked: !clauses.broken && clauses.results.every((c) => c.ok === true),
    fixedLayout: !clauses.broken,
    conversion: {
      from: pages.map((p) => p.name),
      tool: pdf.tool,
      at: ctx.startedAt,
      detail: `拍照的文书页生成 PDF/A-2b 版式副本，${pdf.pages} 页（A4），JPEG 原样嵌入、未重新编码，按 EXIF 方向旋转页面${converted}`,
      digitized: true,
    },
  };
}

/**
 * The PDF of a DOCX through DOCX_TO_PDF_COMMAND, beside the original (named like it). A converter
 * that fails, times out or makes no PDF is a warning naming the item; the original stays either way.
 * A PDF claiming PDF/A-2 counts as 版式 when its clauses hold; a plain PDF is recorded but the 版式
 * row keeps its warning.
 */
export async function writeDocxPdf(
  ctx: LayoutCopyContext,
  ref: FileRef,
  original: PackagedFile,
  dir: string,
  base: string,
): Promise<PackagedFile | undefined> {
  const convert = ctx.docxToPdf;
  if (!convert) return undefined;
  const name = `${base}.pdf`;
  const rel = `${dir}/${name}`;
  const dest = await ctx.bag.payloadPath(rel);
  const src = await ctx.bag.payloadPath(`${dir}/${original.name}`);
  const t0 = process.hrtime.bigint();
  let probe;
  try {
    probe = await ctx.oneAtATime(() => convert(src, dest));
  } catch (err) {
    await rm(dest, { force: true });
    ctx.costs.docxPdf.failed++;
    ctx.report.add(
      failure('layout_copy_failed', `DOCX 转 PDF 失败（${convert.tool}）：${errorMessage(err)}`, {
        ...ref,
        severity: 'warning',
      }),
    );
    return undefined;
  }
  ctx.costs.docxPdf.items++;
  ctx.costs.docxPdf.ms += msSince(t0);
  const claim = await scanPdfaId(dest);
  let fixedLayout = Boolean(claim);
  let pdfaChecked = false;
  if (claim?.startsWith('PDF/A-2')) {
    const clauses = await checkPdfaFile(dest, probe.size);
    if (clauses.broken) {
      fixedLayout = false;
      ctx.report.add(
        failure('pdfa_nonconforming', `DOCX 转出的 PDF 声明 ${claim}，但不符合：${clauses.broken}`, {
          ...ref,
          file: rel,
          severity: 'warning',
        }),
      );
    } else pdfaChecked = clauses.checked && clauses.results.every((c) => c.ok === true);
  }
  const copy = await added(ctx, rel, name, probe, original.material, dest);
  return {
    ...copy,
    ...(claim ? { pdfa: claim, pdfaChecked } : {}),
    fixedLayout,
    conversion: {
      from: [original.name],
      tool: convert.tool,
      at: ctx.startedAt,
      detail: `DOCX 转为 PDF${claim ? `（${claim}）` : '（未声明 PDF/A）'}`,
    },
  };
}

/** Records a copy written at `dest` in the package (fixity list, files-vs-rows, formats). */
async function added(
  ctx: LayoutCopyContext,
  rel: string,
  name: string,
  h: { sha256: string; size: number },
  material: PackagedFile['material'],
  dest: string,
): Promise<PackagedFile> {
  await addPackagedPayload(ctx, rel, h, 'application/pdf');
  return {
    name,
    material,
    sha256: h.sha256,
    size: h.size,
    mime: 'application/pdf',
    head: await readAt(dest, 0, 64),
  };
}
