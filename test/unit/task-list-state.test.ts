import { describe, expect, it } from 'vitest';
import { allDoneText } from '../../src/domain/no-tasks-yet.js';
import { taskListState, workLeft } from '../../src/domain/task-list-state.js';

describe('task list state', () => {
  it('a unit with an open task can file; none ever given waits for its list; all waived has nothing to wait for', () => {
    expect(taskListState({ total: 12, open: 1 })).toEqual({ kind: 'open' });
    expect(taskListState({ total: 0, open: 0 })).toEqual({ kind: 'not_given' });
    expect(taskListState({ total: 12, open: 0 })).toEqual({ kind: 'all_waived', waived: 12 });
  });

  it('任务 and 缺什么: all 交齐, all 免交 or a mix are said with the counts; anything owed is listed', () => {
    expect(workLeft({ total: 0, complete: 0, waived: 0 })).toEqual({ kind: 'not_given' });
    expect(workLeft({ total: 5, complete: 4, waived: 0 })).toEqual({ kind: 'owing' });
    const said = (complete: number, waived: number) => {
      const w = workLeft({ total: complete + waived, complete, waived });
      if (w.kind !== 'all_done') throw new Error(w.kind);
      return allDoneText(w);
    };
    expect(said(5, 0)).toBe('本单位的任务都已交齐 👍（共 5 项）');
    expect(said(0, 5)).toBe('本单位的任务都已免交，不用再交材料（共 5 项）。');
    expect(said(3, 2)).toBe('本单位的任务都已交齐或免交 👍（交齐 3 项，免交 2 项）');
  });
});
