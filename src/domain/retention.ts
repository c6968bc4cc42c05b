import { RETENTION_LABELS, type Retention } from './checklist.js';

export { RETENTION_LABELS };

/** Order of retention periods, longest first (catalogues and tables list 永久 first). */
export const RETENTION_ORDER: readonly Retention[] = ['Y', 'D30', 'D10'];

export function isRetention(v: unknown): v is Retention {
  return v === 'Y' || v === 'D30' || v === 'D10';
}

/** One line of the 归档范围与保管期限表 shipped in 其他/. */
export interface RetentionTableRow {
  taskClass: string;
  itemCode: string;
  title: string;
  retention: Retention;
}

/**
 * The retention table of the tasks in a package: one line per (class, checklist item), sorted by
 * class then item code, as tab-separated text with a header.
 */
export function retentionTableText(
  rows: RetentionTableRow[],
  codes: Record<Retention, string>,
  heading: string,
): string {
  const seen = new Set<string>();
  const unique = rows.filter((r) => {
    const k = `${r.taskClass}\u0000${r.itemCode}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  unique.sort((a, b) => a.taskClass.localeCompare(b.taskClass, 'zh') || a.itemCode.localeCompare(b.itemCode));
  const lines = [heading, '', ['类别', '条目编码', '归档材料', '保管期限', '期限代码'].join('\t')];
  for (const r of unique) {
    lines.push(
      [r.taskClass, r.itemCode, r.title, RETENTION_LABELS[r.retention], codes[r.retention]].join('\t'),
    );
  }
  lines.push(
    '',
    `保管期限代码：${RETENTION_ORDER.map((r) => `${codes[r]}=${RETENTION_LABELS[r]}`).join('，')}`,
  );
  return lines.join('\r\n') + '\r\n';
}
