import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { finished } from 'node:stream/promises';
import { loadSharp } from '../media/load-on-first-use.js';

/** Largest image converted (sharp's own default, as the 四性 check decodes). */
const MAX_PIXELS = 16383 * 16383;
/** A4 in PDF points. */
const A4 = { short: 595.28, long: 841.89 };

export interface PageImage {
  /** The original's path (in the package). */
  path: string;
  /** Its name in the package, for messages. */
  name: string;
}

export interface PagesPdf {
  sha256: string;
  size: number;
  pages: number;
  /** Originals that are not JPEG (PNG, WebP, HEIC …) or are CMYK JPEG: converted to sRGB JPEG for the PDF only. */
  reencoded: string[];
  /** `pdfkit <version>（PDF/A-2b）`. */
  tool: string;
}

let toolName: Promise<string> | undefined;

/** `pdfkit <version>（PDF/A-2b）`, from the package that is installed. */
export function pdfToolName(): Promise<string> {
  toolName ??= (async () => {
    try {
      const main = createRequire(import.meta.url).resolve('pdfkit');
      const pkg = JSON.parse(await readFile(join(dirname(main), '..', 'package.json'), 'utf8'));
      return `pdfkit ${pkg.version}（PDF/A-2b）`;
    } catch {
      return 'pdfkit（PDF/A-2b）';
    }
  })();
  return toolName;
}

interface OpenedImage {
  width: number;
  height: number;
  orientation?: number;
  colorSpace?: string;
}

const isJpeg = (b: Buffer) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8;

/**
 * The 版式 copy of a document's photographed pages: one PDF/A-2b (pdfkit's subset: XMP with
 * pdfaid part 2 / conformance B, an sRGB OutputIntent with its ICC profile embedded, PDF 1.7), one
 * A4 page per photo in the given order, each photo fitted to the page. A JPEG original is embedded
 * as it is (DCTDecode: the page image is the original's bytes, not re-encoded) and its EXIF
 * orientation is honoured by the page's transformation matrix, not by turning pixels. Other images
 * (PNG, WebP, HEIC where this sharp build decodes it) and CMYK JPEGs are converted to an sRGB JPEG
 * with sharp for the PDF only (orientation applied, transparency on white). Writes `dest` (a new
 * file) and hashes it as it is written; throws when a page cannot be read (the caller removes `dest`).
 */
export async function photoPagesToPdf(
  pages: readonly PageImage[],
  dest: string,
  info: { title: string; createdAt: Date; creator: string },
): Promise<PagesPdf> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    subset: 'PDF/A-2b',
    pdfVersion: '1.7',
    autoFirstPage: false,
    info: {
      Title: info.title,
      Creator: info.creator,
      Producer: await pdfToolName(),
      CreationDate: info.createdAt,
    },
  });
  const out = createWriteStream(dest, { flags: 'wx', mode: 0o644 });
  // Listened to from the start: a write error (disk full, the file already there) while pages are
  // added would otherwise be re-emitted by pipe() with no listener and end the whole process.
  const written = finished(out);
  written.catch(() => undefined);
  const hash = createHash('sha256');
  let size = 0;
  doc.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  doc.pipe(out);
  const reencoded: string[] = [];
  try {
    for (const page of pages) {
      let bytes: Buffer = await readFile(page.path);
      let image = isJpeg(bytes) ? openImage(doc, bytes) : undefined;
      if (!image || image.colorSpace === 'DeviceCMYK') {
        bytes = await toSrgbJpeg(bytes, page.name);
        image = openImage(doc, bytes);
        reencoded.push(page.name);
      }
      const turned = (image.orientation ?? 1) > 4;
      const [w, h] = turned ? [image.height, image.width] : [image.width, image.height];
      const portrait = h >= w;
      const box: [number, number] = portrait ? [A4.short, A4.long] : [A4.long, A4.short];
      doc.addPage({ size: 'A4', layout: portrait ? 'portrait' : 'landscape', margin: 0 });
      doc.image(image as never, 0, 0, { fit: box, align: 'center', valign: 'center' });
    }
  } catch (err) {
    doc.end();
    await written.catch(() => undefined);
    throw err instanceof Error ? err : new Error(String(err));
  }
  doc.end();
  await written;
  return { sha256: hash.digest('hex'), size, pages: pages.length, reencoded, tool: await pdfToolName() };
}

function openImage(doc: PDFKit.PDFDocument, bytes: Buffer): OpenedImage {
  try {
    return (doc as unknown as { openImage(b: Buffer): OpenedImage }).openImage(bytes);
  } catch (err) {
    // pdfkit throws strings ('Invalid JPEG.').
    throw err instanceof Error ? err : new Error(String(err));
  }
}

async function toSrgbJpeg(bytes: Buffer, name: string): Promise<Buffer> {
  const sharp = await loadSharp();
  try {
    return await sharp(bytes, { limitInputPixels: MAX_PIXELS })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: 90, chromaSubsampling: '4:4:4' })
      .toBuffer();
  } catch (err) {
    throw new Error(`${name} 无法转为 JPEG：${err instanceof Error ? err.message : String(err)}`);
  }
}
