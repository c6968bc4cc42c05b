import { DomainError } from '../errors.js';

export type TextEncodingName = 'UTF-8' | 'UTF-8 (BOM)' | 'GBK';

export interface DecodedText {
  text: string;
  /** Which encoding was used, to tell the operator (never guessed silently). */
  encoding: TextEncodingName;
}

const lineOf = (bytes: Uint8Array, offset: number): number => {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
};

/** The 1-based line of the first line that `decode` refuses. */
const firstBadLine = (bytes: Uint8Array, decode: (b: Uint8Array) => string | undefined): number => {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    if (decode(bytes.subarray(start, i)) === undefined) return line;
    line++;
    start = i + 1;
  }
  return line;
};

const strict = (bytes: Uint8Array, label: string): string | undefined => {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
};

/**
 * ICU's GBK decoder maps bytes outside GBK (0xFF, the user-defined areas) to the Private Use Area
 * instead of failing; no office table holds those, so they count as "not GBK".
 */
const PRIVATE_USE = /[\uE000-\uF8FF]/;
const strictGbk = (bytes: Uint8Array): string | undefined => {
  const text = strict(bytes, 'gbk');
  return text === undefined || PRIVATE_USE.test(text) ? undefined : text;
};

/**
 * Decodes a CSV/YAML file saved by WPS, Excel or a text editor: UTF-8 with or without a BOM when
 * that decodes strictly, else GBK (what Chinese Windows saves as "CSV"), strictly too. Binary files
 * (a NUL byte) and UTF-16 ("Unicode text") are refused, naming the line; so is text that is
 * neither UTF-8 nor GBK.
 */
export function decodeTextFile(bytes: Uint8Array, fileName: string): DecodedText {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    throw new DomainError(
      'file_encoding',
      `${fileName}: 是 UTF-16 编码（"Unicode 文本"），请在 Excel/WPS 里另存为 “CSV UTF-8” 或 .xlsx`,
    );
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    throw new DomainError(
      'file_binary',
      `${fileName} 第 ${lineOf(bytes, nul)} 行: 含有二进制内容（NUL 字节），不是 CSV 文本文件`,
    );
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const utf8 = strict(bom ? bytes.subarray(3) : bytes, 'utf-8');
  const gbk = utf8 === undefined ? strictGbk(bytes) : undefined;
  const decoded: DecodedText | undefined =
    utf8 !== undefined
      ? { text: utf8, encoding: bom ? 'UTF-8 (BOM)' : 'UTF-8' }
      : gbk !== undefined
        ? { text: gbk, encoding: 'GBK' }
        : undefined;
  if (!decoded)
    throw new DomainError(
      'file_encoding',
      `${fileName} 第 ${firstBadLine(bytes, strictGbk)} 行: 既不是 UTF-8 也不是 GBK 编码的文本（是二进制文件，或混用了编码）`,
    );
  const control = CONTROL.exec(decoded.text);
  if (control)
    throw new DomainError(
      'file_binary',
      `${fileName} 第 ${decoded.text.slice(0, control.index).split('\n').length} 行: 含有控制字符，不是 CSV 文本文件`,
    );
  return decoded;
}

/** Control characters other than tab, line feed and carriage return: not in any text table. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
