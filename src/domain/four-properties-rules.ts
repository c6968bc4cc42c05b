/** Pure rules of the four-properties check (the use case feeds them facts read from disk and DB). */
import { isYyyymmdd } from './catalogue-date.js';
import type { CatalogueRow } from './catalogue.js';

/**
 * Missing 件号 in a class: every number from 1 to max(last handed out, highest seen) must exist as
 * a row (withdrawn rows count: a retired number is present, not missing). Returns compact ranges.
 */
export function findNumberGaps(numbers: number[], lastHandedOut = 0): { from: number; to: number }[] {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const max = Math.max(lastHandedOut, sorted[sorted.length - 1] ?? 0);
  const gaps: { from: number; to: number }[] = [];
  let expected = 1;
  for (const n of [...sorted, max + 1]) {
    if (n < expected) continue;
    if (n > expected) gaps.push({ from: expected, to: Math.min(n - 1, max) });
    expected = n + 1;
  }
  return gaps.filter((g) => g.from <= g.to);
}

export const gapText = (g: { from: number; to: number }) =>
  g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`;

/** Required catalogue fields (DA/T 22-2015): 档号, 责任者, 题名, 日期 (YYYYMMDD), 页数. */
export function catalogueFieldProblems(
  row: Pick<CatalogueRow, 'archivalCode' | 'responsible' | 'title' | 'date' | 'pages'>,
): { check: 'field_missing' | 'field_invalid'; message: string }[] {
  const out: { check: 'field_missing' | 'field_invalid'; message: string }[] = [];
  const missing = (name: string) => out.push({ check: 'field_missing', message: `缺少${name}` });
  if (!row.archivalCode) missing('档号');
  if (!row.responsible.trim()) missing('责任者');
  if (!row.title.trim() || row.title === '[]') missing('题名');
  if (!row.date) missing('日期');
  else if (!isYyyymmdd(row.date))
    out.push({ check: 'field_invalid', message: `日期“${row.date}”不是8位年月日(YYYYMMDD)` });
  if (row.pages === null || row.pages === undefined) missing('页数');
  else if (!Number.isInteger(row.pages) || row.pages < 1)
    out.push({ check: 'field_invalid', message: `页数“${row.pages}”不是正整数` });
  return out;
}

/** Length limits of the catalogue fields (characters). */
export const FIELD_LIMITS = { title: 300, responsible: 100, docNumber: 50, remarks: 300 } as const;
/** 密级 a record handled by this bot may carry (classified records never belong in a chat). */
const OPEN_SECRECY = new Set(['', '无', '公开', '内部', '限制', '非密']);
/** Control characters, zero-width and line-separator marks, and U+FFFD. */
const hasOddCharacters = (v: string) =>
  Array.from(v).some((ch) => {
    const c = ch.codePointAt(0)!;
    return (
      c < 0x20 || c === 0x7f || (c >= 0x200b && c <= 0x200f) || c === 0x2028 || c === 0x2029 || c === 0xfffd
    );
  });

/**
 * DA/T 70 真实性: value range, length and special characters of the catalogue fields. 日期 between 1949
 * and the day of confirmation (not in the future), fields within FIELD_LIMITS, a 文号 shaped like one
 * (机关代字〔年份〕序号号), 密级 not a state-secret level, 页数 plausible, and no control characters,
 * invisible marks or U+FFFD (what replaced bytes no format could hold) in any field.
 */
export function fieldRangeProblems(
  row: Pick<CatalogueRow, 'responsible' | 'title' | 'date' | 'pages' | 'docNumber' | 'secrecy' | 'remarks'>,
  confirmedOn: string,
): string[] {
  const out: string[] = [];
  if (isYyyymmdd(row.date) && (row.date < '19491001' || row.date > confirmedOn))
    out.push(`日期“${row.date}”超出合理范围（1949年10月1日至确认归档之日 ${confirmedOn}）`);
  for (const [key, label] of [
    ['title', '题名'],
    ['responsible', '责任者'],
    ['docNumber', '文号'],
    ['remarks', '备注'],
  ] as const) {
    const v = row[key] ?? '';
    const len = Array.from(v).length;
    if (len > FIELD_LIMITS[key]) out.push(`${label}长 ${len} 字，超过 ${FIELD_LIMITS[key]} 字`);
    if (hasOddCharacters(v)) out.push(`${label}含控制字符、不可见字符或替换符（U+FFFD）`);
  }
  if (
    row.docNumber &&
    !/^[\u4e00-\u9fa5A-Za-z]{1,16}[〔［[(（]\d{4}[〕］\])）]\d{1,5}号$/.test(row.docNumber)
  )
    out.push(`文号“${row.docNumber}”不符合“机关代字〔年份〕序号号”的格式`);
  if (!OPEN_SECRECY.has(row.secrecy.trim())) out.push(`密级“${row.secrecy}”：涉密文件不得经本系统归档移交`);
  if (row.pages !== null && row.pages !== undefined && row.pages > 10_000)
    out.push(`页数 ${row.pages} 超出合理范围`);
  return out;
}

/** Containers whose magic bytes file-type reports instead of the format inside. */
const CONTAINER_OF: Record<string, string> = {
  'application/ofd': 'application/zip',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'application/zip',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'application/zip',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'application/zip',
  'application/msword': 'application/x-cfb',
  'application/vnd.ms-excel': 'application/x-cfb',
  'application/vnd.ms-powerpoint': 'application/x-cfb',
};

/**
 * Is the format on the allow-list, judged by magic bytes? `bytesMime` is what the first bytes say
 * (undefined: no known signature); `mime` is the resolved type (bytes, else declared/name). A name
 * or declared type alone is accepted only when the bytes show its container (an .ofd is a zip).
 */
export function formatProblem(
  identified: { bytesMime?: string; mime: string },
  allowList: readonly string[],
): string | undefined {
  const { bytesMime, mime } = identified;
  if (!bytesMime) return `无法从文件头识别格式（声明为 ${mime}）`;
  if (allowList.includes(bytesMime)) return undefined;
  if (allowList.includes(mime) && CONTAINER_OF[mime] === bytesMime) return undefined;
  return `格式 ${mime === bytesMime ? mime : `${mime}（文件头：${bytesMime}）`} 不在允许的归档格式范围内`;
}

/**
 * Minimal PDF structure: `%PDF-` header in the first 1024 bytes, `startxref <offset>` and `%%EOF`
 * near the end. Returns the problem, or the xref offset to look at.
 */
export function pdfTrailer(head: Uint8Array, tail: Uint8Array): { problem: string } | { xrefOffset: number } {
  const h = Buffer.from(head).subarray(0, 1024).toString('latin1');
  if (!h.includes('%PDF-')) return { problem: '缺少 %PDF- 文件头' };
  const t = Buffer.from(tail).toString('latin1');
  if (!/%%EOF\s*$/.test(t) && !t.includes('%%EOF')) return { problem: '缺少 %%EOF 结束标记' };
  const m = /startxref\s+(\d+)\s+%%EOF/g;
  let last: RegExpExecArray | null = null;
  for (let r = m.exec(t); r; r = m.exec(t)) last = r;
  if (!last) return { problem: '缺少 startxref' };
  return { xrefOffset: Number(last[1]) };
}

/** What is at the xref offset: a classic `xref` table or a cross-reference stream object. */
export function xrefLooksValid(bytesAtOffset: Uint8Array): boolean {
  const s = Buffer.from(bytesAtOffset).toString('latin1');
  return /^\s*xref\b/.test(s) || /^\s*\d+\s+\d+\s+obj\b/.test(s);
}

/** EXIF capture time read now vs. the one recorded at capture (both absent = fine). */
export function exifTimeProblem(
  recorded: Date | null,
  actual: Date | undefined,
  toleranceMs = 1000,
): string | undefined {
  if (!recorded && !actual) return undefined;
  if (recorded && !actual) return `记录的拍摄时间 ${recorded.toISOString()}，文件中已无EXIF时间`;
  if (!recorded && actual) return `文件EXIF拍摄时间 ${actual.toISOString()} 未被记录`;
  if (Math.abs(recorded!.getTime() - actual!.getTime()) > toleranceMs)
    return `记录的拍摄时间 ${recorded!.toISOString()}，文件EXIF为 ${actual!.toISOString()}`;
  return undefined;
}
