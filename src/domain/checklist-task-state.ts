import type { EvidenceKind } from './checklist.js';

/** Stored state is open | waived; partly and complete are derived from live filings. */
export type TaskState = 'open' | 'partly' | 'complete' | 'waived';

export function taskState(t: { waived: boolean; filed: number; minCount: number }): TaskState {
  if (t.waived) return 'waived';
  if (t.filed >= t.minCount) return 'complete';
  return t.filed > 0 ? 'partly' : 'open';
}

/** How many accepted materials are still missing (0 when complete or waived). */
export function missingCount(t: { waived: boolean; filed: number; minCount: number }): number {
  return t.waived ? 0 : Math.max(0, t.minCount - t.filed);
}

const MEASURE: Record<EvidenceKind, [string, string]> = {
  photo: ['张', '照片'],
  document: ['份', '文件'],
  video: ['段', '视频'],
  audio: ['段', '录音'],
};

/** 还缺 3 张照片 / 还缺 1 份文件 / 还缺 2 份材料（照片或文件）. */
export function missingText(kinds: readonly string[], missing: number): string {
  if (missing <= 0) return '已齐全';
  const known = kinds.filter((k): k is EvidenceKind => k in MEASURE);
  if (known.length === 1) {
    const [measure, noun] = MEASURE[known[0]!];
    return `还缺 ${missing} ${measure}${noun}`;
  }
  return `还缺 ${missing} 份材料（${known.map((k) => MEASURE[k][1]).join('或')}）`;
}

/** Percentage of done (complete + waived) tasks, one decimal; null when there are none. */
export function percentDone(t: { total: number; complete: number; waived: number }): number | null {
  if (t.total === 0) return null;
  return Math.round(((t.complete + t.waived) / t.total) * 1000) / 10;
}
