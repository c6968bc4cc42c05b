/**
 * How the package's printable workbooks look (归档文件目录, 卷内目录): A4 landscape fitted to the
 * width, page numbers from 1 per sheet, 宋体, thin borders on every cell, wrapped text.
 */
import type ExcelJS from 'exceljs';
import { xmlText } from './xml-escape.js';

export const CATALOGUE_PAGE_SETUP: Partial<ExcelJS.PageSetup> = {
  paperSize: 9,
  orientation: 'landscape',
  fitToPage: true,
  fitToWidth: 1,
  fitToHeight: 0,
  // Each catalogue (sheet) numbers its own pages from 1, also when the whole workbook is printed.
  firstPageNumber: 1,
  horizontalCentered: true,
  margins: { left: 0.5, right: 0.5, top: 0.75, bottom: 0.75, header: 0.3, footer: 0.3 },
};

const FONT = { name: '宋体', size: 10 } as const;
const thin = { style: 'thin' } as const;
const BORDER = { top: thin, left: thin, bottom: thin, right: thin } as const;
/** One shared style object per kind of cell (the streaming writer keeps a table of distinct styles). */
const CELL: Partial<ExcelJS.Style> = {
  font: FONT,
  border: BORDER,
  alignment: { vertical: 'middle', horizontal: 'left', wrapText: true },
};
const CENTERED: Partial<ExcelJS.Style> = {
  ...CELL,
  alignment: { vertical: 'middle', horizontal: 'center', wrapText: true },
};
const HEADER: Partial<ExcelJS.Style> = { ...CENTERED, font: { ...FONT, bold: true } };
export const TITLE: Partial<ExcelJS.Style> = {
  font: { name: '宋体', size: 16, bold: true },
  alignment: { vertical: 'middle', horizontal: 'center' },
};
/** Columns printed centred: 序号, 日期, 密级, 页数. */
const CENTERED_KEYS = new Set(['seq', 'date', 'secrecy', 'pages']);

export function styleRow(row: ExcelJS.Row, keys: readonly string[], header = false): void {
  keys.forEach((key, i) => {
    row.getCell(i + 1).style = header ? HEADER : CENTERED_KEYS.has(key) ? CENTERED : CELL;
  });
}

/** Header/footer text is a format string: a literal & is written &&. */
export const hf = (s: string) => xmlText(s).replace(/&/g, '&&');
