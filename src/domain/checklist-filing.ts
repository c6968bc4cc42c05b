import type { EvidenceKind } from './checklist.js';
import { withoutTaskCodes } from './task-code.js';

export type FilingKind = 'document' | 'photo_group' | 'audio' | 'video';

/** The filer (or an archivist) may undo a filing for 24 hours; afterwards only archivists correct it. */
export const UNDO_WINDOW_MS = 24 * 60 * 60 * 1000;

export function undoDeadline(filedAt: Date): Date {
  return new Date(filedAt.getTime() + UNDO_WINDOW_MS);
}

/**
 * Whether the filer may still take a filing back themselves (撤销): within its 24 hours, and not
 * confirmed by the archivist meanwhile (a live 档号: then only 申请更正).
 */
export function undoableNow(item: { filedAt: Date; archivalCode?: string | null }, now: Date): boolean {
  return !item.archivalCode && now.getTime() <= undoDeadline(item.filedAt).getTime();
}

/** 件 or 组: all photos → one 照片组; all videos/audio → that; anything mixed → a document 件. */
export function filingKindOf(kinds: readonly string[]): FilingKind {
  if (kinds.length > 0 && kinds.every((k) => k === 'photo')) return 'photo_group';
  if (kinds.length > 0 && kinds.every((k) => k === 'video')) return 'video';
  if (kinds.length > 0 && kinds.every((k) => k === 'audio')) return 'audio';
  return 'document';
}

/**
 * What a task's items are archived as when its checklist item does not say: 文书 whenever documents
 * are accepted (a signed form may arrive photographed), else the one kind it takes.
 */
export function archiveAsOf(kinds: readonly string[]): EvidenceKind {
  if (kinds.includes('document') || kinds.length === 0) return 'document';
  return kinds[0] as EvidenceKind;
}

/**
 * The item kind (门类) of a filing: a task archived as 文书 makes one 文书 件 of whatever was sent
 * (photographed pages included); otherwise the materials decide (all photos: a 照片组).
 */
export function archiveKindOf(materialKinds: readonly string[], archiveAs: EvidenceKind): FilingKind {
  return archiveAs === 'document' ? 'document' : filingKindOf(materialKinds);
}

/** Per-kind counts of a set of materials. */
export function countKinds(kinds: readonly string[]): Record<EvidenceKind, number> {
  const out: Record<EvidenceKind, number> = { photo: 0, document: 0, audio: 0, video: 0 };
  for (const k of kinds) if (k in out) out[k as EvidenceKind]++;
  return out;
}

/**
 * Title of a filed item (题名): the caption without its task code when there is one, else the task
 * title (with the household head for household tasks).
 */
export function filingTitle(
  caption: string | null | undefined,
  task: { title: string; householdName?: string | null },
): string {
  const text = withoutTaskCodes(caption ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length >= 2) return text.length > 100 ? `${text.slice(0, 99)}…` : text;
  return task.householdName ? `${task.householdName}户 ${task.title}` : task.title;
}

/**
 * The 题名 of an item moved to another task (改归), when it changes: one that was the old task's own
 * (no caption gave it one: 「张三户 申请书」) becomes the new task's, so the catalogue does not name the
 * task or household the item was moved away from. A 题名 taken from a caption stays (undefined).
 */
export function titleAfterRefile(
  title: string,
  from: { title: string; householdName?: string | null },
  to: { title: string; householdName?: string | null },
): string | undefined {
  if (title !== filingTitle(null, from)) return undefined;
  const next = filingTitle(null, to);
  return next === title ? undefined : next;
}
