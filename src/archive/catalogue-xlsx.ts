import ExcelJS from 'exceljs';
import { CATALOGUE_COLUMNS, type CatalogueRow } from '../domain/catalogue.js';
import type { CatalogueHeader } from './catalogue-xml.js';

export const CATALOGUE_SHEET = '归档文件目录';

/**
 * 归档文件目录 as an .xlsx written with exceljs's streaming writer (each row committed, so memory
 * stays flat; no cell styles, which would cost more than the rows): sheet 归档文件目录 with the 2015
 * columns (A4 landscape, header repeated on every printed page), and a 封面 sheet with 全宗号, 全宗名称,
 * 年度, 单位.
 */
export class CatalogueXlsxWriter {
  private readonly wb: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;

  constructor(path: string, h: CatalogueHeader) {
    this.wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: path,
      useSharedStrings: false,
      useStyles: false,
    });
    const cover = this.wb.addWorksheet('封面');
    cover.columns = [
      { key: 'k', width: 14 },
      { key: 'v', width: 40 },
    ];
    for (const [k, v] of [
      ['全宗号', h.fondsCode],
      ['全宗名称', h.fondsName],
      ['单位', h.unitName],
      ['年度', String(h.year)],
      ['生成时间', h.generatedAt],
    ] as const)
      cover.addRow({ k, v }).commit();
    cover.commit();
    this.sheet = this.wb.addWorksheet(CATALOGUE_SHEET, {
      pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
      headerFooter: { oddFooter: '第 &P 页，共 &N 页' },
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    this.sheet.pageSetup.printTitlesRow = '1:1';
    this.sheet.columns = CATALOGUE_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  }

  addRow(row: CatalogueRow): void {
    // 日期 stays text (YYYYMMDD), never a number or a date cell.
    this.sheet.addRow({ ...row, pages: row.pages ?? '' }).commit();
  }

  async close(): Promise<void> {
    this.sheet.commit();
    await this.wb.commit();
  }
}
