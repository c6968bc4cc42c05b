/**
 * The 四性 report laid out as DA/T 70-2018's detection table: one row per 检测项目 with its 检测依据
 * and result 通过 / 不通过 / 未检. A row is 未检 when its check did not run (the virus scan without a
 * scanner) or is not done by this software (then the note says so, never a silent 通过).
 */
import type { CheckCode, CheckFailure, Property } from './four-properties.js';

export type ItemResult = '通过' | '不通过' | '未检';

export interface TestItem {
  no: string;
  property: Property;
  name: string;
  basis: string;
  /** The checks whose failures decide the row. */
  codes: CheckCode[];
  /**
   * Why the row is not checked: always ('manual' / 'absent'), only without a virus scanner, or
   * when the check is not of a package (`npm run verify` checks the archive, not a package's files).
   */
  unchecked?: 'manual' | 'absent' | 'no_scanner' | 'package_only';
  note?: string;
}

export const TEST_ITEMS: readonly TestItem[] = [
  {
    no: '1-1',
    property: 'authenticity',
    name: '固化信息有效性检测',
    basis: '采集时记录的 SHA-256 与文件大小（GB/T 18894-2016）',
    codes: ['hash_mismatch', 'hash_missing', 'size_mismatch'],
  },
  {
    no: '1-2',
    property: 'authenticity',
    name: '元数据项数据类型、格式检测',
    basis: 'DA/T 22-2015 归档文件目录著录项（日期 YYYYMMDD、档号结构）',
    codes: ['field_invalid'],
  },
  {
    no: '1-3',
    property: 'authenticity',
    name: '元数据与内容数据关联一致性检测（电子属性）',
    basis: '按文件头识别的格式与采集记录一致；EXIF 拍摄时间与著录一致',
    codes: ['type_mismatch', 'exif_time_mismatch'],
  },
  {
    no: '1-4',
    property: 'authenticity',
    name: '电子签名、电子印章、时间戳有效性检测',
    basis: 'GB/T 33481-2016、GB/T 38540-2020',
    codes: [],
    unchecked: 'absent',
    note: '本软件不验证电子签名、印章和时间戳；有签章的文件须由接收方另行验证',
  },
  {
    no: '1-5',
    property: 'authenticity',
    name: '元数据项值域、长度及特殊字符检测',
    basis:
      '日期在 1949-10-01 至确认归档之日，题名≤300字、责任者≤100字，文号格式，密级非涉密，无控制字符和替换符',
    codes: ['field_out_of_range'],
  },
  {
    no: '1-6',
    property: 'authenticity',
    name: '说明文件和目录文件规范性检测',
    basis:
      '文件目录.XML 与每件元数据 XML 按包内 其他/XML模式/ 的 XSD 校验（libxml2）；说明文件含《电子档案移交与接收办法》附件2 的必备项',
    codes: ['schema_invalid', 'readme_incomplete'],
    unchecked: 'package_only',
    note: '只在导出移交包时检测（本次检测未生成移交包）',
  },
  {
    no: '2-1',
    property: 'integrity',
    name: '总件数相符性检测',
    basis: '归档文件目录条目与电子档案文件一一对应；目录条数与封面、备考表的件数相符',
    codes: ['file_missing', 'orphan_file', 'count_mismatch'],
  },
  {
    no: '2-2',
    property: 'integrity',
    name: '元数据项完整性检测',
    basis: 'DA/T 22-2015 必填著录项；DA/T 50-2014 照片说明（事由、时间、地点、人物）',
    codes: ['field_missing', 'description_gap'],
  },
  {
    no: '2-3',
    property: 'integrity',
    name: '连续性元数据项检测（件号）',
    basis: 'DA/T 22-2015 件号在最低一级类目内连续',
    codes: ['number_gap', 'partial_class'],
  },
  {
    no: '2-4',
    property: 'integrity',
    name: '归档信息包一致性检测（归档状态）',
    basis: '已确认的件均为有效归档，撤销的件号注明停用',
    codes: ['item_not_live'],
  },
  {
    no: '3-1',
    property: 'usability',
    name: '内容数据格式检测',
    basis:
      'archive.yaml 允许的归档格式（按文件头识别）；非归档格式的录音另存 WAV 归档副本（GB/T 18894-2016）',
    codes: ['format_not_allowed', 'format_converted', 'conversion_failed'],
  },
  {
    no: '3-2',
    property: 'usability',
    name: '内容数据可读性检测',
    basis:
      '图像可解码、PDF 结构可解析、DOCX/XLSX/PPTX/OFD 容器与必需部件、MP4 盒结构、MP3 音频帧、文件可读取',
    codes: ['file_unreadable', 'image_undecodable', 'image_too_large', 'pdf_unparseable', 'container_broken'],
  },
  {
    no: '3-4',
    property: 'usability',
    name: '加密检测',
    basis: '《电子档案移交与接收办法》：移交的电子档案不得加密（PDF /Encrypt、Office 加密包、ZIP 加密部件）',
    codes: ['encrypted'],
  },
  {
    no: '3-5',
    property: 'usability',
    name: '版式文件检测',
    basis:
      'GB/T 18894-2016：文书以版式文件（PDF/A、OFD）归档；拍照的文书页另存 PDF/A-2b 版式副本（照片原样嵌入），' +
      '配置了转换命令时 DOCX 另存 PDF；声明 PDF/A-2 的 PDF 按 ISO 19005-2 条款 6.1.2、6.1.3、6.2.3、6.2.11.4.1、6.5.1、6.6.2.1、6.6.4 检查' +
      '（未做完整符合性验证；缺版式文件、转换失败的列为提示）',
    codes: ['not_fixed_layout', 'layout_copy_failed', 'pdfa_nonconforming'],
  },
  {
    no: '3-3',
    property: 'usability',
    name: '照片质量检测',
    basis: 'DA/T 50-2014：不低于 300 万像素，保留 EXIF（不合要求的列为提示）',
    codes: ['photo_compressed'],
  },
  {
    no: '4-1',
    property: 'security',
    name: '病毒感染检测',
    basis: '病毒检查命令（archive.yaml virusScanCommand）',
    codes: ['virus_found', 'virus_scan_failed'],
    unchecked: 'no_scanner',
    note: '未配置病毒检查命令',
  },
  {
    no: '4-2',
    property: 'security',
    name: '过程安全性检测（审计记录）',
    basis: '每件的归档、确认操作均有审计记录',
    codes: ['audit_missing'],
  },
  {
    no: '4-3',
    property: 'security',
    name: '载体外观、读取检测',
    basis: '《电子档案移交与接收办法》：载体无划痕、可正常读取',
    codes: [],
    unchecked: 'manual',
    note: '由移交、接收双方人工检查，填入登记表',
  },
];

export interface TableRow {
  no: string;
  property: Property;
  name: string;
  basis: string;
  result: ItemResult;
  /** Errors (不合格) and warnings (提示) found. */
  failed: number;
  warnings: number;
  note: string;
}

/**
 * The table for a report's failures; `virusScan` says whether the scanner ran, `ofPackage` whether
 * the report is of a transfer package (its 说明文件 and XML files were checked).
 */
export function fourPropertiesTable(
  failures: CheckFailure[],
  virusScan: 'off' | 'ran',
  ofPackage = false,
): TableRow[] {
  return TEST_ITEMS.map((t) => {
    const mine = failures.filter((f) => t.codes.includes(f.check));
    const failed = mine.filter((f) => f.severity === 'error').length;
    const warnings = mine.length - failed;
    const skipped =
      t.unchecked === 'absent' ||
      t.unchecked === 'manual' ||
      (t.unchecked === 'no_scanner' && virusScan === 'off') ||
      (t.unchecked === 'package_only' && !ofPackage);
    const result: ItemResult = skipped ? '未检' : failed > 0 ? '不通过' : '通过';
    const note = skipped ? (t.note ?? '') : warnings > 0 ? `提示 ${warnings} 项，见问题清单` : '';
    return { no: t.no, property: t.property, name: t.name, basis: t.basis, result, failed, warnings, note };
  });
}
