/**
 * 一户一卷: a household's records compile into one virtual volume whatever their 门类 (the 申请书 a
 * 文书 件, the visit photos a 照片组), each volume with its 卷内目录 (DA/T 22-2015's volume
 * catalogue columns, with the 档号 that finds each record in its class) and a 卷内备考表, printable for
 * the household's box. The records keep their own 档号; the volume only gathers them.
 */
import { excelSheetName } from './catalogue-class.js';
import type { Retention } from './checklist.js';
import { RETENTION_ORDER } from './retention.js';

/** Widths in Excel character units: together 135, the printable width of A4 landscape at 100%. */
export const VOLUME_COLUMNS = [
  { key: 'seq', header: '序号', width: 5 },
  { key: 'archivalCode', header: '档号', width: 26 },
  { key: 'responsible', header: '责任者', width: 18 },
  { key: 'title', header: '题名', width: 50 },
  { key: 'date', header: '日期', width: 10 },
  { key: 'pages', header: '页数', width: 6 },
  { key: 'remarks', header: '备注', width: 20 },
] as const;

/** Columns of the index sheet: one row per household volume. */
export const VOLUME_INDEX_COLUMNS = [
  { key: 'seq', header: '序号', width: 5 },
  { key: 'unit', header: '村', width: 16 },
  { key: 'code', header: '户号', width: 10 },
  { key: 'head', header: '户主', width: 12 },
  { key: 'group', header: '村民小组', width: 12 },
  { key: 'items', header: '件数', width: 6 },
  { key: 'pages', header: '页数', width: 6 },
  { key: 'categories', header: '门类', width: 16 },
  { key: 'retention', header: '保管期限', width: 10 },
  { key: 'control', header: '控制标识', width: 8 },
  { key: 'sheet', header: '工作表', width: 34 },
] as const;

export const VOLUME_INDEX_SHEET = '卷目录';

/** One live record of a household, as its volume lists it. */
export interface VolumeRecord {
  householdId: number;
  householdCode: string;
  headName: string;
  groupName: string | null;
  unitName: string;
  /** The checklist position of its task: the volume follows the 归档材料清单's order. */
  taskPosition: number;
  archivalCode: string;
  /** 门类 name (文书, 照片 …). */
  category: string;
  retention: Retention;
  responsible: string;
  title: string;
  date: string;
  pages: number | null;
  remarks: string;
}

export interface HouseholdVolume {
  householdId: number;
  householdCode: string;
  headName: string;
  groupName: string | null;
  unitName: string;
  /** The longest 保管期限 of its records (a volume keeps its papers as long as the longest needs). */
  retention: Retention;
  /** 门类 it spans, in order of first appearance. */
  categories: string[];
  /** Its worksheet (unique, within Excel's rules). */
  sheetName: string;
  /** Sum of the 页数 known. */
  pages: number;
  rows: (Omit<VolumeRecord, 'householdId' | 'householdCode' | 'headName' | 'groupName' | 'unitName'> & {
    seq: number;
  })[];
}

/**
 * The volumes of the given records: one per household, in village then 户号 order; inside, records
 * in checklist order, then by date and 档号; 序号 from 1 in each volume.
 */
export function householdVolumes(
  records: readonly VolumeRecord[],
  takenSheets: Set<string>,
): HouseholdVolume[] {
  const byHousehold = new Map<number, VolumeRecord[]>();
  for (const r of records) {
    const list = byHousehold.get(r.householdId);
    if (list) list.push(r);
    else byHousehold.set(r.householdId, [r]);
  }
  const groups = [...byHousehold.values()].sort(
    (a, b) =>
      a[0]!.unitName.localeCompare(b[0]!.unitName, 'zh') ||
      a[0]!.householdCode.localeCompare(b[0]!.householdCode, 'zh', { numeric: true }),
  );
  return groups.map((list) => {
    const first = list[0]!;
    const sorted = [...list].sort(
      (a, b) =>
        a.taskPosition - b.taskPosition ||
        a.date.localeCompare(b.date) ||
        a.archivalCode.localeCompare(b.archivalCode),
    );
    const retention = RETENTION_ORDER.find((r) => list.some((x) => x.retention === r)) ?? first.retention;
    return {
      householdId: first.householdId,
      householdCode: first.householdCode,
      headName: first.headName,
      groupName: first.groupName,
      unitName: first.unitName,
      retention,
      categories: [...new Set(sorted.map((r) => r.category))],
      sheetName: excelSheetName(`${first.unitName}-${first.householdCode} ${first.headName}户`, takenSheets),
      pages: sorted.reduce((n, r) => n + (r.pages ?? 0), 0),
      rows: sorted.map((r, i) => ({
        seq: i + 1,
        taskPosition: r.taskPosition,
        archivalCode: r.archivalCode,
        category: r.category,
        retention: r.retention,
        responsible: r.responsible,
        title: r.title,
        date: r.date,
        pages: r.pages,
        remarks: r.remarks,
      })),
    };
  });
}

/** 卷内备考表's statement: what the volume holds. */
export function volumeNote(v: HouseholdVolume): string {
  return (
    `本卷共 ${v.rows.length} 件（${v.categories.join('、')}），页数合计 ${v.pages}；` +
    '各件保留所在类目的档号，原件按档号存放于各门类；本卷含户籍、身份等个人信息，控制使用。'
  );
}
