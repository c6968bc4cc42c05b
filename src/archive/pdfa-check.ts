/**
 * A structural check of a PDF that claims PDF/A-2b, clause by clause (ISO 19005-2:2011). It is not a
 * full validator (veraPDF cannot be installed here: it is neither an npm nor a Debian package): it
 * reads the file's own object syntax and checks the clauses below, the ones a PDF made from
 * photographed pages or converted from DOCX could get wrong. Pure: bytes in, one result per clause out.
 *
 * Objects inside compressed object streams (/ObjStm, PDF 1.5+) are not visible to it: a clause that
 * needs such an object is reported as not checked (`ok: undefined`), never as passed.
 */

export interface PdfaClause {
  /** ISO 19005-2:2011 clause number. */
  clause: string;
  /** What it requires, in the report's language. */
  name: string;
}

export const PDFA2B_CLAUSES = {
  header: { clause: '6.1.2', name: '文件头 %PDF-1.n（n≤7）且其后为含 4 个以上高位字节的注释行' },
  trailerId: { clause: '6.1.3', name: '文件尾 trailer 含 ID' },
  noEncrypt: { clause: '6.1.3', name: '文件尾 trailer 不含 Encrypt（未加密）' },
  outputIntent: {
    clause: '6.2.3',
    name: 'OutputIntents 含 GTS_PDFA1 输出意图，并内嵌 DestOutputProfile（ICC 特性文件）',
  },
  fontsEmbedded: { clause: '6.2.11.4.1', name: '所用字体均已嵌入（FontFile/FontFile2/FontFile3）' },
  actions: { clause: '6.5.1', name: '无 JavaScript、Launch 等禁用动作' },
  metadata: { clause: '6.6.2.1', name: '文档目录含 XMP 元数据流（Type /Metadata，Subtype /XML）' },
  identification: { clause: '6.6.4', name: 'XMP 中 pdfaid:part=2、pdfaid:conformance=B' },
} as const satisfies Record<string, PdfaClause>;

export type PdfaClauseKey = keyof typeof PDFA2B_CLAUSES;

export interface PdfaClauseResult extends PdfaClause {
  key: PdfaClauseKey;
  /** true: holds; false: broken; undefined: could not be checked (object in a compressed stream). */
  ok: boolean | undefined;
  detail?: string;
}

const FORBIDDEN_ACTIONS =
  /\/S\s*\/(JavaScript|Launch|Sound|Movie|ResetForm|ImportData|Hide|SetOCGState|Rendition|Trans|GoTo3DView)\b/;

interface PdfObject {
  /** The object's text up to `stream` or `endobj` (its dictionary, for a stream). */
  dict: string;
  /** Byte offset of the stream data, when the object is a stream. */
  streamAt?: number;
}

/** Every `n g obj` in the file (the last definition of a number wins, as incremental updates do). */
function indexObjects(text: string): Map<number, PdfObject> {
  const objects = new Map<number, PdfObject>();
  const re = /(?:^|[\r\n\s])(\d+)\s+(\d+)\s+obj\b/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    let end = text.indexOf('endobj', start);
    if (end < 0) {
      // No endobj (a torn or crafted file): the object ends where the next one starts, so the scan
      // stays linear instead of reading to the end of the file again for every later object.
      const next = /[\r\n\s]\d+\s+\d+\s+obj\b/.exec(text.slice(start));
      end = next ? start + next.index : text.length;
    }
    const body = text.slice(start, end);
    const s = /\bstream(\r\n|\n|\r)/.exec(body);
    objects.set(
      Number(m[1]),
      s ? { dict: body.slice(0, s.index), streamAt: start + s.index + s[0].length } : { dict: body },
    );
    re.lastIndex = end;
  }
  return objects;
}

const refOf = (dict: string, key: string): number | undefined => {
  const m = new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`).exec(dict);
  return m ? Number(m[1]) : undefined;
};

/** The last trailer dictionary (classic), or the last cross-reference stream's dictionary. */
function lastTrailer(text: string, objects: Map<number, PdfObject>): string | undefined {
  const at = text.lastIndexOf('trailer');
  if (at >= 0) {
    const end = text.indexOf('startxref', at);
    return text.slice(at, end < 0 ? undefined : end);
  }
  let found: string | undefined;
  for (const o of objects.values()) if (/\/Type\s*\/XRef\b/.test(o.dict)) found = o.dict;
  return found;
}

/** The XMP packet's bytes (unfiltered metadata stream), or why it cannot be read. */
function metadataText(bytes: Buffer, o: PdfObject): string | { problem: string } {
  if (o.streamAt === undefined) return { problem: '元数据对象不是流' };
  if (/\/Filter\b/.test(o.dict)) return { problem: '元数据流经过压缩（含 Filter），本检查不解压' };
  // \b: without it, `/Length 12 0 R` (an indirect length) would match as a direct length of 1.
  const len = /\/Length\s+(\d+)\b(?!\s+\d+\s+R)/.exec(o.dict);
  const end = len ? o.streamAt + Number(len[1]) : bytes.indexOf('endstream', o.streamAt);
  return bytes.toString('utf8', o.streamAt, Math.max(o.streamAt, end));
}

const xmpValue = (xmp: string, name: string) =>
  new RegExp(`${name}(?:>\\s*|\\s*=\\s*["'])\\s*([^<"'\\s]+)`).exec(xmp)?.[1];

/**
 * Checks the clauses of PDFA2B_CLAUSES on a whole PDF file's bytes. Every clause gets a result;
 * `ok: false` names what is wrong in `detail`.
 */
export function checkPdfA2b(bytes: Buffer): PdfaClauseResult[] {
  const text = bytes.toString('latin1');
  const objects = indexObjects(text);
  const hidden = /\/Type\s*\/ObjStm\b/.test(text);
  const out: PdfaClauseResult[] = [];
  const put = (key: PdfaClauseKey, ok: boolean | undefined, detail?: string) =>
    out.push({ key, ...PDFA2B_CLAUSES[key], ok, ...(detail ? { detail } : {}) });
  const unseen = '对象在压缩对象流（ObjStm）中，未检';

  // 6.1.2: header at offset 0, then a comment of at least four bytes above 127.
  const header = /^%PDF-1\.([0-7])(\r\n|\r|\n)%(.{4})/s.exec(text.slice(0, 64));
  const binary = header && [...header[3]!].every((c) => c.charCodeAt(0) > 127);
  put(
    'header',
    Boolean(header && binary),
    header ? (binary ? undefined : '文件头后缺少二进制注释行') : '文件头不是 %PDF-1.0 至 %PDF-1.7',
  );

  // 6.1.3: the trailer has an ID and no Encrypt.
  const trailer = lastTrailer(text, objects);
  if (!trailer) {
    put('trailerId', hidden ? undefined : false, '找不到文件尾 trailer');
    put('noEncrypt', hidden ? undefined : false, '找不到文件尾 trailer');
  } else {
    put('trailerId', /\/ID\s*\[/.test(trailer), /\/ID\s*\[/.test(trailer) ? undefined : 'trailer 缺少 /ID');
    const encrypted = /\/Encrypt\b/.test(trailer);
    put('noEncrypt', !encrypted, encrypted ? 'trailer 含 /Encrypt' : undefined);
  }

  const rootRef = trailer ? refOf(trailer, 'Root') : undefined;
  const catalog =
    (rootRef !== undefined ? objects.get(rootRef) : undefined) ??
    [...objects.values()].find((o) => /\/Type\s*\/Catalog\b/.test(o.dict));

  // 6.2.3: an OutputIntent of subtype GTS_PDFA1 with an embedded ICC profile.
  if (!catalog)
    put('outputIntent', hidden ? undefined : false, hidden ? unseen : '找不到文档目录（Catalog）');
  else {
    const list = /\/OutputIntents\s*\[([^\]]*)\]/.exec(catalog.dict)?.[1];
    const intents = list
      ? [...list.matchAll(/(\d+)\s+\d+\s+R/g)].map((m) => objects.get(Number(m[1]))?.dict ?? '')
      : [];
    if (list) intents.push(...[...list.matchAll(/<<([\s\S]*?)>>/g)].map((m) => m[1]!));
    const pdfa = intents.find((d) => /\/S\s*\/GTS_PDFA1\b/.test(d));
    const profileRef = pdfa ? refOf(pdfa, 'DestOutputProfile') : undefined;
    const profile = profileRef !== undefined ? objects.get(profileRef) : undefined;
    if (!pdfa) put('outputIntent', false, '没有 GTS_PDFA1 输出意图');
    else if (!profile)
      put('outputIntent', hidden ? undefined : false, hidden ? unseen : '输出意图缺少 DestOutputProfile');
    else
      put(
        'outputIntent',
        profile.streamAt !== undefined,
        profile.streamAt !== undefined ? undefined : 'DestOutputProfile 不是内嵌的 ICC 流',
      );
  }

  // 6.2.11.4.1: every font that is not Type 3 has a descriptor with an embedded font program.
  const notEmbedded: string[] = [];
  for (const [n, o] of objects) {
    if (/\/Type\s*\/FontDescriptor\b/.test(o.dict) && !/\/FontFile[23]?\s/.test(o.dict))
      notEmbedded.push(`${/\/FontName\s*\/([^\s/<>[\]]+)/.exec(o.dict)?.[1] ?? `对象 ${n}`}`);
    if (
      /\/Type\s*\/Font\b/.test(o.dict) &&
      /\/Subtype\s*\/(Type1|MMType1|TrueType|CIDFontType0|CIDFontType2)\b/.test(o.dict) &&
      !/\/FontDescriptor\b/.test(o.dict)
    )
      notEmbedded.push(`${/\/BaseFont\s*\/([^\s/<>[\]]+)/.exec(o.dict)?.[1] ?? `对象 ${n}`}`);
  }
  put(
    'fontsEmbedded',
    notEmbedded.length === 0 ? (hidden ? undefined : true) : false,
    notEmbedded.length ? `未嵌入：${[...new Set(notEmbedded)].join('、')}` : hidden ? unseen : undefined,
  );

  // 6.5.1: no forbidden actions, and no document-level JavaScript.
  let action: string | undefined;
  for (const o of objects.values()) {
    const m = FORBIDDEN_ACTIONS.exec(o.dict);
    if (m) action = `${m[1]} 动作`;
    else if (/\/(JavaScript|JS)\b/.test(o.dict)) action = 'JavaScript';
    if (action) break;
  }
  put(
    'actions',
    action ? false : hidden ? undefined : true,
    action ? `含 ${action}` : hidden ? unseen : undefined,
  );

  // 6.6.2.1 and 6.6.4: the catalog's XMP metadata stream, and its PDF/A identification.
  const metaRef = catalog ? refOf(catalog.dict, 'Metadata') : undefined;
  const meta = metaRef !== undefined ? objects.get(metaRef) : undefined;
  if (!meta) {
    const why = !catalog || (metaRef !== undefined && hidden) ? unseen : '文档目录没有 /Metadata';
    const unknown = hidden && why === unseen;
    put('metadata', unknown ? undefined : false, why);
    put('identification', unknown ? undefined : false, why);
    return out;
  }
  const typed = /\/Type\s*\/Metadata\b/.test(meta.dict) && /\/Subtype\s*\/XML\b/.test(meta.dict);
  put(
    'metadata',
    typed && meta.streamAt !== undefined,
    typed ? undefined : '元数据流缺少 Type /Metadata 或 Subtype /XML',
  );
  const xmp = metadataText(bytes, meta);
  if (typeof xmp !== 'string') put('identification', undefined, xmp.problem);
  else {
    const part = xmpValue(xmp, 'pdfaid:part');
    const conformance = xmpValue(xmp, 'pdfaid:conformance');
    const ok = part === '2' && conformance === 'B';
    put(
      'identification',
      ok,
      ok ? undefined : `XMP 声明 part=${part ?? '无'}、conformance=${conformance ?? '无'}`,
    );
  }
  return out;
}

/** The clauses that are broken (`ok: false`), as one line for a report. */
export function brokenClausesText(results: readonly PdfaClauseResult[]): string {
  return results
    .filter((r) => r.ok === false)
    .map((r) => `${r.clause} ${r.name}${r.detail ? `（${r.detail}）` : ''}`)
    .join('；');
}
