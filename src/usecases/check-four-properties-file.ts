import { bytesAt, type FileProbe } from '../archive/copy-and-hash.js';
import { probeContainer } from '../archive/container-probe.js';
import { sniffFile } from '../archive/sniff-file.js';
import type { VirusScanner } from '../archive/virus-scan.js';
import type { MaterialFacts } from '../db/repos/archive-catalogue.js';
import { failure, type ReportBuilder } from '../domain/four-properties.js';
import { formatVerdict } from '../domain/format-verdict.js';
import { exifTimeProblem, pdfTrailer, xrefLooksValid } from '../domain/four-properties-rules.js';
import { errorMessage } from '../errors.js';
import { checkPdfaFile } from './check-pdfa-file.js';
import { inspectPhoto } from '../media/inspect-photo.js';
import { loadSharp } from '../media/load-on-first-use.js';

export interface FileCheckResult {
  /** An off-list voice note: the package carries a WAV archival copy. */
  archivalCopy?: 'wav';
  /** What the PDF's XMP claims (`PDF/A-2b`). */
  pdfa?: string;
  /** A PDF/A-2 claim that held under every clause of the PDF/A-2b check. */
  pdfaChecked?: boolean;
  /** A 版式 file: PDF/A or OFD (for the 文书 版式 check of the record). */
  fixedLayout?: boolean;
}

export interface FileCheckContext {
  allowedFormats: readonly string[];
  timeZone: string;
  virusScan?: VirusScanner;
}

/** Where the failures of one file point: its item, 档号, material and file name. */
export interface FileRef {
  itemId: number;
  archivalCode: string;
  materialId: number;
  file: string;
}

/**
 * Checks one file of a record: the bytes at `path` (hashed in `probe`) against what was recorded at
 * capture (authenticity), its format, decodability and structure (usability) and, when a scanner is
 * configured, viruses (security). Adds failures to the report; never changes anything. An Ogg
 * Opus voice note off the allowed list is a warning (`format_converted`): a transfer package carries
 * a WAV archival copy beside it; the result says so (`archivalCopy`).
 */
export async function checkFile(
  path: string,
  probe: FileProbe,
  m: MaterialFacts,
  ref: FileRef,
  ctx: FileCheckContext,
  report: ReportBuilder,
): Promise<FileCheckResult> {
  const result: FileCheckResult = {};
  const at = ref;
  report.checked('authenticity');
  report.checked('usability');
  // Without the hash recorded at capture the bytes cannot be shown to be the ones received.
  if (!m.sha256)
    report.add(failure('hash_missing', `采集时未记录 SHA-256，无法核对（现为 ${probe.sha256}）`, at));
  else if (probe.sha256 !== m.sha256)
    report.add(failure('hash_mismatch', `SHA-256 为 ${probe.sha256}，记录为 ${m.sha256}`, at));
  if (m.sizeBytes !== null && probe.size !== m.sizeBytes)
    report.add(failure('size_mismatch', `文件 ${probe.size} 字节，记录为 ${m.sizeBytes} 字节`, at));

  const sniffed = await sniffFile(path, probe.head, {
    declaredMime: m.declaredMime,
    fileName: m.originalName,
  });
  if (m.sniffedMime && sniffed.mime !== m.sniffedMime)
    report.add(failure('type_mismatch', `文件类型为 ${sniffed.mime}，记录为 ${m.sniffedMime}`, at));
  const bytesMime = sniffed.bytesMime;
  // The judgement capture made too (download-inspect.ts): a file refused here was told when it arrived.
  const format = formatVerdict({ bytesMime, mime: sniffed.mime }, ctx.allowedFormats);
  if (format.verdict === 'converted') {
    result.archivalCopy = format.copy;
    report.add(
      failure('format_converted', `${format.problem}；移交包中另存 WAV 归档副本，原件保留`, {
        ...at,
        severity: 'warning',
      }),
    );
  } else if (format.verdict === 'refused') report.add(failure('format_not_allowed', format.problem, at));

  if (m.kind === 'photo' && bytesMime?.startsWith('image/')) {
    const info = await inspectPhoto(path, { timeZone: ctx.timeZone });
    const exifIssue = exifTimeProblem(m.takenAt, info.takenAt);
    if (exifIssue) report.add(failure('exif_time_mismatch', exifIssue, at));
    const compressed = photoQualityProblem(m, info);
    if (compressed) report.add(failure('photo_compressed', compressed, { ...at, severity: 'warning' }));
  }
  if (bytesMime && /^image\/(jpeg|png|tiff|webp|gif|avif|heif)$/.test(bytesMime)) {
    const problem = await imageProblem(path);
    if (problem)
      report.add(
        problem.tooLarge
          ? failure('image_too_large', problem.text, at)
          : failure('image_undecodable', problem.text, at),
      );
  }
  if (bytesMime === 'application/pdf' || sniffed.mime === 'application/pdf') {
    const problem = await pdfProblem(path, probe);
    if (problem) report.add(failure('pdf_unparseable', problem, at));
  }
  const container = await probeContainer(path, probe, sniffed.mime, bytesMime).catch((err) => ({
    broken: `容器无法读取：${errorMessage(err)}`,
    encrypted: undefined,
    pdfa: undefined,
  }));
  if (container.encrypted) report.add(failure('encrypted', container.encrypted, at));
  if (container.broken) report.add(failure('container_broken', container.broken, at));
  if (container.pdfa) result.pdfa = container.pdfa;
  result.fixedLayout = Boolean(container.pdfa) || sniffed.mime === 'application/ofd';
  if (container.pdfa?.startsWith('PDF/A-2')) {
    // The claim is checked clause by clause (a PDF/A-1 or -3 claim is taken as declared).
    const pdfa = await checkPdfaFile(path, probe.size);
    if (pdfa.broken) {
      result.fixedLayout = false;
      report.add(
        failure('pdfa_nonconforming', `声明 ${container.pdfa}，但不符合：${pdfa.broken}`, {
          ...at,
          severity: 'warning',
        }),
      );
    } else if (pdfa.checked && pdfa.results.every((r) => r.ok === true)) result.pdfaChecked = true;
  }
  if (ctx.virusScan) {
    report.checked('security');
    const res = await ctx.virusScan(path);
    if (res.verdict === 'infected') report.add(failure('virus_found', res.output || '病毒检查报告感染', at));
    else if (res.verdict === 'error')
      report.add(failure('virus_scan_failed', `病毒检查未能完成：${res.output}`, at));
  }
  return result;
}

/**
 * Largest image the check decodes (sharp's own default, 16383²). A tiny file can declare a huge canvas
 * (a 1 MB PNG of 100000² pixels costs seconds of CPU per check): its size is read from the header and it
 * is reported instead of decoded.
 */
export const MAX_DECODE_PIXELS = 16383 * 16383;

async function imageProblem(path: string): Promise<{ text: string; tooLarge?: true } | undefined> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    const { width = 0, height = 0 } = meta;
    if (width * height > MAX_DECODE_PIXELS)
      return {
        text: `图像为 ${width}×${height} 像素，超过 ${MAX_DECODE_PIXELS} 像素的检测上限，未解码`,
        tooLarge: true,
      };
    await sharp(path, { limitInputPixels: MAX_DECODE_PIXELS }).resize(64, 64, { fit: 'inside' }).toBuffer();
    return undefined;
  } catch (err) {
    return { text: `图像无法完整解码：${errorMessage(err)}` };
  }
}

async function pdfProblem(path: string, probe: FileProbe): Promise<string | undefined> {
  const t = pdfTrailer(probe.head, probe.tail);
  if ('problem' in t) return t.problem;
  if (t.xrefOffset >= probe.size) return `startxref 指向文件之外（${t.xrefOffset}）`;
  if (xrefLooksValid(await bytesAt(path, probe, t.xrefOffset, 32))) return undefined;
  // Offsets count from %PDF- when junk precedes it.
  const start = probe.head.indexOf('%PDF-');
  if (start > 0 && xrefLooksValid(await bytesAt(path, probe, t.xrefOffset + start, 32))) return undefined;
  return `startxref（${t.xrefOffset}）处不是交叉引用表`;
}

/**
 * DA/T 50: a photo under 300万像素 (as the capture's `compressed` rule: media/inspect-photo.ts) is
 * reported as probably compressed, asking for the original; one without EXIF is reported as such, without
 * calling it compressed (a scan or a screenshot has none). Both are warnings.
 */
function photoQualityProblem(
  m: MaterialFacts,
  info: { width?: number; height?: number; takenAt?: Date | null },
): string | undefined {
  const problems: string[] = [];
  const width = info.width ?? m.width;
  const height = info.height ?? m.height;
  const small = width && height ? width * height < 3_000_000 : m.quality === 'compressed';
  if (small) problems.push(width && height ? `${width}×${height}，不足 300 万像素` : '经聊天压缩');
  const noExif = !info.takenAt && !m.takenAt && !m.cameraMake && !m.cameraModel;
  if (noExif) problems.push('无 EXIF 拍摄信息');
  if (problems.length === 0) return undefined;
  return small
    ? `照片${problems.join('，')}（DA/T 50-2014 要求原图）`
    : '照片无 EXIF 拍摄信息（扫描件、截图没有；拍摄的照片请用原图）';
}
