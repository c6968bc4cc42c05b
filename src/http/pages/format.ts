import { localDay, partsIn } from '../../domain/working-days.js';

export const day = (d: Date, tz: string): string => localDay(d, tz);

/** A time later today or tomorrow as people say it: 「今天 18:30」, 「明天 8:00」. */
export function comingTime(at: Date, now: Date, tz: string): string {
  const p = partsIn(at, tz);
  const when = localDay(at, tz) === localDay(now, tz) ? '今天' : '明天';
  return `${when} ${Number(p.hour)}:${p.minute}`;
}

export function dateTime(d: Date, tz: string): string {
  const f = new Intl.DateTimeFormat('zh-CN', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  return f.format(d).replace(/\//g, '-');
}

export const percent = (p: number | null): string => (p === null ? '—' : `${p.toFixed(1)}%`);

export const KIND_LABEL: Record<string, string> = {
  county: '县',
  township: '乡镇',
  village: '村',
  department: '部门',
  photo: '照片',
  document: '文件',
  audio: '录音',
  video: '视频',
  photo_group: '照片组',
};

export const STATE_LABEL: Record<string, string> = {
  complete: '已齐',
  partly: '部分',
  open: '未交',
  waived: '免交',
};

export const ACTION_LABEL: Record<string, string> = {
  file: '归档',
  undo: '撤销',
  refile: '改归',
  unfile: '撤下',
  confirm: '确认归档',
  unconfirm: '撤回档号',
  describe: '著录',
  correction_request: '申请更正',
  correction_answer: '答复更正',
  urge: '督办',
  recall: '撤回',
  join_late: '补入（下载完成后自动归入）',
};

export function counts(c: { photo: number; document: number; audio: number; video: number }): string {
  const parts: string[] = [];
  if (c.photo) parts.push(`${c.photo} 张照片`);
  if (c.document) parts.push(`${c.document} 份文件`);
  if (c.audio) parts.push(`${c.audio} 段录音`);
  if (c.video) parts.push(`${c.video} 段视频`);
  return parts.join('、') || '—';
}
