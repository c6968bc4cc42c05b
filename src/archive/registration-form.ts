/**
 * 电子档案移交与接收登记表 (附件1 of the 电子档案移交与接收办法) as a printable DOCX: the transfer's
 * description rows, then the 检验内容 table with a column each for the 移交单位 and the 接收单位, the
 * package's 数字摘要, and the 填表人 / 审核人 / 单位（印章） lines to sign by hand. The DOCX itself is
 * written by registration-form-docx.ts, loaded only when a package is written.
 */
import type { ArchiveConfig } from './archive-config.js';
import { carrierOf, gigabytes, PACKAGE_PATHS, type PackageSummary } from './transfer-package.js';
import type { FourPropertiesReport, Property } from '../domain/four-properties.js';

export interface RegistrationForm {
  title: string;
  /** 交接工作名称 … 移交载体类型、规格: label and value. */
  transfer: [string, string][];
  /** 检验内容: label, the 移交单位's entry, the 接收单位's (blank: they fill it in). */
  checks: [string, string, string][];
  /** 数字摘要: the algorithm and the value. */
  digest: string;
}

const CHECK_ROWS: [string, Property][] = [
  ['准确性检验', 'authenticity'],
  ['完整性检验', 'integrity'],
  ['可用性检验', 'usability'],
  ['安全性检验', 'security'],
];

const WHAT: Record<Property, string> = {
  authenticity: '逐个文件重算 SHA-256 与采集时记录核对，档号与目录一一对应',
  integrity: '目录与文件一一对应，件号连续，必填著录项齐全',
  usability: '按文件头识别格式，图像解码、PDF 结构可解析，版式文件检测（PDF/A 按 ISO 19005-2 部分条款）',
  security: '审计记录核对',
};

/** What the form says, from the package summary, the 四性 report and the fixity list's hash. */
export function registrationForm(
  c: ArchiveConfig,
  s: PackageSummary,
  report: FourPropertiesReport,
  fixitySha256: string,
): RegistrationForm {
  const k = carrierOf(c, s);
  const fonds = s.fonds.map((f) => `${f.code} ${f.name}`.trim()).join('、');
  const kinds = [...new Set(s.catalogues.map((x) => x.categoryName))].join('、') || '无';
  const formats = [...s.formats.keys()].join('、') || '无';
  const verdict = (p: Property) => {
    const r = report.summary[p];
    const text = `${WHAT[p]}：检测 ${r.checked} 项，${r.failed ? `不通过 ${r.failed} 项` : '通过'}`;
    // A row of the report that was not checked (1-4 signatures) is named, as the report names it: the
    // form must not read 通过 for what nobody checked.
    const unchecked = report.table
      .filter((row) => row.property === p && row.result === '未检')
      .map((row) => `；${row.name}：未检`)
      .join('');
    if (p !== 'security') return text + unchecked;
    return report.virusScan === 'ran' ? `${text}；病毒检查已做` : `${text}；病毒检查：未检（未配置）`;
  };
  return {
    title: '电子档案移交与接收登记表',
    transfer: [
      ['交接工作名称', `全宗 ${fonds} ${s.unitFullName} ${s.year}年度电子档案移交`],
      [
        '内容描述',
        `${s.unitFullName} ${s.year}年度归档文件，门类：${kinds}；格式：${formats}；` +
          `离线移交，存储结构按《电子档案移交与接收办法》附件2${s.layout === 'bag' ? '（外加 BagIt 1.0 封装）' : ''}`,
      ],
      [
        '移交电子档案数量',
        `${s.records - s.withdrawn} 件，电子文件 ${s.files} 个（另有停用件号 ${s.withdrawn} 个）`,
      ],
      ['移交数据量', `${gigabytes(s.bytes)} GB（${s.bytes} 字节）`],
      [
        '载体起止顺序号',
        `载体 ${k.number}：${s.carrierEntries > 0 ? `1-${s.carrierEntries}` : '无'}（${PACKAGE_PATHS.catalogueXml} 顺序号）`,
      ],
      ['移交载体类型、规格', [k.type, k.spec].filter(Boolean).join('，')],
    ],
    checks: [
      ['单位名称', s.transferringUnit, c.package.receivingUnit],
      ...CHECK_ROWS.map(([label, p]): [string, string, string] => [label, verdict(p), '']),
      ['载体外观检验', '', ''],
      ['填表人（签名）', '\n\n年    月    日', '\n\n年    月    日'],
      ['审核人（签名）', '\n\n年    月    日', '\n\n年    月    日'],
      ['单位（印章）', '\n\n年    月    日', '\n\n年    月    日'],
    ],
    digest: `SHA-256：${fixitySha256}（对 ${PACKAGE_PATHS.fixity} 计算；该清单列出本包其余每个文件的 SHA-256）`,
  };
}
