/**
 * A change on a live record after a 移交包 carried it, its 档号 kept (the second kind of 移交后变更; the
 * first is a 档号 retired): its 著录 changed (`described`: 题名, 责任者, a photo's 说明 …), or some of its
 * files recalled (`recalled`, the rest kept). The county archive's copy still holds the record as it was.
 */
type RecordEditKind = 'described' | 'recalled';

/** What each kind is called wherever 移交后变更 are listed. */
const RECORD_EDIT_WORDS: Record<RecordEditKind, string> = {
  described: '著录已改',
  recalled: '文件已撤回',
};

/** A 著录 field as archivists name it (describe-item's keys). */
export const DESCRIPTION_FIELD_WORDS: Record<string, string> = {
  title: '题名',
  responsible: '责任者',
  date: '日期',
  docNumber: '文号',
  pages: '页数',
  secrecy: '密级',
  remarks: '备注',
  reason: '事由',
  place: '地点',
  people: '人物',
  photographer: '摄影者',
  background: '背景',
  note: '说明',
};

export interface RecordEditFacts {
  kind: RecordEditKind;
  /** 著录: the fields changed (describe-item's keys). */
  fields: string[];
  /** 著录 of one photo: its 张号. */
  photo: number | null;
  /** Files recalled off the record, and how many it still holds. */
  files: number;
  remaining: number | null;
}

/** 「著录已改（题名、责任者）」, 「著录已改（第 2 张照片的说明）」, 「文件已撤回（撤回 1 个文件，还有 2 个）」. */
export function recordEditText(e: RecordEditFacts): string {
  const word = RECORD_EDIT_WORDS[e.kind];
  if (e.kind === 'recalled')
    return `${word}（撤回 ${e.files} 个文件${e.remaining === null ? '' : `，还有 ${e.remaining} 个`}）`;
  if (e.photo !== null) return `${word}（第 ${e.photo} 张照片的说明）`;
  const fields = e.fields.map((f) => DESCRIPTION_FIELD_WORDS[f] ?? f);
  return fields.length > 0 ? `${word}（${fields.join('、')}）` : word;
}
