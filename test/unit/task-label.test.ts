import { describe, expect, it } from 'vitest';
import { householdsNamedIn, matchTasks } from '../../src/domain/match-tasks.js';
import { shortTaskLabel, shortTaskLabels, TASK_LABEL_CHARS } from '../../src/domain/task-label.js';

describe('task labels for phones', () => {
  it('drops parenthesised detail and prefixes the household', () => {
    expect(shortTaskLabel({ title: '危房改造材料（含改造前后照片）', householdName: '张三' })).toBe(
      '张三户·危房改造材料',
    );
    expect(shortTaskLabel({ title: '村两委会议记录' })).toBe('村两委会议记录');
  });
  it('cuts what is still too long, and tells alike labels apart by code within the limit', () => {
    const long = shortTaskLabel({ title: '帮扶责任人联系卡及入户走访照片', householdName: '欧阳小明' });
    expect([...long]).toHaveLength(TASK_LABEL_CHARS);
    expect(long.endsWith('…')).toBe(true);
    const two = shortTaskLabels([
      { code: 'H12-01', title: '危房改造材料', householdName: '张三' },
      { code: 'H12-48', title: '危房改造材料', householdName: '张三' },
      { code: 'C01', title: '会议记录' },
    ]);
    expect(two).toEqual(['张三户·危房改造材料 H12-01', '张三户·危房改造材料 H12-48', '会议记录']);
  });
  it("tells last year's and this year's task apart by year: the code repeats every year", () => {
    expect(
      shortTaskLabels([
        { code: 'C05', title: '重要会议现场照片', campaignYear: 2026 },
        { code: 'C05', title: '重要会议现场照片', campaignYear: 2027 },
        { code: 'H12-01', title: '危房改造材料', householdName: '张三', campaignYear: 2027 },
        { code: 'H12-48', title: '危房改造材料', householdName: '张三', campaignYear: 2027 },
      ]),
    ).toEqual([
      '重要会议现场照片 2026年',
      '重要会议现场照片 2027年',
      '张三户·危房改造材料 H12-01',
      '张三户·危房改造材料 H12-48',
    ]);
  });
});

describe('finding tasks and households in text', () => {
  const tasks = [
    { code: 'H12-01', title: '危房改造材料', keywords: ['危改'], householdName: '张三', householdCode: '01' },
    { code: 'H01-02', title: '贫困户申请书', keywords: [], householdName: '李四', householdCode: '02' },
    { code: 'C01', title: '村两委会议记录', keywords: ['会议记录'] },
  ];
  it('every word must match the code, title, keyword, head or household code', () => {
    expect(matchTasks('张三 危改', tasks).map((t) => t.code)).toEqual(['H12-01']);
    expect(matchTasks('h01', tasks).map((t) => t.code)).toEqual(['H01-02']);
    expect(matchTasks('02', tasks).map((t) => t.code)).toEqual(['H01-02']);
    expect(matchTasks('会议', tasks).map((t) => t.code)).toEqual(['C01']);
    expect(matchTasks('  ', tasks)).toEqual([]);
  });
  it('names households whose head the text mentions, longest name first, shared names both', () => {
    const hs = [
      { id: 1, name: '张三' },
      { id: 2, name: '张三丰' },
      { id: 3, name: '张三' },
      { id: 4, name: '王' },
    ];
    expect(householdsNamedIn('张三丰家的照片', hs).map((h) => h.id)).toEqual([2]);
    expect(householdsNamedIn('张三家，王家', hs).map((h) => h.id)).toEqual([1, 3]);
    expect(householdsNamedIn(null, hs)).toEqual([]);
  });
});
