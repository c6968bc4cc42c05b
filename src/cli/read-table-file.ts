import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decodeTextFile } from '../domain/decode-text-file.js';
import { parseCsvRecords, type CsvRecord } from '../domain/units-csv.js';
import { DomainError, errorMessage } from '../errors.js';
import { processUserName } from '../process-user.js';

/** A people or units table is a few thousand rows; anything this big is the wrong file. */
export const TABLE_FILE_MAX_BYTES = 10 * 1024 * 1024;

export interface TableFile {
  fileName: string;
  /** The header row first; `line` is the CSV line or the worksheet row number. */
  records: CsvRecord[];
  /** For the operator: 'CSV，UTF-8 编码', 'CSV，GBK 编码', 'Excel 工作表「人员」'. */
  source: string;
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0];
const startsWith = (bytes: Buffer, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/** Reads the whole file, refusing one over `maxBytes` before reading it. */
export async function readFileCapped(path: string, maxBytes = TABLE_FILE_MAX_BYTES): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new DomainError('file_unreadable', unreadable(path, err), { cause: err });
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory())
      throw new DomainError(
        'file_unreadable',
        `${path} 是一个文件夹，不是表格文件：请在后面写上文件名，例如 ${join(path, '表格.xlsx')}`,
      );
    const { size } = stat;
    if (size > maxBytes)
      throw new DomainError(
        'file_too_large',
        `${basename(path)}: 文件有 ${(size / 1024 / 1024).toFixed(1)} MB，超过 ${maxBytes / 1024 / 1024} MB 的上限（人员表、单位表通常不到 1 MB，是不是选错了文件？）`,
      );
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Why a table file could not be opened, in words (an IT person's typo, or a file in /root that the
 * service user may not read): `ENOENT: no such file or directory, open …` said it in English.
 */
function unreadable(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return `找不到文件 ${path}：没有这个文件（路径或文件名写错了？当前目录是 ${process.cwd()}）`;
  if (code === 'ENOTDIR') return `找不到文件 ${path}：路径中间有一段不是文件夹`;
  if (code === 'EACCES' || code === 'EPERM')
    return `读不了文件 ${path}：运行命令的用户 ${processUserName()} 没有权限读它。请把文件放到这个用户读得到的地方（例如 /tmp），或改一下文件的权限`;
  return `读不到文件 ${path}: ${errorMessage(err)}`;
}

/**
 * A table from a CSV file (UTF-8 with or without BOM, or GBK: see decodeTextFile) or the first
 * worksheet of an .xlsx workbook (recognised by its bytes, not its name). Old .xls files and other
 * binaries are refused with a message saying what to do.
 */
export async function readTableFile(path: string, maxBytes = TABLE_FILE_MAX_BYTES): Promise<TableFile> {
  const fileName = basename(path);
  const bytes = await readFileCapped(path, maxBytes);
  if (startsWith(bytes, OLE))
    throw new DomainError(
      'file_format',
      `${fileName}: 是旧版 Excel（.xls），请在 Excel/WPS 里另存为 .xlsx 或 CSV`,
    );
  if (startsWith(bytes, ZIP)) return readWorkbook(bytes, fileName);
  const { text, encoding } = decodeTextFile(bytes, fileName);
  return { fileName, records: parseCsvRecords(text), source: `CSV，${encoding} 编码` };
}

async function readWorkbook(bytes: Buffer, fileName: string): Promise<TableFile> {
  // Loaded only for a workbook: exceljs costs a quarter of a second of every CLI start otherwise.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new DomainError('file_format', `${fileName}: 不是有效的 .xlsx 工作簿（${errorMessage(err)}）`);
  }
  const sheet = workbook.worksheets.find((s) => s.actualRowCount > 0);
  if (!sheet) throw new DomainError('csv_empty', `${fileName}: 工作簿是空的`);
  const records: CsvRecord[] = [];
  const width = sheet.columnCount;
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const fields: string[] = [];
    // cell.text renders numbers (a mobile typed as a number), dates, hyperlinks (emails) and rich text.
    for (let c = 1; c <= width; c++) fields.push(row.getCell(c).text.trim());
    if (fields.some((f) => f !== '')) records.push({ line: rowNumber, fields });
  });
  return { fileName, records, source: `Excel 工作表「${sheet.name}」` };
}
