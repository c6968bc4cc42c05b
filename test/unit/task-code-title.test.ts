import { describe, expect, it } from 'vitest';
import { filingTitle } from '../../src/domain/checklist-filing.js';

/**
 * A caption's task code files the materials; it is no part of their 题名. Only #codes were taken out, so
 * 「C05 会议照片」 or 「[C05]」 (both file to C05) went into the catalogue as the title.
 */
describe('the 题名 of a caption with its task code', () => {
  const task = { title: '重要会议现场照片' };
  it.each([
    ['#C05 会议照片', '会议照片'],
    ['会议照片 #c5', '会议照片'],
    ['C05 会议照片', '会议照片'],
    ['[C05] 会议照片', '会议照片'],
    ['会议照片（C05）', '会议照片'],
    ['【#C05】村委会议', '村委会议'],
    ['#H03-12 张三申请书', '张三申请书'],
  ])('「%s」 → 「%s」', (caption, title) => {
    expect(filingTitle(caption, task)).toBe(title);
  });

  it('a code alone leaves the task’s title', () => {
    expect(filingTitle('[C05]', task)).toBe('重要会议现场照片');
    expect(filingTitle('［C05］', task)).toBe('重要会议现场照片');
  });

  it('letters and digits inside words are no code', () => {
    expect(filingTitle('按C05要求整改', task)).toBe('按C05要求整改');
    expect(filingTitle('G20峰会宣传', task)).toBe('G20峰会宣传');
  });
});
