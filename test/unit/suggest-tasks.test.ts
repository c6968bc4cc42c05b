import { describe, expect, it } from 'vitest';
import {
  keywordCoversBurst,
  longestCommonSubstring,
  suggestTasks,
  type CandidateTask,
} from '../../src/domain/suggest-tasks.js';
import { normalizeTaskCode, parseTaskCode, taskCode } from '../../src/domain/task-code.js';

const now = new Date('2025-06-01T00:00:00+08:00');
const day = 24 * 60 * 60 * 1000;
const t = (over: Partial<CandidateTask> & { code: string; title: string }): CandidateTask => ({
  taskId: Number(over.code.replace(/\D/g, '')),
  keywords: [],
  kinds: ['photo'],
  dueAt: new Date(now.getTime() + 60 * day),
  missing: 1,
  ...over,
});

const TASKS: CandidateTask[] = [
  t({
    code: 'C03',
    title: '村两委会议记录及签到表',
    kinds: ['document', 'photo'],
    keywords: ['会议记录', '签到'],
  }),
  t({ code: 'C05', title: '重要会议现场照片', keywords: ['会议现场', '开会'] }),
  t({
    code: 'C12',
    title: '识别公示照片',
    keywords: ['公示', '公示栏'],
    dueAt: new Date(now.getTime() - 5 * day),
  }),
  t({ code: 'C19', title: '项目招投标、合同及验收材料', kinds: ['document'], keywords: ['合同', '验收'] }),
  t({ code: 'C20', title: '项目实施前后对比照片', keywords: ['施工前', '完工'], missing: 0 }),
  t({ code: 'C25', title: '重要活动视频', kinds: ['video', 'audio'], keywords: ['视频'] }),
];

const codes = (s: ReturnType<typeof suggestTasks>) => s.map((x) => x.task.code);

describe('task codes', () => {
  it('parses #codes, full-width and plain standalone codes', () => {
    expect(parseTaskCode('#C03')).toBe('C03');
    expect(parseTaskCode('＃Ｃ０３ 村两委会议')).toBe('C03');
    expect(parseTaskCode('会议记录 # c3')).toBe('C03');
    expect(parseTaskCode('#H03-12 张三家')).toBe('H03-12');
    expect(parseTaskCode('C03')).toBe('C03');
    expect(parseTaskCode('公示照片，C12')).toBe('C12');
    expect(parseTaskCode('C12 公示照片')).toBe('C12');
  });

  it('ignores codes that are not clearly standalone', () => {
    expect(parseTaskCode('C03村两委会议')).toBeUndefined();
    expect(parseTaskCode('用A4纸打印')).toBeUndefined();
    expect(parseTaskCode('c03 lower case')).toBeUndefined();
    expect(parseTaskCode('H5 页面')).toBeUndefined();
    expect(parseTaskCode('#C03abc')).toBeUndefined();
    expect(parseTaskCode('')).toBeUndefined();
    expect(parseTaskCode(null)).toBeUndefined();
  });

  it('builds and normalizes codes', () => {
    expect(taskCode('H03', '12a')).toBe('H03-12A');
    expect(normalizeTaskCode('c3')).toBe('C03');
    expect(normalizeTaskCode('h3-0012')).toBe('H03-0012');
    expect(normalizeTaskCode('会议')).toBeUndefined();
  });
});

describe('suggestTasks', () => {
  it('returns only the task named by an explicit code', () => {
    const s = suggestTasks({ caption: '#C19 合同扫描件', counts: { document: 1 } }, TASKS, now);
    expect(codes(s)).toEqual(['C19']);
    expect(s[0]?.explicit).toBe(true);
  });

  it('matches a household item code to every household task, most urgent first', () => {
    const hh = [
      t({ code: 'H03-02', title: '入户调查表', dueAt: new Date(now.getTime() + 9 * day) }),
      t({ code: 'H03-01', title: '入户调查表', dueAt: new Date(now.getTime() + 3 * day) }),
      t({ code: 'H04-01', title: '公示' }),
    ];
    expect(codes(suggestTasks({ caption: '#H03', counts: { photo: 1 } }, hh, now))).toEqual([
      'H03-01',
      'H03-02',
    ]);
  });

  it('falls back to ranking when the code names no open task', () => {
    const s = suggestTasks({ caption: '#C99 公示栏照片', counts: { photo: 2 } }, TASKS, now);
    expect(codes(s)[0]).toBe('C12');
    expect(s[0]?.explicit).toBe(false);
  });

  it('ranks keyword matches in the caption first', () => {
    const s = suggestTasks({ caption: '今天村两委开会的会议记录', counts: { photo: 3 } }, TASKS, now);
    expect(codes(s).slice(0, 2)).toEqual(['C03', 'C05']);
    expect(s[0]?.reasons).toContain('关键词“会议记录”');
    expect(s).toHaveLength(5);
  });

  it('uses file names too', () => {
    const s = suggestTasks({ fileNames: ['施工合同.pdf'], counts: { document: 1 } }, TASKS, now);
    expect(codes(s)[0]).toBe('C19');
  });

  it('prefers tasks accepting the burst kind when there is no text', () => {
    expect(codes(suggestTasks({ counts: { video: 1 } }, TASKS, now))[0]).toBe('C25');
    const docs = codes(suggestTasks({ counts: { document: 2 } }, TASKS, now));
    expect(docs.slice(0, 2).sort()).toEqual(['C03', 'C19']);
  });

  it('takes photos for a document-only task (a paper form photographed), a little behind photo tasks', () => {
    // Before: photos in a document task were −20, so a caption's keyword could not lift it above a photo task.
    expect(codes(suggestTasks({ caption: '工程验收单', counts: { photo: 3 } }, TASKS, now))[0]).toBe('C19');
    const s = suggestTasks({ counts: { photo: 3 } }, TASKS, now, 6);
    const score = (code: string) => s.find((x) => x.task.code === code)!.score;
    expect(score('C19')).toBeGreaterThan(score('C25'));
    expect(score('C19')).toBeLessThan(score('C05'));
  });

  it('puts overdue and still-missing tasks before complete ones', () => {
    const s = codes(suggestTasks({ counts: { photo: 1 } }, TASKS, now, 6));
    expect(s[0]).toBe('C12'); // overdue
    expect(s.indexOf('C20')).toBeGreaterThan(s.indexOf('C05')); // already complete
  });

  it('points at a household by its head name', () => {
    const hh = [
      t({ code: 'H12-01', title: '危房改造材料', householdName: '张三', keywords: ['危房改造'] }),
      t({ code: 'H12-02', title: '危房改造材料', householdName: '李四', keywords: ['危房改造'] }),
    ];
    expect(codes(suggestTasks({ caption: '李四家危房改造完工', counts: { photo: 4 } }, hh, now))[0]).toBe(
      'H12-02',
    );
  });

  it('files by keyword only when every file’s name holds one; the caption only ranks', () => {
    const c03 = { keywords: ['会议记录', '签到'] };
    expect(keywordCoversBurst(c03, { fileNames: ['7月会议记录.pdf', '7月签到表.pdf'] })).toBe(true);
    expect(keywordCoversBurst(c03, { fileNames: ['会议记录.pdf', null] })).toBe(false);
    expect(keywordCoversBurst(c03, { fileNames: [] })).toBe(false);
    // 「明天开会」 next to photos: C05 first on the card, nothing filed.
    const s = suggestTasks({ caption: '明天开会', counts: { photo: 2 } }, TASKS, now);
    expect(codes(s)[0]).toBe('C05');
    expect(keywordCoversBurst(s[0]!.task, { fileNames: [null, null] })).toBe(false);
  });

  it('finds the longest common substring', () => {
    expect(longestCommonSubstring('识别公示照片', '村里公示照片两张')).toBe('公示照片');
    expect(longestCommonSubstring('abc', 'xyz')).toBe('');
  });
});
