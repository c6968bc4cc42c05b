import type ExcelJS from 'exceljs';
import { RETENTION_PERIOD_NAMES } from '../domain/catalogue-class.js';
import {
  VOLUME_COLUMNS,
  VOLUME_INDEX_COLUMNS,
  VOLUME_INDEX_SHEET,
  volumeNote,
  type HouseholdVolume,
} from '../domain/household-volume.js';
import type { CatalogueHeader } from './catalogue-xml.js';
import { xmlSafeRow } from './xml-escape.js';
import { CATALOGUE_PAGE_SETUP, hf, styleRow, TITLE } from './xlsx-print-style.js';

/**
 * 一户一卷's 卷内目录 as a workbook (其他/一户一卷卷内目录.xlsx), printed like the 归档文件目录 (宋体,
 * borders, wrapped text, A4 landscape): sheet 卷目录 lists the volumes (村, 户号, 户主, 件数, 门类,
 * 保管期限, 控制标识, 工作表); then one sheet per household: its 卷内目录 (序号, 档号, 责任者, 题名, 日期,
 * 页数, 备注) with the header row repeated, page numbers from 1 per volume, the page header naming
 * the household and the footer the volume, and the 卷内备考表 below (what it holds, 立卷人, 检查人).
 */
export async function writeHouseholdVolumesXlsx(
  path: string,
  h: Pick<CatalogueHeader, 'fondsCode' | 'fondsName' | 'year'>,
  volumes: readonly HouseholdVolume[],
): Promise<void> {
  const { default: excel } = await import('exceljs');
  const wb = new excel.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: false,
    useStyles: true,
  });
  writeIndex(wb, h, volumes);
  for (const v of volumes) writeVolume(wb, h, v);
  await wb.commit();
}

const retentionName = (v: HouseholdVolume) => RETENTION_PERIOD_NAMES[v.retention];

function writeIndex(
  wb: ExcelJS.stream.xlsx.WorkbookWriter,
  h: Pick<CatalogueHeader, 'fondsCode' | 'fondsName' | 'year'>,
  volumes: readonly HouseholdVolume[],
): void {
  const sheet = wb.addWorksheet(VOLUME_INDEX_SHEET, {
    pageSetup: { ...CATALOGUE_PAGE_SETUP },
    headerFooter: {
      oddHeader: `&L${hf(`全宗号：${h.fondsCode}`)}&C${hf('一户一卷 卷目录')}&R${hf(`${h.year}年度`)}`,
      oddFooter: `&L${hf(VOLUME_INDEX_SHEET)}&C第 &P 页`,
    },
    views: [{ state: 'frozen', ySplit: 1 }],
  });
  sheet.pageSetup.printTitlesRow = '1:1';
  const keys = VOLUME_INDEX_COLUMNS.map((c) => c.key);
  sheet.columns = VOLUME_INDEX_COLUMNS.map((c) => ({ key: c.key, width: c.width }));
  const head = sheet.addRow(Object.fromEntries(VOLUME_INDEX_COLUMNS.map((c) => [c.key, c.header])));
  styleRow(head, keys, true);
  head.commit();
  volumes.forEach((v, i) => {
    const row = sheet.addRow(
      xmlSafeRow({
        seq: i + 1,
        unit: v.unitName,
        code: v.householdCode,
        head: v.headName,
        group: v.groupName ?? '',
        items: v.rows.length,
        pages: v.pages,
        categories: v.categories.join('、'),
        retention: retentionName(v),
        control: '控制',
        sheet: v.sheetName,
      }),
    );
    styleRow(row, keys);
    row.commit();
  });
  sheet.commit();
}

function writeVolume(
  wb: ExcelJS.stream.xlsx.WorkbookWriter,
  h: Pick<CatalogueHeader, 'fondsCode' | 'fondsName' | 'year'>,
  v: HouseholdVolume,
): void {
  const who = `${v.unitName}${v.groupName ? ` ${v.groupName}` : ''} ${v.headName}户（户号 ${v.householdCode}）`;
  const sheet = wb.addWorksheet(v.sheetName, {
    pageSetup: { ...CATALOGUE_PAGE_SETUP },
    headerFooter: {
      oddHeader: `&L${hf(`全宗号：${h.fondsCode}`)}&C${hf(`卷内目录  ${who}`)}&R${hf(`${h.year}年度  ${retentionName(v)}  控制`)}`,
      // Page numbers per volume (firstPageNumber 1), the footer naming the volume.
      oddFooter: `&L${hf(`卷内目录 ${v.unitName}-${v.householdCode} ${v.headName}户`)}&C第 &P 页`,
    },
    views: [{ state: 'frozen', ySplit: 1 }],
  });
  sheet.pageSetup.printTitlesRow = '1:1';
  const keys = VOLUME_COLUMNS.map((c) => c.key);
  sheet.columns = VOLUME_COLUMNS.map((c) => ({ key: c.key, width: c.width }));
  const head = sheet.addRow(Object.fromEntries(VOLUME_COLUMNS.map((c) => [c.key, c.header])));
  head.height = 20;
  styleRow(head, keys, true);
  head.commit();
  for (const r of v.rows) {
    const row = sheet.addRow(
      xmlSafeRow({
        seq: r.seq,
        archivalCode: r.archivalCode,
        responsible: r.responsible,
        title: r.title,
        date: r.date,
        pages: r.pages ?? '',
        remarks: r.remarks,
      }),
    );
    styleRow(row, keys);
    row.commit();
  }
  sheet.addRow({}).commit();
  const title = sheet.addRow({ archivalCode: '卷内备考表' });
  title.getCell(2).style = { ...TITLE, font: { ...TITLE.font, size: 12 } };
  title.commit();
  sheet.addRow(xmlSafeRow({ archivalCode: '本卷情况说明', title: volumeNote(v) })).commit();
  for (const label of ['立卷人：', '检查人：', '立卷时间：']) sheet.addRow({ archivalCode: label }).commit();
  sheet.commit();
}
