import ExcelJS from 'exceljs';
import { CATALOGUE_COLUMNS, type CatalogueRow } from '../domain/catalogue.js';
import { COVER_SHEET, orgText, retentionText, type CatalogueClass } from '../domain/catalogue-class.js';
import type { CatalogueHeader } from './catalogue-xml.js';
import { xmlSafeRow, xmlText } from './xml-escape.js';

/** Columns of the cover table: one row per catalogue (class) of the package. */
export const COVER_COLUMNS = [
  { key: 'code', header: '目录（类别代码）', width: 22 },
  { key: 'fonds', header: '全宗号', width: 10 },
  { key: 'category', header: '门类', width: 8 },
  { key: 'year', header: '年度', width: 8 },
  { key: 'retention', header: '保管期限', width: 16 },
  { key: 'org', header: '机构(问题)', width: 20 },
  { key: 'items', header: '件数', width: 8 },
  { key: 'withdrawn', header: '停用件号', width: 10 },
  { key: 'range', header: '起止件号', width: 14 },
  { key: 'sheet', header: '工作表', width: 22 },
] as const;

const PAGE_SETUP: Partial<ExcelJS.PageSetup> = {
  paperSize: 9,
  orientation: 'landscape',
  fitToPage: true,
  fitToWidth: 1,
  fitToHeight: 0,
};

/** Header/footer text is a format string: a literal & is written &&. */
const hf = (s: string) => xmlText(s).replace(/&/g, '&&');

/**
 * 归档文件目录 as an .xlsx written with exceljs's streaming writer (each row committed, so memory
 * stays flat; no cell styles, which would cost more than the rows). Sheet 封面 first: the package
 * (全宗号, 全宗名称, 单位, 年度) and a table with one row per catalogue (目录, 门类, 年度, 保管期限,
 * 机构(问题), 件数, 起止件号). Then one sheet per class, named by its code, with the 2015 columns and 序号
 * from 1 (A4 landscape, header row repeated on every printed page, the cover facts in the page header).
 * Classes are written one after the other: `beginClass`, its rows, the next `beginClass` or `close`.
 */
export class CatalogueXlsxWriter {
  private readonly wb: ExcelJS.stream.xlsx.WorkbookWriter;
  private sheet: ExcelJS.Worksheet | undefined;

  constructor(
    path: string,
    private readonly h: CatalogueHeader,
    classes: CatalogueClass[],
  ) {
    this.wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: path,
      useSharedStrings: false,
      useStyles: false,
    });
    const cover = this.wb.addWorksheet(COVER_SHEET, {
      pageSetup: PAGE_SETUP,
      headerFooter: { oddFooter: '第 &P 页，共 &N 页' },
    });
    cover.columns = COVER_COLUMNS.map((c) => ({ key: c.key, width: c.width }));
    const line = (label: string, value: string) =>
      cover.addRow(xmlSafeRow({ code: label, fonds: value })).commit();
    cover.addRow({ code: '归档文件目录 封面' }).commit();
    line('全宗号', h.fondsCode);
    line('全宗名称', h.fondsName);
    line('单位', h.unitName);
    line('年度', String(h.year));
    line('生成时间', h.generatedAt);
    cover.addRow({}).commit();
    cover.addRow(Object.fromEntries(COVER_COLUMNS.map((c) => [c.key, c.header]))).commit();
    for (const c of classes)
      cover
        .addRow(
          xmlSafeRow({
            code: c.code,
            fonds: c.fondsCode,
            category:
              c.categoryName === c.categoryCode ? c.categoryCode : `${c.categoryName}（${c.categoryCode}）`,
            year: c.year,
            retention: retentionText(c),
            org: orgText(c),
            items: c.items,
            withdrawn: c.withdrawn,
            range: c.pieceRange,
            sheet: c.sheetName,
          }),
        )
        .commit();
    cover.commit();
  }

  /** Starts the catalogue of the next class (commits the previous one). */
  beginClass(c: CatalogueClass): void {
    this.sheet?.commit();
    const left = `全宗号：${c.fondsCode}  ${Array.from(c.fondsName).slice(0, 40).join('')}`;
    const center = `归档文件目录  ${c.code}`;
    const right = [`${c.year}年度`, c.retentionName || c.retentionCode, c.orgName || c.orgCode]
      .filter(Boolean)
      .join('  ');
    this.sheet = this.wb.addWorksheet(c.sheetName, {
      pageSetup: { ...PAGE_SETUP },
      headerFooter: {
        oddHeader: `&L${hf(left)}&C${hf(center)}&R${hf(right)}`,
        oddFooter: '第 &P 页，共 &N 页',
      },
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    this.sheet.pageSetup.printTitlesRow = '1:1';
    this.sheet.columns = CATALOGUE_COLUMNS.map((col) => ({
      header: col.header,
      key: col.key,
      width: col.width,
    }));
  }

  /** A row of the current class's catalogue. */
  addRow(row: CatalogueRow): void {
    if (!this.sheet) throw new Error('CatalogueXlsxWriter.addRow before beginClass');
    // 日期 stays text (YYYYMMDD), never a number or a date cell.
    // Every string through the XML writer's filter: U+FFFE in a caption would make the sheet malformed.
    this.sheet.addRow(xmlSafeRow({ ...row, pages: row.pages ?? '' })).commit();
  }

  async close(): Promise<void> {
    this.sheet?.commit();
    await this.wb.commit();
  }
}
