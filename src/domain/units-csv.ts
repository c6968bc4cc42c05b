import { DomainError } from '../errors.js';
import { parseUnitKind, UNIT_KIND_HINT, type UnitRecord } from './units.js';

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

/** RFC 4180-ish CSV: quotes, doubled quotes, CRLF, a UTF-8 BOM; blank lines are skipped. */
export function parseCsvRecords(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  const src = text.replace(/^\uFEFF/, '');
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  const endRecord = () => {
    fields.push(field);
    if (fields.some((f) => f.trim() !== ''))
      out.push({ line: startLine, fields: fields.map((f) => f.trim()) });
    fields = [];
    field = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      startLine = ++line;
    } else {
      field += c;
    }
  }
  if (field !== '' || fields.length > 0) endRecord();
  return out;
}

/**
 * Maps the header row to column indexes. `columns` lists each wanted column with its accepted
 * header words; missing required ones are an error naming the file.
 */
export function csvColumns<K extends string>(
  header: CsvRecord | undefined,
  columns: Record<K, { names: string[]; required: boolean }>,
  fileName: string,
): Record<K, number> {
  if (!header) throw new DomainError('csv_empty', `${fileName}: 文件是空的`);
  const names = header.fields.map((f) => f.toLowerCase());
  const out = {} as Record<K, number>;
  const missing: string[] = [];
  for (const [key, spec] of Object.entries(columns) as [K, { names: string[]; required: boolean }][]) {
    out[key] = names.findIndex((n) => spec.names.includes(n));
    if (out[key] < 0 && spec.required) missing.push(spec.names[0]!);
  }
  if (missing.length > 0)
    throw new DomainError('csv_header', `${fileName} 第 ${header.line} 行: 表头缺少列 ${missing.join(', ')}`);
  return out;
}

/** Units CSV: code,name,kind,parent_code (Chinese headers 编码,名称,类型,上级编码 also accepted). */
export function parseUnitsCsv(text: string, fileName: string): UnitRecord[] {
  const [header, ...rows] = parseCsvRecords(text);
  const col = csvColumns(
    header,
    {
      code: { names: ['code', '编码', '代码'], required: true },
      name: { names: ['name', '名称'], required: true },
      kind: { names: ['kind', '类型', '级别'], required: true },
      parent: { names: ['parent_code', '上级编码', '上级代码'], required: false },
    },
    fileName,
  );
  const errors: string[] = [];
  const records: UnitRecord[] = [];
  for (const { line, fields } of rows) {
    const code = fields[col.code] ?? '';
    const name = fields[col.name] ?? '';
    const kindWord = fields[col.kind] ?? '';
    const kind = parseUnitKind(kindWord);
    if (!code) errors.push(`${fileName} 第 ${line} 行: 缺少编码`);
    if (!name) errors.push(`${fileName} 第 ${line} 行: 缺少名称`);
    if (!kind) errors.push(`${fileName} 第 ${line} 行: 类型 "${kindWord}" 不对，应为 ${UNIT_KIND_HINT}`);
    if (code && name && kind)
      records.push({ code, name, kind, parentCode: (col.parent >= 0 && fields[col.parent]) || null, line });
  }
  if (errors.length > 0) throw new DomainError('units_invalid', errors.join('\n'));
  return records;
}
