import { writeFile } from 'node:fs/promises';
import { xmlSafeRow } from './xml-escape.js';
import { localDateTime } from '../domain/catalogue-date.js';
import {
  CHECK_LABELS,
  PROPERTIES,
  PROPERTY_LABELS,
  type FourPropertiesReport,
  type Property,
} from '../domain/four-properties.js';

export const REPORT_JSON = '四性检测报告.json';
export const REPORT_XLSX = '四性检测报告.xlsx';

export async function writeReportJson(path: string, report: FourPropertiesReport): Promise<void> {
  await writeFile(path, JSON.stringify(report, null, 2) + '\n', 'utf8');
}

/**
 * A property's verdict: 不通过 on any failure; 未检 when none of its 检测项目 ran, 部分未检 when some did
 * not (e.g. 安全性 without a virus scanner), else 通过.
 */
function propertyVerdict(report: FourPropertiesReport, p: Property, failed: number): string {
  if (failed) return '不通过';
  const rows = report.table.filter((r) => r.property === p);
  const unchecked = rows.filter((r) => r.result === '未检').length;
  if (rows.length > 0 && unchecked === rows.length) return '未检';
  return unchecked > 0 ? '部分未检' : '通过';
}

/**
 * The report as a workbook: 检测表 (DA/T 70: one row per 检测项目, 检测依据, 通过/不通过/未检), 汇总 (per
 * property) and 问题清单 (every failure and warning with its item).
 */
export async function writeReportXlsx(path: string, report: FourPropertiesReport): Promise<void> {
  // Loaded when a report is written, not at every start.
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: false,
    useStyles: false,
  });
  const table = wb.addWorksheet('检测表', {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  table.columns = [
    { header: '序号', key: 'no', width: 6 },
    { header: '性质', key: 'property', width: 8 },
    { header: '检测项目', key: 'name', width: 30 },
    { header: '检测依据', key: 'basis', width: 44 },
    { header: '检测结果', key: 'result', width: 10 },
    { header: '不合格数', key: 'failed', width: 10 },
    { header: '提示数', key: 'warnings', width: 8 },
    { header: '说明', key: 'note', width: 36 },
  ];
  for (const r of report.table)
    table.addRow(xmlSafeRow({ ...r, property: PROPERTY_LABELS[r.property] })).commit();
  table.commit();

  const summary = wb.addWorksheet('汇总');
  summary.columns = [
    { header: '检测项', key: 'name', width: 16 },
    { header: '检测数', key: 'checked', width: 12 },
    { header: '不合格数', key: 'failed', width: 12 },
    { header: '结论', key: 'verdict', width: 12 },
  ];
  for (const p of PROPERTIES) {
    const s = report.summary[p];
    summary
      .addRow(
        xmlSafeRow({
          name: PROPERTY_LABELS[p],
          checked: s.checked,
          failed: s.failed,
          verdict: propertyVerdict(report, p, s.failed),
        }),
      )
      .commit();
  }
  summary.addRow(xmlSafeRow({})).commit();
  const scope = [
    report.scope.unitName,
    report.scope.year ? `${report.scope.year}年度` : '',
    report.scope.package,
  ]
    .filter(Boolean)
    .join(' ');
  summary.addRow(xmlSafeRow({ name: '范围', checked: scope || '全部' })).commit();
  summary.addRow(xmlSafeRow({ name: '检测时间', checked: checkedAt(report) })).commit();
  summary
    .addRow(
      xmlSafeRow({
        name: '条目/文件',
        checked: `${report.totals.records} 条（停用 ${report.totals.withdrawn}）/ ${report.totals.files} 个`,
      }),
    )
    .commit();
  summary
    .addRow(xmlSafeRow({ name: '病毒检查', checked: report.virusScan === 'ran' ? '已执行' : '未配置' }))
    .commit();
  summary.addRow(xmlSafeRow({ name: '总体结论', checked: report.passed ? '通过' : '不通过' })).commit();
  summary.commit();

  const list = wb.addWorksheet('问题清单');
  list.columns = [
    { header: '序号', key: 'seq', width: 8 },
    { header: '性质', key: 'property', width: 10 },
    { header: '检测项', key: 'check', width: 22 },
    { header: '级别', key: 'severity', width: 8 },
    { header: '档号', key: 'archivalCode', width: 28 },
    { header: '条目ID', key: 'itemId', width: 10 },
    { header: '材料ID', key: 'materialId', width: 10 },
    { header: '文件', key: 'file', width: 40 },
    { header: '说明', key: 'message', width: 60 },
  ];
  report.failures.forEach((f, i) =>
    list
      .addRow(
        xmlSafeRow({
          seq: i + 1,
          property: PROPERTY_LABELS[f.property],
          check: CHECK_LABELS[f.check],
          severity: f.severity === 'error' ? '不合格' : '提示',
          archivalCode: f.archivalCode ?? '',
          itemId: f.itemId ?? '',
          materialId: f.materialId ?? '',
          file: f.file ?? '',
          message: f.message,
        }),
      )
      .commit(),
  );
  list.commit();
  await wb.commit();
}

/** 检测时间 as people read it, in the deployment's zone like 说明文件's 制作时间 (not UTC's 01:00 for 09:00). */
function checkedAt(report: FourPropertiesReport): string {
  const tz = report.timeZone;
  return tz ? `${localDateTime(new Date(report.generatedAt), tz)}（${tz}）` : report.generatedAt;
}
