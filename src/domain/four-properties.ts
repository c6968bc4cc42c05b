import { fourPropertiesTable, type TableRow } from './four-properties-table.js';

/**
 * DA/T 70 four-properties (四性) check: authenticity 真实性, integrity 完整性, usability 可用性,
 * security 安全性. The report lists every failure with its item; nothing is ever "fixed".
 */

export type Property = 'authenticity' | 'integrity' | 'usability' | 'security';

export const PROPERTIES: readonly Property[] = ['authenticity', 'integrity', 'usability', 'security'];

export const PROPERTY_LABELS: Record<Property, string> = {
  authenticity: '真实性',
  integrity: '完整性',
  usability: '可用性',
  security: '安全性',
};

export type CheckCode =
  // authenticity
  | 'hash_mismatch'
  | 'hash_missing'
  | 'size_mismatch'
  | 'type_mismatch'
  | 'exif_time_mismatch'
  | 'field_out_of_range'
  | 'schema_invalid'
  | 'readme_incomplete'
  // integrity
  | 'file_missing'
  | 'field_missing'
  | 'field_invalid'
  | 'number_gap'
  | 'partial_class'
  | 'item_not_live'
  | 'orphan_file'
  | 'description_gap'
  | 'count_mismatch'
  // usability
  | 'file_unreadable'
  | 'format_not_allowed'
  | 'format_converted'
  | 'conversion_failed'
  | 'container_broken'
  | 'encrypted'
  | 'not_fixed_layout'
  | 'layout_copy_failed'
  | 'pdfa_nonconforming'
  | 'image_undecodable'
  | 'image_too_large'
  | 'pdf_unparseable'
  | 'photo_compressed'
  // security
  | 'audit_missing'
  | 'virus_found'
  | 'virus_scan_failed';

export const CHECK_PROPERTY: Record<CheckCode, Property> = {
  hash_mismatch: 'authenticity',
  hash_missing: 'authenticity',
  size_mismatch: 'authenticity',
  type_mismatch: 'authenticity',
  exif_time_mismatch: 'authenticity',
  field_out_of_range: 'authenticity',
  schema_invalid: 'authenticity',
  readme_incomplete: 'authenticity',
  file_missing: 'integrity',
  field_missing: 'integrity',
  field_invalid: 'integrity',
  number_gap: 'integrity',
  partial_class: 'integrity',
  item_not_live: 'integrity',
  orphan_file: 'integrity',
  description_gap: 'integrity',
  count_mismatch: 'integrity',
  file_unreadable: 'usability',
  format_not_allowed: 'usability',
  format_converted: 'usability',
  conversion_failed: 'usability',
  container_broken: 'usability',
  encrypted: 'usability',
  not_fixed_layout: 'usability',
  layout_copy_failed: 'usability',
  pdfa_nonconforming: 'usability',
  image_undecodable: 'usability',
  image_too_large: 'usability',
  pdf_unparseable: 'usability',
  photo_compressed: 'usability',
  audit_missing: 'security',
  virus_found: 'security',
  virus_scan_failed: 'security',
};

export const CHECK_LABELS: Record<CheckCode, string> = {
  hash_mismatch: '哈希值不符',
  hash_missing: '未记录哈希值',
  size_mismatch: '文件大小不符',
  type_mismatch: '文件类型不符',
  exif_time_mismatch: 'EXIF拍摄时间不符',
  field_out_of_range: '著录项超出值域、长度或含特殊字符',
  schema_invalid: 'XML 未通过模式（XSD）校验',
  readme_incomplete: '说明文件缺少必备项',
  file_missing: '文件缺失',
  field_missing: '必填著录项缺失',
  field_invalid: '著录项格式错误',
  number_gap: '件号不连续',
  partial_class: '类目跨单位（件号在其他包接续）',
  item_not_live: '已确认条目的归档已撤销',
  orphan_file: '文件无对应条目',
  description_gap: '照片说明不完整',
  count_mismatch: '目录条数与封面件数不符',
  file_unreadable: '文件无法读取',
  format_not_allowed: '格式不在允许范围',
  format_converted: '原件非归档格式，另存归档副本',
  conversion_failed: '归档格式转换失败',
  container_broken: '文件容器无法解析',
  encrypted: '文件已加密',
  not_fixed_layout: '文书无版式（PDF/A、OFD）文件',
  layout_copy_failed: '版式副本生成失败',
  pdfa_nonconforming: 'PDF/A 声明不符合所检条款',
  image_undecodable: '图像无法解码',
  image_too_large: '图像像素超过检测上限',
  pdf_unparseable: 'PDF结构无法解析',
  photo_compressed: '照片被压缩或无EXIF',
  audit_missing: '审计记录不完整',
  virus_found: '发现病毒',
  virus_scan_failed: '病毒检查失败',
};

export interface CheckFailure {
  property: Property;
  check: CheckCode;
  /** `warning`s (e.g. photo description gaps) are listed but do not fail the check. */
  severity: 'error' | 'warning';
  itemId: number | null;
  archivalCode: string | null;
  materialId: number | null;
  /** Storage key or package path of the file concerned. */
  file: string | null;
  message: string;
}

export function failure(
  check: CheckCode,
  message: string,
  at: Partial<Pick<CheckFailure, 'itemId' | 'archivalCode' | 'materialId' | 'file' | 'severity'>> = {},
): CheckFailure {
  return {
    property: CHECK_PROPERTY[check],
    check,
    severity: at.severity ?? 'error',
    itemId: at.itemId ?? null,
    archivalCode: at.archivalCode ?? null,
    materialId: at.materialId ?? null,
    file: at.file ?? null,
    message,
  };
}

export interface FourPropertiesReport {
  generatedAt: string;
  /** The deployment's zone: the Excel report states 检测时间 in it, as 说明文件 states 制作时间. */
  timeZone?: string;
  scope: { unitCode?: string; unitName?: string; year?: number; package?: string };
  totals: { records: number; withdrawn: number; files: number; bytes: number };
  /** Checks run (per item or file) and failures (errors only) per property. */
  summary: Record<Property, { checked: number; failed: number }>;
  passed: boolean;
  virusScan: 'off' | 'ran';
  /** DA/T 70's table: one row per 检测项目 (通过 / 不通过 / 未检). */
  table: TableRow[];
  failures: CheckFailure[];
}

/** Counts checks as they run and collects failures; `finish()` gives the report. */
export class ReportBuilder {
  readonly failures: CheckFailure[] = [];
  readonly totals = { records: 0, withdrawn: 0, files: 0, bytes: 0 };
  private readonly summary = Object.fromEntries(
    PROPERTIES.map((p) => [p, { checked: 0, failed: 0 }]),
  ) as Record<Property, { checked: number; failed: number }>;

  checked(property: Property, n = 1): void {
    this.summary[property].checked += n;
  }

  /** No error so far: what `finish()` will say unless more failures are added. */
  get passing(): boolean {
    return this.failures.every((f) => f.severity !== 'error');
  }

  add(...failures: CheckFailure[]): void {
    for (const f of failures) {
      this.failures.push(f);
      if (f.severity === 'error') this.summary[f.property].failed++;
    }
  }

  finish(
    generatedAt: Date,
    scope: FourPropertiesReport['scope'],
    virusScan: 'off' | 'ran',
    timeZone?: string,
  ): FourPropertiesReport {
    const order = (f: CheckFailure) => PROPERTIES.indexOf(f.property);
    const failures = [...this.failures].sort(
      (a, b) =>
        order(a) - order(b) ||
        (a.archivalCode ?? '').localeCompare(b.archivalCode ?? '') ||
        (a.itemId ?? 0) - (b.itemId ?? 0),
    );
    return {
      generatedAt: generatedAt.toISOString(),
      ...(timeZone ? { timeZone } : {}),
      scope,
      totals: { ...this.totals },
      summary: structuredClone(this.summary),
      passed: this.passing,
      virusScan,
      table: fourPropertiesTable(failures, virusScan, scope.package !== undefined),
      failures,
    };
  }
}

/** One failing item and kind of problem, as the chat and the 预检包's page name it. */
export interface FailingItem {
  itemId: number | null;
  archivalCode: string | null;
  check: CheckCode;
  /** 「A182-ZP·2025-Y-0001」, 「条目 12」 or 「存储中的文件」. */
  what: string;
  /** What is wrong: 「哈希值不符」. */
  label: string;
}

/** The report's failing items (errors only, the report's order), one per item and kind of problem. */
export function failingItems(report: Pick<FourPropertiesReport, 'failures'>): FailingItem[] {
  const out = new Map<string, FailingItem>();
  for (const f of report.failures) {
    if (f.severity !== 'error') continue;
    const what = f.archivalCode ?? (f.itemId !== null ? `条目 ${f.itemId}` : '存储中的文件');
    const label = CHECK_LABELS[f.check] ?? f.check;
    const key = `${what}：${label}`;
    if (!out.has(key))
      out.set(key, { itemId: f.itemId, archivalCode: f.archivalCode, check: f.check, what, label });
  }
  return [...out.values()];
}

/**
 * What failed, for a chat message: one line per failing item and kind of problem (「A182-ZP·2025-Y-0001：
 * 哈希值不符」; errors only, the report's order), the first `max`, then how many more. With `itemUrl` (the
 * web pages are on) a line of an item ends with the link to its page, where its correction starts.
 */
export function failingItemLines(
  report: FourPropertiesReport,
  max: number,
  itemUrl?: (itemId: number) => string | undefined,
): string[] {
  const lines = failingItems(report).map((f) => {
    const url = f.itemId !== null ? itemUrl?.(f.itemId) : undefined;
    return `${f.what}：${f.label}${url ? ` ${url}` : ''}`;
  });
  return [
    ...lines.slice(0, max).map((l) => `· ${l}`),
    ...(lines.length > max ? [`· 另有 ${lines.length - max} 项`] : []),
  ];
}
