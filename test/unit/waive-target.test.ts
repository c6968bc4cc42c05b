import { describe, expect, it } from 'vitest';
import { waiveTarget, type CodedTask } from '../../src/domain/waive-target.js';

const t = (code: string, year: number, state: 'open' | 'waived' = 'open', household: number | null = null) =>
  ({ code, itemCode: code.split('-')[0]!, householdId: household, state, year }) satisfies CodedTask;

describe('waiveTarget: which task 免交 / 恢复任务 means', () => {
  it('the one task of that code', () => {
    const c03 = t('C03', 2026);
    expect(waiveTarget([c03, t('C04', 2026)], 'C03', 'waived')).toEqual({ kind: 'one', task: c03 });
  });

  it('several years that can change ask for the year; a year already in that state is no choice', () => {
    const found = [t('C03', 2026), t('C03', 2025), t('C03', 2024, 'waived')];
    expect(waiveTarget(found, 'C03', 'waived')).toEqual({ kind: 'years', years: [2026, 2025] });
    expect(waiveTarget(found, 'C03', 'waived', 2025)).toEqual({ kind: 'one', task: found[1] });
    expect(waiveTarget(found, 'C03', 'open')).toEqual({ kind: 'one', task: found[2] });
    expect(waiveTarget(found, 'C03', 'open', 2026)).toEqual({ kind: 'already', task: found[0] });
    expect(waiveTarget(found, 'C03', 'waived', 2023)).toEqual({ kind: 'none' });
  });

  it('an item code of household tasks asks for the household, with a real code as the example', () => {
    const found = [t('H03-12', 2026, 'open', 7), t('H03-15', 2026, 'open', 8)];
    expect(waiveTarget(found, 'H03', 'waived')).toEqual({ kind: 'household_item', example: 'H03-12' });
    expect(waiveTarget(found, 'H03-15', 'waived')).toEqual({ kind: 'one', task: found[1] });
  });
});
