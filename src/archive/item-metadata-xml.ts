import type { MaterialFacts, RecordFacts } from '../db/repos/archive-catalogue.js';
import type { CatalogueEntry } from '../domain/catalogue.js';
import { KIND_LABELS, RETENTION_PERIOD_NAMES } from '../domain/catalogue-class.js';
import { xmlElement, xmlEscape } from './xml-escape.js';

export interface PackagedFile {
  /** Name in the package (档号 + extension). */
  name: string;
  material: MaterialFacts;
  sha256: string;
  size: number;
  mime: string;
}

/** Where the item stands in the package's 归档文件目录: the class's 目录 and its 序号 there. */
export interface CataloguePlace {
  code: string;
  seq: number;
  /** 顺序号 in 文件目录.XML (one sequence over the carrier). */
  carrierSeq: number;
}

/**
 * The metadata that travels with one item (GB/T 18894 style): catalogue fields, classification
 * (and, in a package, the 目录 that lists the item with its 序号 there),
 * DA/T 50 photo description, each file (name, format, size, SHA-256, capture facts), and the
 * business trail (filed, confirmed).
 */
export function itemMetadataXml(
  r: RecordFacts,
  entry: CatalogueEntry,
  files: PackagedFile[],
  place?: CataloguePlace,
): string {
  const e = (name: string, v: unknown, depth = 1) => xmlElement(name, v, '  '.repeat(depth));
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : '');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<电子档案 档号="${xmlEscape(r.archivalCode)}">`,
    e('档号', r.archivalCode),
    e('全宗号', r.fondsCode),
    e('门类', `${KIND_LABELS[r.kind]}（${r.categoryCode}）`),
    e('年度', r.year),
    e('保管期限', `${RETENTION_PERIOD_NAMES[r.retention]}（${r.retentionCode}）`),
    e('机构问题', r.orgCode),
    e('件号', r.pieceNumber),
    ...(place ? [e('目录', place.code), e('目录序号', place.seq), e('顺序号', place.carrierSeq)] : []),
    e('题名', entry.title),
    e('文号', entry.docNumber),
    e('责任者', entry.responsible),
    e('日期', entry.date),
    e('密级', entry.secrecy),
    e('页数', entry.pages),
    e('备注', entry.remarks),
    e('类别', r.taskClass),
    e('归档事项', `${r.taskCode} ${r.taskTitle}`),
    e('单位', r.unitFullName),
  ];
  if (entry.photo) {
    const p = entry.photo;
    lines.push(
      '  <照片说明>',
      e('事由', p.reason, 2),
      e('时间', p.timeText, 2),
      e('地点', p.place, 2),
      e('人物', p.people, 2),
      e('摄影者', p.photographer, 2),
      '  </照片说明>',
    );
  }
  lines.push('  <文件列表>');
  for (const f of files) {
    const m = f.material;
    lines.push(
      '    <文件>',
      e('计算机文件名', f.name, 3),
      e('原始文件名', m.originalName, 3),
      e('格式', f.mime, 3),
      e('文件大小', f.size, 3),
      e('SHA256', f.sha256, 3),
      e('发送时间', iso(m.sentAt), 3),
      ...(m.takenAt ? [e('拍摄时间', iso(m.takenAt), 3)] : []),
      ...(m.gpsLat !== null && m.gpsLng !== null ? [e('GPS', `${m.gpsLat},${m.gpsLng}`, 3)] : []),
      ...(m.cameraMake || m.cameraModel
        ? [e('设备', [m.cameraMake, m.cameraModel].filter(Boolean).join(' '), 3)]
        : []),
      ...(m.width && m.height ? [e('像素', `${m.width}x${m.height}`, 3)] : []),
      '    </文件>',
    );
  }
  lines.push(
    '  </文件列表>',
    '  <业务行为>',
    `    <行为 名称="归档" 时间="${iso(r.filedAt)}" 人员="${xmlEscape(r.filedByName ?? r.filedBy)}"/>`,
    `    <行为 名称="确认归档" 时间="${iso(r.confirmedAt)}" 人员="${xmlEscape(r.confirmedByName ?? r.confirmedBy)}"/>`,
    '  </业务行为>',
    '</电子档案>',
    '',
  );
  return lines.join('\n');
}
