import { open } from 'node:fs/promises';
import { bytesAt, type FileProbe } from './copy-and-hash.js';
import { pdfaIdScanner } from './pdfa-id-scan.js';

/**
 * Opens the containers a 四性 check must look inside (DA/T 70 可用性: the file opens; 安全性 / the 移交
 * rules: no encryption): ZIP-based documents (DOCX, XLSX, PPTX, OFD) through their central directory
 * (the parts the format needs, encrypted entries, a compression ratio no document has: a ZIP bomb,
 * found without inflating anything), Office files encrypted into a CFB container, encrypted PDFs,
 * MP4/MOV box structure and MP3 frames. Reads only headers; never decompresses.
 */
export interface ContainerFindings {
  /** The file is encrypted (password-protected): not acceptable in an archive. */
  encrypted?: string;
  /** The container does not parse, or lacks what its format requires. */
  broken?: string;
  /** PDF/A identification from the XMP metadata (pdfaid), e.g. `PDF/A-2b`. */
  pdfa?: string;
}

const ZIP_KINDS: Record<string, { name: string; needs: string[] }> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
    name: 'DOCX',
    needs: ['[Content_Types].xml', 'word/document.xml'],
  },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
    name: 'XLSX',
    needs: ['[Content_Types].xml', 'xl/workbook.xml'],
  },
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': {
    name: 'PPTX',
    needs: ['[Content_Types].xml', 'ppt/presentation.xml'],
  },
  'application/ofd': { name: 'OFD', needs: ['OFD.xml'] },
};

/** Uncompressed/compressed beyond this, and above BOMB_BYTES in all: no real document, a ZIP bomb. */
const BOMB_RATIO = 200;
const BOMB_BYTES = 1 << 30;
const MAX_ENTRIES = 100_000;

export async function probeContainer(
  path: string,
  probe: FileProbe,
  mime: string,
  /** What the first bytes alone say: an encrypted DOCX is a CFB file (x-cfb), not a ZIP. */
  bytesMime?: string,
): Promise<ContainerFindings> {
  if (bytesMime === 'application/x-cfb') return cfbFindings(probe);
  const zip = ZIP_KINDS[mime];
  if (zip) return zipFindings(path, probe, zip);
  if (mime === 'application/pdf') return pdfFindings(path, probe);
  if (mime === 'video/mp4' || mime === 'video/quicktime' || mime === 'audio/mp4')
    return mp4Findings(path, probe);
  if (mime === 'audio/mpeg') return mp3Findings(probe);
  return {};
}

async function zipFindings(
  path: string,
  probe: FileProbe,
  kind: { name: string; needs: string[] },
): Promise<ContainerFindings> {
  // End of central directory: the last 22+ bytes (a comment may follow it).
  const eocdAt = probe.tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocdAt < 0 || probe.tail.length - eocdAt < 22)
    return { broken: `${kind.name} 不是完整的 ZIP 容器（找不到中央目录）` };
  const eocd = probe.tail.subarray(eocdAt);
  const entries = eocd.readUInt16LE(10);
  const cdSize = eocd.readUInt32LE(12);
  const cdOffset = eocd.readUInt32LE(16);
  if (entries === 0xffff || cdOffset === 0xffffffff) return {}; // ZIP64: beyond what a document needs; not judged
  if (entries > MAX_ENTRIES || cdOffset + cdSize > probe.size)
    return { broken: `${kind.name} 的中央目录超出文件范围（${entries} 项）` };
  const cd = await bytesAt(path, probe, cdOffset, cdSize);
  const names = new Set<string>();
  let packed = 0;
  let unpacked = 0;
  let encrypted = false;
  for (let at = 0, n = 0; n < entries; n++) {
    if (at + 46 > cd.length || cd.readUInt32LE(at) !== 0x02014b50)
      return { broken: `${kind.name} 的中央目录第 ${n + 1} 项损坏` };
    if (cd.readUInt16LE(at + 8) & 1) encrypted = true;
    packed += cd.readUInt32LE(at + 20);
    unpacked += cd.readUInt32LE(at + 24);
    const nameLen = cd.readUInt16LE(at + 28);
    names.add(cd.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + cd.readUInt16LE(at + 30) + cd.readUInt16LE(at + 32);
  }
  if (encrypted) return { encrypted: `${kind.name} 中有加密的部件（ZIP 加密）` };
  if (unpacked > BOMB_BYTES && unpacked > packed * BOMB_RATIO)
    return {
      broken: `${kind.name} 解压后将达 ${Math.round(unpacked / 2 ** 20)} MB（压缩比 ${Math.round(unpacked / Math.max(packed, 1))}:1），疑为 ZIP 炸弹，未解压`,
    };
  const missing = kind.needs.filter((n) => !names.has(n) && !(kind.name === 'OFD' && names.has(`/${n}`)));
  if (missing.length > 0) return { broken: `${kind.name} 缺少必需部件：${missing.join('、')}` };
  return {};
}

const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/** An encrypted DOCX/XLSX is a CFB file holding EncryptedPackage; a legacy .doc says so in its FIB. */
function cfbFindings(probe: FileProbe): ContainerFindings {
  const both = Buffer.concat([probe.head, probe.tail]);
  if (both.includes(utf16('EncryptedPackage')) || both.includes(utf16('EncryptionInfo')))
    return { encrypted: 'Office 文件已加密（EncryptedPackage）' };
  return {};
}

/** /Encrypt in the trailer; PDF/A from the XMP (pdfaid:part / conformance), read without inflating. */
async function pdfFindings(path: string, probe: FileProbe): Promise<ContainerFindings> {
  const out: ContainerFindings = {};
  const tailText = probe.tail.toString('latin1');
  if (/\/Encrypt\s+\d+\s+\d+\s+R/.test(tailText) || /\/Encrypt\s*<</.test(tailText))
    out.encrypted = 'PDF 已加密（trailer 含 /Encrypt）';
  // Found as the bytes were hashed when the probe scanned them; else read once more for it.
  const pdfa = probe.pdfaId !== undefined ? probe.pdfaId : await scanPdfaId(path);
  if (pdfa) out.pdfa = pdfa;
  return out;
}

/** The PDF/A part and conformance the file's XMP claims (pdfa-id-scan.ts), reading it 1 MiB at a time. */
export async function scanPdfaId(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r');
  try {
    const scanner = pdfaIdScanner();
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return scanner.result() ?? undefined;
      pos += bytesRead;
      scanner.update(buf.subarray(0, bytesRead));
      if (scanner.result()) return scanner.result()!;
    }
  } finally {
    await fh.close();
  }
}

/** Top-level boxes must tile the file, with ftyp first and a moov somewhere. */
async function mp4Findings(path: string, probe: FileProbe): Promise<ContainerFindings> {
  const types: string[] = [];
  for (let at = 0; at < probe.size;) {
    if (types.length > 10_000) return { broken: 'MP4 顶层结构异常（盒子过多）' };
    const h = await bytesAt(path, probe, at, 16);
    if (h.length < 8) return { broken: `MP4 结构在第 ${at} 字节处截断` };
    let size = h.readUInt32BE(0);
    const type = h.toString('latin1', 4, 8);
    if (size === 1) size = h.length >= 16 ? Number(h.readBigUInt64BE(8)) : 0;
    else if (size === 0) size = probe.size - at;
    if (size < 8 || at + size > probe.size)
      return { broken: `MP4 盒子 ${JSON.stringify(type)} 长度越界（${at} 字节处）` };
    types.push(type);
    at += size;
  }
  if (types[0] !== 'ftyp') return { broken: 'MP4 不以 ftyp 开头' };
  if (!types.includes('moov')) return { broken: 'MP4 缺少 moov（索引），无法播放' };
  return {};
}

/** After an optional ID3v2 tag, the first bytes must be an MPEG audio frame header. */
function mp3Findings(probe: FileProbe): ContainerFindings {
  const h = probe.head;
  let at = 0;
  if (h.toString('latin1', 0, 3) === 'ID3' && h.length >= 10) {
    const size = ((h[6]! & 0x7f) << 21) | ((h[7]! & 0x7f) << 14) | ((h[8]! & 0x7f) << 7) | (h[9]! & 0x7f);
    at = 10 + size;
    if (at + 2 > h.length) return {}; // a large tag (cover art): the frame is beyond the head; not judged
  }
  while (at < h.length - 1 && h[at] === 0) at++; // padding
  if (at + 1 >= h.length) return {};
  const sync = h[at] === 0xff && (h[at + 1]! & 0xe0) === 0xe0;
  return sync ? {} : { broken: `MP3 在第 ${at} 字节处没有音频帧` };
}
