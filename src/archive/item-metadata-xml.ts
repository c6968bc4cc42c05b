import type { MaterialFacts, RecordFacts } from '../db/repos/archive-catalogue.js';
import type { CatalogueEntry } from '../domain/catalogue.js';
import type { PhotoEntry } from '../domain/photo-entries.js';
import { KIND_LABELS, RETENTION_PERIOD_NAMES } from '../domain/catalogue-class.js';
import { actorLabel } from '../domain/person-name.js';
import { xmlElement, xmlEscape } from './xml-escape.js';

export interface PackagedFile {
  /** Name in the package (档号 + extension). */
  name: string;
  material: MaterialFacts;
  sha256: string;
  size: number;
  mime: string;
  /** The first bytes of the file (format version). */
  head?: Buffer;
  /** A photo of a group: its 照片号 and DA/T 50 说明. */
  photo?: PhotoEntry;
  /** What a PDF's XMP claims (`PDF/A-2b`). */
  pdfa?: string;
  /** The claim held under the PDF/A clause check (`archive/pdfa-check.ts`). */
  pdfaChecked?: boolean;
  /** A 版式 file (PDF/A or OFD). */
  fixedLayout?: boolean;
  /**
   * An original whose bytes (SHA-256) the package also carries elsewhere: the 档号 of the other 件
   * holding them, and the names of this 件's other files with them. Each 件 keeps its own copy.
   */
  same?: { codes: string[]; names: string[] };
  /** An original with an archival or 版式 copy beside it: the copy's name. */
  archivalCopy?: string;
  /**
   * An archival or 版式 copy: what it was made from (the originals' names), by what, when; `digitized`
   * when the sources are photographed paper (生成方式 数字化).
   */
  conversion?: {
    from: string[];
    tool: string;
    at: Date;
    detail: string;
    durationMs?: number;
    digitized?: boolean;
  };
}

/** Where the item stands in the package and what the package says about its source. */
export interface ItemMetadataContext {
  /** The class's 目录 code and the item's 序号 there. */
  code: string;
  seq: number;
  /** 顺序号 in 文件目录.XML (one sequence over the carrier). */
  carrierSeq: number;
  /** 全宗名称 of the record's 全宗号. */
  fondsName: string;
  /** 档案馆名称: the receiving archive ('' when not configured). */
  archiveName: string;
  /** 脱机载体编号 ('' when not numbered). */
  carrierNumber: string;
  /** Folder of the item's files in the package (存储位置/当前位置). */
  folder: string;
  /** 参见号: 档号 of related records in other 门类 (same task). */
  seeAlso: string[];
}

/** 电子文件号: stable for the item whatever its 档号 (the bot's item id within the fonds). */
export const electronicFileNumber = (r: Pick<RecordFacts, 'fondsCode' | 'itemId'>) =>
  `${r.fondsCode}-DZ-${String(r.itemId).padStart(8, '0')}`;

const SCANNED_NAME = /(扫描|scan|camscanner|全能扫描|复印)/i;

/**
 * 生成方式 of a file: photographed or scanned paper is 数字化; a photo of a photo group, a recording
 * and a born-digital document are 原生. (A document item's images are photographed pages.)
 */
function generation(r: RecordFacts, f: PackagedFile): '原生' | '数字化' {
  if (r.kind === 'document' && f.mime.startsWith('image/')) return '数字化';
  if (f.conversion?.digitized) return '数字化';
  if (f.mime === 'application/pdf' && SCANNED_NAME.test(f.material.originalName ?? '')) return '数字化';
  return '原生';
}

/** 格式版本 read from the file's first bytes where the format says it there. */
function formatVersion(f: PackagedFile): string {
  const head = f.head;
  if (!head) return '';
  const text = head.subarray(0, 16).toString('latin1');
  const pdf = /^%PDF-(\d\.\d)/.exec(text);
  if (pdf)
    return `PDF ${pdf[1]}${f.pdfa ? `（${f.pdfa}，${f.pdfaChecked ? '按 ISO 19005-2 条款检查通过' : '据 XMP 声明'}）` : ''}`;
  if (head[0] === 0xff && head[1] === 0xd8)
    return head.subarray(0, 64).includes(Buffer.from('Exif')) ? 'JPEG（Exif）' : 'JPEG（JFIF）';
  if (text.startsWith('\x89PNG')) return 'PNG 1.2';
  if (text.startsWith('ID3')) return `MP3（ID3v2.${head[3]}）`;
  return '';
}

/**
 * The metadata that travels with one item, laid out after DA/T 46-2009 (文书类电子文件元数据方案)
 * with its mandatory elements: 文件实体 (聚合层次, 来源 with 档案馆名称 / 全宗名称 / 立档单位名称,
 * 电子文件号, 档号 and its parts, 内容描述, 形式特征 with 文件组合类型 / 件数 / 页数 / 语种 / 稿本,
 * 存储位置, 权限管理 with 控制标识, and per file the 电子属性 (计算机文件名, 计算机文件大小, 格式信息,
 * 格式版本, 文档创建程序, SHA-256), 生成方式 and 数字化属性; a file the package carries more than once
 * names where else: 相同文件档号 / 相同文件名), 机构人员实体 (the 立档单位 and the
 * people who filed and confirmed) and 业务实体 (归档, 确认归档). Photos add their DA/T 50 description.
 * The XSD in 其他/ (`ITEM_METADATA_XSD`) describes exactly this.
 */
export function itemMetadataXml(
  r: RecordFacts,
  entry: CatalogueEntry,
  files: PackagedFile[],
  ctx: ItemMetadataContext,
): string {
  const e = (name: string, v: unknown, depth = 1) => xmlElement(name, v, '  '.repeat(depth));
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : '');
  const open = (name: string, depth: number) => `${'  '.repeat(depth)}<${name}>`;
  const close = (name: string, depth: number) => `${'  '.repeat(depth)}</${name}>`;
  // Named for a reader: never a raw open_id or 'cli' (actorLabel).
  const filer = actorLabel(r.filedBy, r.filedByName);
  const confirmer = actorLabel(r.confirmedBy, r.confirmedByName);
  // Household papers (ID cards, 户口本, income records) hold personal information: 控制, not 开放.
  const control = r.householdName ? '控制' : '开放';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<电子文件 档号="${xmlEscape(r.archivalCode)}" 元数据方案="DA/T 46-2009">`,
    open('文件实体', 1),
    e('聚合层次', '文件', 2),
    open('来源', 2),
    e('档案馆名称', ctx.archiveName, 3),
    e('全宗名称', ctx.fondsName, 3),
    e('立档单位名称', ctx.fondsName, 3),
    e('形成单位', r.unitFullName, 3),
    close('来源', 2),
    e('电子文件号', electronicFileNumber(r), 2),
    open('档号', 2),
    e('值', r.archivalCode, 3),
    e('全宗号', r.fondsCode, 3),
    e('目录号', ctx.code, 3),
    e('门类', `${KIND_LABELS[r.kind]}（${r.categoryCode}）`, 3),
    e('年度', r.year, 3),
    e('保管期限', `${RETENTION_PERIOD_NAMES[r.retention]}（${r.retentionCode}）`, 3),
    e('机构或问题', r.orgCode, 3),
    e('室编件号', r.pieceNumber, 3),
    e('目录序号', ctx.seq, 3),
    e('顺序号', ctx.carrierSeq, 3),
    close('档号', 2),
    open('内容描述', 2),
    e('题名', entry.title, 3),
    e('文件编号', entry.docNumber, 3),
    e('责任者', entry.responsible, 3),
    e('日期', entry.date, 3),
    e('密级', entry.secrecy, 3),
    e('附注', entry.remarks, 3),
    e('类别', r.taskClass, 3),
    e('归档事项', `${r.taskCode} ${r.taskTitle}`, 3),
    ...ctx.seeAlso.map((code) => e('参见号', code, 3)),
  ];
  if (entry.photo) {
    const p = entry.photo;
    lines.push(
      open('照片说明', 3),
      e('事由', p.reason, 4),
      e('时间', p.timeText, 4),
      e('地点', p.place, 4),
      e('人物', p.people, 4),
      ...(p.background ? [e('背景', p.background, 4)] : []),
      e('摄影者', p.photographer, 4),
    );
    for (const f of files) {
      const ph = f.photo;
      if (!ph) continue;
      lines.push(
        open('照片', 4),
        e('照片号', ph.photoNumber, 5),
        e('张号', ph.number, 5),
        e('计算机文件名', f.name, 5),
        e('说明', ph.note, 5),
        e('时间', ph.timeText, 5),
        e('摄影者', ph.photographer, 5),
        ...(ph.background ? [e('背景', ph.background, 5)] : []),
        ...ph.seeAlso.map((code) => e('参见号', code, 5)),
        close('照片', 4),
      );
    }
    lines.push(close('照片说明', 3));
  }
  lines.push(
    close('内容描述', 2),
    open('形式特征', 2),
    e('文件组合类型', files.length > 1 ? '组合文件' : '单件', 3),
    e('件数', 1, 3),
    e('页数', entry.pages, 3),
    e('语种', '汉语', 3),
    e('稿本', r.kind === 'document' ? '正本' : '原件', 3),
    close('形式特征', 2),
    open('存储位置', 2),
    e('当前位置', ctx.folder, 3),
    e('脱机载体编号', ctx.carrierNumber, 3),
    close('存储位置', 2),
    open('权限管理', 2),
    e('控制标识', control, 3),
    close('权限管理', 2),
    open('电子属性', 2),
  );
  for (const f of files) {
    const m = f.material;
    const device = [m.cameraMake, m.cameraModel].filter(Boolean).join(' ');
    const made = generation(r, f);
    // A copy the export made: its program is the converter; capture facts belong to its originals.
    const copy = f.conversion;
    lines.push(
      open('计算机文件', 3),
      e('计算机文件名', f.name, 4),
      e('计算机文件大小', f.size, 4),
      e('格式信息', f.mime, 4),
      e('格式版本', formatVersion(f), 4),
      e('文档创建程序', copy ? copy.tool : device || '不详（经飞书消息接收）', 4),
      e('哈希算法', 'SHA-256', 4),
      e('哈希值', f.sha256, 4),
      e('原始文件名', copy ? '' : m.originalName, 4),
      e('接收时间', iso(m.sentAt), 4),
      e('生成方式', made, 4),
      ...(made === '数字化'
        ? [
            open('数字化属性', 4),
            e('数字化对象形态', '纸质', 5),
            e('数字化设备', device, 5),
            e('像素', !copy && m.width && m.height ? `${m.width}x${m.height}` : '', 5),
            close('数字化属性', 4),
          ]
        : []),
      ...(!copy && m.takenAt ? [e('拍摄时间', iso(m.takenAt), 4)] : []),
      ...(!copy && m.gpsLat !== null && m.gpsLng !== null ? [e('GPS', `${m.gpsLat},${m.gpsLng}`, 4)] : []),
      ...(!copy && made === '原生' && m.width && m.height ? [e('像素', `${m.width}x${m.height}`, 4)] : []),
      ...(f.archivalCopy ? [e('文件用途', '原件', 4), e('归档副本', f.archivalCopy, 4)] : []),
      ...(f.conversion
        ? [
            e('文件用途', '归档副本', 4),
            ...f.conversion.from.map((name) => e('转换自', name, 4)),
            ...(f.conversion.durationMs !== undefined
              ? [e('时长', `PT${(f.conversion.durationMs / 1000).toFixed(3)}S`, 4)]
              : []),
          ]
        : []),
      ...(f.same?.codes ?? []).map((code) => e('相同文件档号', code, 4)),
      ...(f.same?.names ?? []).map((name) => e('相同文件名', name, 4)),
      close('计算机文件', 3),
    );
  }
  const actor = (kind: string, name: string) => [
    open('机构人员', 2),
    e('机构人员类型', kind, 3),
    e('机构人员名称', name, 3),
    close('机构人员', 2),
  ];
  const act = (what: string, at: Date, who: string, detail?: string) => [
    open('业务行为', 2),
    e('行为', what, 3),
    e('行为时间', iso(at), 3),
    e('机构人员名称', who, 3),
    ...(detail ? [e('行为描述', detail, 3)] : []),
    close('业务行为', 2),
  ];
  lines.push(
    close('电子属性', 2),
    close('文件实体', 1),
    open('机构人员实体', 1),
    ...actor('单位', ctx.fondsName || r.unitFullName),
    ...actor('个人', filer),
    ...(confirmer !== filer ? actor('个人', confirmer) : []),
    close('机构人员实体', 1),
    open('业务实体', 1),
    ...act('归档', r.filedAt, filer),
    ...act('确认归档', r.confirmedAt, confirmer),
    ...files.flatMap((f) =>
      f.conversion
        ? act(
            '格式转换',
            f.conversion.at,
            f.conversion.tool,
            `${f.conversion.from.join('、')} → ${f.name}：${f.conversion.detail}；原件保留`,
          )
        : [],
    ),
    close('业务实体', 1),
    '</电子文件>',
    '',
  );
  return lines.join('\n');
}
