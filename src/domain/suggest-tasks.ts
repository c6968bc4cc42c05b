import type { EvidenceKind } from './checklist.js';
import { parseTaskCode } from './task-code.js';
import { takesPhotosAsPaper } from './photographed-paper.js';

/** What the suggestion card knows about a burst. */
export interface BurstFacts {
  caption?: string | null;
  fileNames?: readonly string[];
  counts: Partial<Record<EvidenceKind, number>>;
}

/** An open task of the unit the burst was posted for. */
export interface CandidateTask {
  taskId: number;
  code: string;
  title: string;
  keywords: readonly string[];
  kinds: readonly string[];
  dueAt: Date;
  /** Accepted materials still missing (0 = already complete). */
  missing: number;
  /** Household head, for household tasks: a name in the caption points at the household. */
  householdName?: string | null;
}

export interface Suggestion {
  task: CandidateTask;
  score: number;
  /** Short zh-CN reasons, for the card (e.g. 关键词“公示”). */
  reasons: string[];
  /** Chosen by a typed code (#C03): the only candidates. */
  explicit: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Ranks the likeliest tasks for a burst (top `limit`). A typed code that names open tasks wins
 * outright; otherwise keywords and title fragments found in the caption or file names, kind fit,
 * whether anything is still missing, and the nearest due date decide.
 */
export function suggestTasks(
  burst: BurstFacts,
  tasks: readonly CandidateTask[],
  now: Date,
  limit = 5,
): Suggestion[] {
  const code = parseTaskCode(burst.caption);
  if (code) {
    const hits = tasks.filter((t) => t.code === code || t.code.startsWith(`${code}-`));
    if (hits.length > 0) {
      return [...hits]
        .sort(byUrgency)
        .slice(0, limit)
        .map((task) => ({ task, score: 1000, reasons: [`编码 #${task.code}`], explicit: true }));
    }
  }
  const text = normalize([burst.caption ?? '', ...(burst.fileNames ?? []).map(stripExtension)].join(' '));
  const scored = tasks.map((task) => score(task, text, burst.counts, now));
  return scored
    .sort((a, b) => b.score - a.score || byUrgency(a.task, b.task))
    .slice(0, limit)
    .map((s) => ({ ...s, score: Math.round(s.score * 10) / 10 }));
}

/**
 * Whether `task`'s keywords speak for the whole burst, so that it is filed there at once: every file's
 * name holds one (`fileNames`: one per file, null when it has none; not necessarily the same one:
 * 「会议记录.pdf」 and 「签到表.pdf」 are both C03's). A file's name describes that file only: 「会议记录.docx」
 * sent with three photos says nothing about the photos, so it may rank the task first but must not file
 * all four there. A keyword in the caption never files by itself, it only ranks its task first: the
 * texts around photos are often chat (「明天开会」 sent next to site photos is no 会议现场 of theirs); an
 * officer who means a task writes its code (#C05), which files at once.
 */
export function keywordCoversBurst(
  task: Pick<CandidateTask, 'keywords'>,
  burst: { fileNames: readonly (string | null)[] },
): boolean {
  const keys = task.keywords.map(normalize).filter((k) => k.length > 0);
  const named = (text: string) => keys.some((k) => text.includes(k));
  const names = burst.fileNames.map((n) => (n === null ? '' : normalize(stripExtension(n))));
  return names.length > 0 && names.every(named);
}

function score(task: CandidateTask, text: string, counts: BurstFacts['counts'], now: Date): Suggestion {
  let total = 0;
  const reasons: string[] = [];
  if (text) {
    for (const kw of task.keywords) {
      if (kw && text.includes(normalize(kw))) {
        total += 10 + 2 * Math.min(kw.length, 6);
        reasons.push(`关键词“${kw}”`);
      }
    }
    const common = longestCommonSubstring(normalize(task.title), text);
    if (common.length >= 2) {
      total += 4 * Math.min(common.length, 8);
      reasons.push(`标题含“${common}”`);
    }
    if (task.householdName && text.includes(normalize(task.householdName))) {
      total += 15;
      reasons.push(`户主${task.householdName}`);
    }
  }
  const all = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  if (all > 0) {
    // Photos fit a task that takes paper as photos (photographed-paper.ts), a little less than a photo task.
    const paper = takesPhotosAsPaper(task.kinds) ? 0.5 * (counts.photo ?? 0) : 0;
    const fitting = task.kinds.reduce((a, k) => a + (counts[k as EvidenceKind] ?? 0), paper);
    total += fitting === 0 ? -20 : 8 * (fitting / all);
  }
  total += task.missing > 0 ? 5 : -15;
  const daysLeft = (task.dueAt.getTime() - now.getTime()) / DAY_MS;
  total += daysLeft < 0 ? 4 : 3 / (1 + daysLeft / 30);
  if (daysLeft < 0) reasons.push('已逾期');
  return { task, score: total, reasons, explicit: false };
}

function byUrgency(a: CandidateTask, b: CandidateTask): number {
  return a.dueAt.getTime() - b.dueAt.getTime() || a.code.localeCompare(b.code);
}

/** Lower-case, full-width → half-width, punctuation and spaces removed (Chinese needs no tokenizer). */
const normalized = new Map<string, string>();

function normalize(s: string): string {
  // Keywords and titles repeat across tasks and bursts: remember them (bounded).
  let n = normalized.get(s);
  if (n === undefined) {
    n = s
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\s\p{P}\p{S}]+/gu, '');
    if (normalized.size > 50_000) normalized.clear();
    normalized.set(s, n);
  }
  return n;
}

function stripExtension(name: string): string {
  return name.replace(/\.[0-9a-z]{1,5}$/i, '');
}

/** Longest common substring (by code points); strings here are short. */
export function longestCommonSubstring(a: string, b: string): string {
  const x = [...a];
  const y = [...b];
  let best = 0;
  let end = 0;
  let prev = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    const cur = new Array<number>(y.length + 1).fill(0);
    for (let j = 1; j <= y.length; j++) {
      if (x[i - 1] === y[j - 1]) {
        cur[j] = prev[j - 1]! + 1;
        if (cur[j]! > best) {
          best = cur[j]!;
          end = i;
        }
      }
    }
    prev = cur;
  }
  return x.slice(end - best, end).join('');
}
