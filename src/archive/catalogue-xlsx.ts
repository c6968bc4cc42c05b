import { createWriteStream, type WriteStream } from 'node:fs';
import type ExcelJS from 'exceljs';
import { CATALOGUE_COLUMNS, PHOTO_CATALOGUE_COLUMNS, type CatalogueRow } from '../domain/catalogue.js';
import type { PhotoEntry } from '../domain/photo-entries.js';
import {
  COVER_SHEET,
  NOTES_SHEET,
  classNoteText,
  orgText,
  retentionText,
  type CatalogueClass,
} from '../domain/catalogue-class.js';
import type { CatalogueHeader } from './catalogue-xml.js';
import { xmlSafeRow } from './xml-escape.js';
import { CATALOGUE_PAGE_SETUP as PAGE_SETUP, hf, styleRow, TITLE } from './xlsx-print-style.js';

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

const KEYS = CATALOGUE_COLUMNS.map((c) => c.key);

/**
 * 归档文件目录 as an .xlsx written with exceljs's streaming writer (each row committed, so memory
 * stays flat), ready to print: 宋体, thin borders on every cell, long 题名 wrapped, column widths that
 * fit A4 landscape, the header row repeated and page numbers from 1 in each catalogue (footer names
 * the catalogue). Sheet 封面 first: the package
 * (全宗号, 全宗名称, 单位, 年度) and a table with one row per catalogue (目录, 门类, 年度, 保管期限,
 * 机构(问题), 件数, 起止件号). Then one sheet per class, named by its code, with the 2015 columns and 序号
 * from 1 (A4 landscape, header row repeated on every printed page, the cover facts in the page header).
 * Classes are written one after the other: `beginClass`, its rows, the next `beginClass` or `close`.
 */
export class CatalogueXlsxWriter {
  private readonly wb: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly out: WriteStream;
  /** The file could not be made or written (told at close: exceljs listens only once it commits). */
  private failed: Error | undefined;
  private sheet: ExcelJS.Worksheet | undefined;
  private current: CatalogueClass | undefined;
  /** The current photo class's 照片目录 rows, written as its own sheet after the class's. */
  private photoRows: Record<string, string | number>[] = [];

  /** Loads exceljs when a catalogue is written (at start-up it would cost a quarter of a second). */
  static async open(
    path: string,
    h: CatalogueHeader,
    classes: CatalogueClass[],
  ): Promise<CatalogueXlsxWriter> {
    const { default: excel } = await import('exceljs');
    return new CatalogueXlsxWriter(excel, path, h, classes);
  }

  private constructor(
    excel: typeof ExcelJS,
    path: string,
    private readonly h: CatalogueHeader,
    classes: CatalogueClass[],
  ) {
    // Our own stream: a new file (never over another), and one an export that fails can close.
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o644 });
    this.out.on('error', (err) => (this.failed ??= err));
    this.wb = new excel.stream.xlsx.WorkbookWriter({
      stream: this.out,
      useSharedStrings: false,
      useStyles: true,
    });
    const cover = this.wb.addWorksheet(COVER_SHEET, {
      pageSetup: PAGE_SETUP,
      headerFooter: { oddFooter: `&L${COVER_SHEET}&C第 &P 页` },
    });
    cover.columns = COVER_COLUMNS.map((c) => ({ key: c.key, width: c.width }));
    const line = (label: string, value: string) =>
      cover.addRow(xmlSafeRow({ code: label, fonds: value })).commit();
    const title = cover.addRow({ code: '归档文件目录 封面' });
    title.getCell(1).style = TITLE;
    title.commit();
    line('全宗号', h.fondsCode);
    line('全宗名称', h.fondsName);
    line('单位', h.unitName);
    line('年度', String(h.year));
    line('生成时间', h.generatedAt);
    cover.addRow({}).commit();
    const coverKeys = COVER_COLUMNS.map((c) => c.key);
    const head = cover.addRow(Object.fromEntries(COVER_COLUMNS.map((c) => [c.key, c.header])));
    styleRow(head, coverKeys, true);
    head.commit();
    for (const c of classes) {
      const row = cover.addRow(
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
      );
      styleRow(row, coverKeys);
      row.commit();
    }
    cover.commit();
    this.classes = classes;
  }

  private readonly classes: CatalogueClass[];

  /** Starts the catalogue of the next class (commits the previous one). */
  beginClass(c: CatalogueClass): void {
    this.sheet?.commit();
    this.writePhotoSheet();
    this.current = c;
    const left = `全宗号：${c.fondsCode}  ${Array.from(c.fondsName).slice(0, 40).join('')}`;
    const center = `归档文件目录  ${c.code}`;
    const right = [`${c.year}年度`, c.retentionName || c.retentionCode, c.orgName || c.orgCode]
      .filter(Boolean)
      .join('  ');
    this.sheet = this.addCatalogueSheet(
      c.sheetName,
      [left, center, right],
      `目录 ${c.code}`,
      CATALOGUE_COLUMNS,
    );
  }

  private addCatalogueSheet(
    name: string,
    [left, center, right]: string[],
    footer: string,
    columns: readonly { key: string; header: string; width: number }[],
  ): ExcelJS.Worksheet {
    const sheet = this.wb.addWorksheet(name, {
      pageSetup: { ...PAGE_SETUP },
      headerFooter: {
        oddHeader: `&L${hf(left!)}&C${hf(center!)}&R${hf(right!)}`,
        // Page numbers per catalogue (firstPageNumber 1), the footer naming the catalogue.
        oddFooter: `&L${hf(footer)}&C第 &P 页`,
      },
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    sheet.pageSetup.printTitlesRow = '1:1';
    sheet.columns = columns.map((col) => ({ key: col.key, width: col.width }));
    const head = sheet.addRow(Object.fromEntries(columns.map((col) => [col.key, col.header])));
    head.height = 20;
    styleRow(
      head,
      columns.map((col) => col.key),
      true,
    );
    head.commit();
    return sheet;
  }

  /** A photo of the current (photo) class, for its 照片目录. */
  addPhotoRow(p: PhotoEntry): void {
    this.photoRows.push({
      seq: this.photoRows.length + 1,
      photoNumber: p.photoNumber,
      note: p.note,
      date: p.date,
      photographer: p.photographer,
      background: p.background,
      seeAlso: p.seeAlso.join('；'),
    });
  }

  private writePhotoSheet(): void {
    const c = this.current;
    const rows = this.photoRows;
    this.photoRows = [];
    if (!c || rows.length === 0) return;
    const keys = PHOTO_CATALOGUE_COLUMNS.map((col) => col.key);
    const sheet = this.addCatalogueSheet(
      c.photoSheetName ?? `${c.sheetName}-照片`,
      [
        `全宗号：${c.fondsCode}`,
        `照片目录  ${c.code}`,
        `${c.year}年度  ${c.retentionName || c.retentionCode}`,
      ],
      `照片目录 ${c.code}`,
      PHOTO_CATALOGUE_COLUMNS,
    );
    for (const r of rows) {
      const added = sheet.addRow(xmlSafeRow(r));
      styleRow(added, keys);
      added.commit();
    }
    sheet.commit();
  }

  /** A row of the current class's catalogue. */
  addRow(row: CatalogueRow): void {
    if (!this.sheet) throw new Error('CatalogueXlsxWriter.addRow before beginClass');
    // 日期 stays text (YYYYMMDD), never a number or a date cell.
    // Every string through the XML writer's filter: U+FFFE in a caption would make the sheet malformed.
    const added = this.sheet.addRow(xmlSafeRow({ ...row, pages: row.pages ?? '' }));
    styleRow(added, KEYS);
    added.commit();
  }

  async close(): Promise<void> {
    this.sheet?.commit();
    this.writePhotoSheet();
    this.writeNotes();
    if (this.failed) throw this.failed;
    await this.wb.commit();
  }

  /** Gives up the workbook (the export failed): its file's descriptor is closed. */
  abort(): void {
    this.out.destroy();
  }

  /** 备考表: per catalogue what it holds (件数, 停用件号, 起止件号), then 整理人 / 检查人 / 日期 to sign. */
  private writeNotes(): void {
    const notes = this.wb.addWorksheet(NOTES_SHEET, {
      pageSetup: { ...PAGE_SETUP, orientation: 'portrait' },
      headerFooter: { oddFooter: `&L${hf(NOTES_SHEET)}&C第 &P 页` },
    });
    const keys = ['code', 'items', 'withdrawn', 'range', 'note'];
    notes.columns = [
      { key: 'code', width: 22 },
      { key: 'items', width: 8 },
      { key: 'withdrawn', width: 10 },
      { key: 'range', width: 14 },
      { key: 'note', width: 40 },
    ];
    const title = notes.addRow({ code: NOTES_SHEET });
    title.getCell(1).style = TITLE;
    title.commit();
    const head = notes.addRow({
      code: '目录',
      items: '件数',
      withdrawn: '停用件号',
      range: '起止件号',
      note: '情况说明',
    });
    styleRow(head, keys, true);
    head.commit();
    for (const c of this.classes) {
      const row = notes.addRow(
        xmlSafeRow({
          code: c.code,
          items: c.items,
          withdrawn: c.withdrawn,
          range: c.pieceRange,
          note: classNoteText(c),
        }),
      );
      styleRow(row, keys);
      row.commit();
    }
    notes.addRow({}).commit();
    for (const label of ['整理人：', '检查人：', '日期：']) notes.addRow({ code: label }).commit();
    notes.commit();
  }
}
