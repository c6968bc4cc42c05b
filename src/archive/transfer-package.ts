/** Fixed texts of the transfer folder (说明文件.TXT and 其他/), as CRLF text for Windows readers. */
import type { ArchiveConfig } from './archive-config.js';
import { RETENTION_LABELS, RETENTION_ORDER } from '../domain/retention.js';
import { KIND_LABELS, orgText, retentionText, type CatalogueClass } from '../domain/catalogue-class.js';
import type { Fonds, UnitFonds } from '../domain/fonds.js';

export const PACKAGE_PATHS = {
  readme: '说明文件.TXT',
  catalogueXml: '文件目录.XML',
  records: '电子档案',
  other: '其他',
  catalogueXlsx: '其他/归档文件目录.xlsx',
  /** 一户一卷: a 卷内目录 per household (only when the package holds household records). */
  householdVolumesXlsx: '其他/一户一卷卷内目录.xlsx',
  reportJson: '其他/四性检测报告.json',
  reportXlsx: '其他/四性检测报告.xlsx',
  registration: '其他/电子档案移交与接收登记表.docx',
  fixity: '其他/数字摘要清单.TXT',
  /** Only when the package carries the same file more than once: each group of identical files. */
  sameFiles: '其他/相同文件清单.TXT',
  /** Only in a 预检包 (the 四性 check failed): says at the root that it must not be handed over. */
  preCheck: '预检包-四性检测未通过-不得移交.TXT',
} as const;

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
const BOM = '\ufeff';

export type PackageLayout = 'carrier' | 'bag';

export interface PackageSummary {
  /** The fonds the package's records hold. */
  fonds: Fonds[];
  /** 移交单位: the exported unit's fonds names it. */
  transferringUnit: string;
  unitFullName: string;
  year: number;
  generatedAt: string;
  records: number;
  withdrawn: number;
  files: number;
  bytes: number;
  formats: Map<string, number>;
  unconfirmed: number;
  fourPropertiesPassed: boolean;
  fourPropertiesFailures: number;
  /** The 四性 report's rows left 未检 (`1-4 电子签名…`): 说明文件 names them beside 通过. */
  fourPropertiesUnchecked?: string[];
  software: string;
  layout: PackageLayout;
  /** 顺序号 of 文件目录.XML: 1..carrierEntries. */
  carrierEntries: number;
  /** The package's 归档文件目录, one per class, in catalogue order. */
  catalogues: CatalogueClass[];
  /** Households whose records the package holds: one virtual volume (一户一卷) each. */
  householdVolumes: number;
  /** Classes whose 件号 are shared with units outside the package (so its numbers show gaps). */
  partialClasses: { code: string; inPackage: number; outside: number; units: string }[];
  /** Archival copies the export made by format conversion (WAV of a voice note, 版式 PDF). */
  archivalCopies: number;
  /** Files carried more than once (the same SHA-256 in several 件, or twice in one): groups and files. */
  sameFiles?: { groups: number; files: number };
  /**
   * 移交后变更: 档号 of the scope an earlier 移交包 carried, retired since (the archive still holds them),
   * with the day it went out, the day it was retired, why, and the 件's 档号 now if confirmed again.
   */
  changedAfterTransfer?: {
    code: string;
    sentOn: string;
    withdrawnOn: string;
    reason: string | null;
    now: string | null;
  }[];
  /**
   * 移交后变更 of 件 that kept their 档号: this package carries them, an earlier 移交包 carried them before
   * their 著录 was changed or some of their files recalled — each 档号 with the day it went out and what
   * changed when (「著录已改（题名）」 …).
   */
  editedAfterTransfer?: { code: string; sentOn: string; changes: { what: string; on: string }[] }[];
}

/** The 载体 fields with their defaults filled in. */
export function carrierOf(c: ArchiveConfig, s: Pick<PackageSummary, 'transferringUnit'>) {
  const k = c.package.carrier;
  return {
    type: k.type,
    spec: k.spec,
    number: k.number || '（未编号）',
    keeper: k.keeper || c.package.receivingUnit || '（未填）',
    maker: k.maker || s.transferringUnit,
    checker: k.checker || s.transferringUnit,
  };
}

/** 数据量 in GB to three decimals, as the 登记表 asks. */
export const gigabytes = (bytes: number) => (bytes / 1024 ** 3).toFixed(3);

export const preCheckText = (s: PackageSummary) =>
  BOM +
  crlf([
    '预检包：四性检测不通过，本包只供检查和整改，不得作为移交包移交。',
    `不通过 ${s.fourPropertiesFailures} 项，见 ${PACKAGE_PATHS.reportXlsx}。整改后重新导出。`,
  ]);

export function readmeText(c: ArchiveConfig, s: PackageSummary): string {
  const mb = (s.bytes / 1024 / 1024).toFixed(2);
  const formats = [...s.formats.entries()].map(([m, n]) => `${m}（${n}个）`).join('、') || '无';
  const k = carrierOf(c, s);
  const root = s.layout === 'bag' ? 'BagIt 包的 data/ 目录' : '载体根目录';
  return (
    BOM +
    crlf([
      ...(s.fourPropertiesPassed
        ? ['电子档案移交说明文件']
        : ['【预检包】电子档案移交说明文件', '本包四性检测不通过，只供检查和整改，不得作为移交包移交。']),
      '',
      `移交单位：${s.transferringUnit}`,
      `接收单位：${c.package.receivingUnit}`,
      ...s.fonds.map((f) => `全宗号：${f.code}    全宗名称：${f.name}`),
      `档案形成单位：${s.unitFullName}`,
      `年度：${s.year}`,
      `档案数量：${s.records - s.withdrawn} 件（另有停用件号 ${s.withdrawn} 个，归档文件目录中保留并注明），电子文件 ${s.files} 个，共 ${mb} MB`,
      `文件格式：${formats}`,
      '',
      `载体类型：${k.type}${k.spec ? `    规格：${k.spec}` : ''}`,
      `载体编号：${k.number}`,
      `载体保管单位：${k.keeper}`,
      `载体制作单位：${k.maker}`,
      `载体检查单位：${k.checker}`,
      `载体内电子档案顺序号：${s.carrierEntries > 0 ? `1-${s.carrierEntries}` : '无'}（见 ${PACKAGE_PATHS.catalogueXml}）`,
      `数据量：${gigabytes(s.bytes)} GB（${s.bytes} 字节）`,
      '',
      `归档文件目录：按类别（全宗-门类-年度-保管期限-机构(问题)）分别编制，共 ${s.catalogues.length} 个目录，` +
        '各目录按件号排列、序号从 1 起：',
      ...s.catalogues.map((c) => `  ${catalogueLine(c)}`),
      ...(s.householdVolumes > 0
        ? [
            `一户一卷：${s.householdVolumes} 户，每户的各门类文件组成一卷（虚拟卷，各件保留原档号），` +
              `卷内目录见 ${PACKAGE_PATHS.householdVolumesXlsx}（每户一个工作表）`,
          ]
        : []),
      `四性检测：${s.fourPropertiesPassed ? '通过' : `不通过（${s.fourPropertiesFailures} 项，见四性检测报告）`}` +
        (s.fourPropertiesUnchecked?.length
          ? `；未检：${s.fourPropertiesUnchecked.join('、')}（见四性检测报告）`
          : ''),
      ...(s.unconfirmed > 0 ? [`说明：另有 ${s.unconfirmed} 件已归档但尚未确认，未包含在本移交包内。`] : []),
      ...(s.sameFiles && s.sameFiles.groups > 0
        ? [
            `相同文件：有 ${s.sameFiles.groups} 组、共 ${s.sameFiles.files} 个电子文件内容完全相同（每组 SHA-256 一致）：` +
              '同一文件归入了不同的件（或在同一件中重复提交），各件各保存一份，保持每件完整；' +
              `各件元数据以<相同文件档号>、<相同文件名>注明，清单见 ${PACKAGE_PATHS.sameFiles}。`,
          ]
        : []),
      ...(s.changedAfterTransfer?.length
        ? [
            `移交后变更：此前已移交的以下 ${s.changedAfterTransfer.length} 个档号其后停用（撤销归档确认），` +
              '贵馆保存的移交包中仍是原档号，请据此更正（本包归档文件目录中该件号保留并注明停用）：',
            ...s.changedAfterTransfer.map(
              (x) =>
                `  ${x.code}（${x.sentOn} 移交；${x.withdrawnOn} 停用${x.reason ? `，原因：${x.reason}` : ''}` +
                `${x.now ? `；现档号 ${x.now}` : ''}）`,
            ),
          ]
        : []),
      ...(s.editedAfterTransfer?.length
        ? [
            `移交后变更（档号不变）：此前已移交的以下 ${s.editedAfterTransfer.length} 个档号其后著录已改或有文件撤回，` +
              '贵馆保存的移交包中仍是改动前的著录和文件，本包中为改动后的，请以本包为准：',
            ...s.editedAfterTransfer.map(
              (x) =>
                `  ${x.code}（${x.sentOn} 移交；${x.changes.map((c) => `${c.on} ${c.what}`).join('；')}）`,
            ),
          ]
        : []),
      ...(s.partialClasses.length > 0
        ? [
            '说明：以下类目的件号由本单位与其他单位共用、统一连续编号，本包只含本单位的件，' +
              '所缺件号在其他单位的移交包中接续：',
            ...s.partialClasses.map(
              (p) => `  ${p.code}（本包 ${p.inPackage} 个件号；${p.units}共 ${p.outside} 个）`,
            ),
          ]
        : []),
      `制作时间：${s.generatedAt}`,
      `制作软件：${s.software}`,
      ...(c.package.contact ? [`联系人：${c.package.contact}`] : []),
      '',
      `存储结构（《电子档案移交与接收办法》附件2，位于${root}）：`,
      `  ${PACKAGE_PATHS.readme}        本说明`,
      `  ${PACKAGE_PATHS.catalogueXml}        文件目录（XML，UTF-8；每件一个<文件>，顺序号全载体连续）`,
      `  ${PACKAGE_PATHS.records}/年度/门类代码/   电子文件（以档号命名）及每件的元数据（档号.xml）`,
      `  ${PACKAGE_PATHS.other}/               归档文件目录.xlsx（按类别，含停用件号）、四性检测报告、` +
        '分类方案、保管期限表、归档材料清单、数字摘要清单、移交与接收登记表' +
        (s.householdVolumes > 0 ? '、一户一卷卷内目录.xlsx' : '') +
        (s.sameFiles && s.sameFiles.groups > 0 ? '、相同文件清单' : ''),
      '',
      `校验方法：${PACKAGE_PATHS.fixity} 列出每个文件的 SHA-256；该清单本身的 SHA-256 即本包的数字摘要，` +
        '写在移交与接收登记表中。',
      ...(s.layout === 'bag'
        ? [
            '本包同时是 BagIt 1.0 包（上一级目录中的 bagit.txt、bag-info.txt、manifest-sha256.txt、',
            'tagmanifest-sha256.txt），可用 bagit 等通用工具逐个文件核对。',
          ]
        : []),
      // The metadata records each conversion (格式转换): the 说明文件 must not say there was none.
      s.archivalCopies > 0
        ? `电子文件均未经压缩或加密。除原始文件外，另有 ${s.archivalCopies} 个归档副本由原件格式转换生成` +
          '（录音的 WAV、文书的版式 PDF），与原件一同移交；每件的元数据标明原件、归档副本及格式转换过程。'
        : '所有电子文件均为原始文件，未经压缩、加密或格式转换。',
      '所需软硬件环境：通用计算机；能打开 PDF、OFD、JPEG、PNG、TIFF、Office 文档、MP3、MP4 的阅读软件。',
    ])
  );
}

/**
 * 其他/相同文件清单.TXT: each group of files the package carries more than once (the same SHA-256),
 * with the package path of every copy.
 */
export function sameFilesText(groups: { sha256: string; paths: string[] }[]): string {
  return (
    BOM +
    crlf([
      '相同文件清单',
      '以下每组文件内容完全相同（SHA-256 一致），分属所列的件（或同一件），各件各保存一份。',
      ...groups.flatMap((g) => ['', `SHA-256 ${g.sha256}`, ...g.paths.map((p) => `  ${p}`)]),
    ])
  );
}

/** `WS·2025-D30-ZH  文书 2025年度 定期30年（D30） 综合类（ZH）：2 件，停用件号 1 个，件号 0001-0004`. */
function catalogueLine(c: CatalogueClass): string {
  const facts = [c.categoryName, `${c.year}年度`, retentionText(c), orgText(c)].filter(Boolean).join(' ');
  const withdrawn = c.withdrawn > 0 ? `，停用件号 ${c.withdrawn} 个` : '';
  return `${c.code}  ${facts}：${c.items} 件${withdrawn}，件号 ${c.pieceRange}`;
}

export function classificationSchemeText(c: ArchiveConfig, unitFonds: UnitFonds[] = []): string {
  const kinds = KIND_LABELS;
  const example = `${c.fonds.code}-${c.category.document}${c.yearSeparator}2025-${c.retention.Y}-${c.orgCode.default}-${'1'.padStart(c.pieceDigits, '0')}`;
  return (
    BOM +
    crlf([
      '分类方案与档号编制规则（DA/T 22-2015）',
      '',
      `档号结构：全宗号-门类代码${c.yearSeparator}年度-保管期限代码-机构(问题)代码-件号，例：${example}`,
      `件号：${c.pieceDigits} 位，在最低一级类目内从 1 起连续编号；撤销确认的件号停用、不再使用，目录中保留。`,
      `${c.orgCode.omitFor.map((k) => kinds[k]).join('、') || '无'}类档案按“年度-保管期限”分类，档号不含机构(问题)代码。`,
      '',
      `全宗号：${c.fonds.code}（${c.fonds.name}）`,
      ...Object.entries(c.fonds.byUnit).map(([unit, code]) => `  单位 ${unit} 使用全宗号 ${code}`),
      ...unitFonds.map((f) => `  单位 ${f.unitCode} 及其下级：全宗号 ${f.code}（${f.name}）`),
      '',
      '门类代码：',
      ...Object.entries(kinds).map(([k, label]) => `  ${c.category[k as keyof typeof kinds]}\t${label}`),
      '',
      '保管期限代码：',
      ...RETENTION_ORDER.map((r) => `  ${c.retention[r]}\t${RETENTION_LABELS[r]}`),
      '',
      '机构(问题)代码：',
      ...Object.entries(c.orgCode.byClass).map(([k, v]) => `  ${v}\t${k}`),
      ...Object.entries(c.orgCode.byUnitKind).map(([k, v]) => `  ${v}\t单位层级：${k}`),
      `  ${c.orgCode.default}\t其他`,
    ])
  );
}

export function checklistText(
  rows: {
    unitName: string;
    code: string;
    title: string;
    householdName: string | null;
    state: string;
    confirmed: number;
  }[],
  year: number,
): string {
  const lines = [
    `归档材料清单（${year}年度）`,
    '',
    ['单位', '编码', '归档材料', '户', '状态', '确认件数'].join('\t'),
  ];
  for (const r of rows)
    lines.push(
      [
        r.unitName,
        r.code,
        r.title,
        r.householdName ?? '',
        r.state === 'waived' ? '免交' : '',
        String(r.confirmed),
      ].join('\t'),
    );
  return BOM + crlf(lines);
}
