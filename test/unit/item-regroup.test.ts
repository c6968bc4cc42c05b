import { describe, expect, it } from 'vitest';
import { decideMerge, decideSplit, filesMark, itemIdOfInput } from '../../src/domain/item-regroup.js';

const item = (id: number, o: Partial<Parameters<typeof decideSplit>[0]> = {}) => ({
  id,
  taskId: 5,
  unitId: 11,
  undone: false,
  archivalCode: null,
  materialIds: [101, 102, 103, 104],
  ...o,
});

describe('decideSplit: which files of an item may become a new item', () => {
  it('moves the chosen files in the item’s order and keeps the rest', () => {
    expect(decideSplit(item(1), [104, 102])).toEqual({ ok: true, moving: [102, 104], staying: [101, 103] });
  });

  it('refuses nothing chosen, a file not in the item, every file, an undone item and a live 档号', () => {
    expect(decideSplit(item(1), [])).toMatchObject({ ok: false, reason: 'none_chosen' });
    expect(decideSplit(item(1), [999])).toMatchObject({ ok: false, reason: 'not_in_item' });
    expect(decideSplit(item(1), [101, 102, 103, 104])).toMatchObject({ ok: false, reason: 'would_empty' });
    expect(decideSplit(item(1, { undone: true }), [101])).toMatchObject({ ok: false, reason: 'undone' });
    expect(decideSplit(item(1, { archivalCode: 'A182-WS·2026-Y-0003' }), [101])).toEqual({
      ok: false,
      reason: 'confirmed',
      message: '件 #1 已确认归档（档号 A182-WS·2026-Y-0003），不能移出；请档案员先撤销确认，再移出',
    });
  });

  it('refuses a form drawn before the files changed', () => {
    const drawn = filesMark([101, 102, 103]);
    expect(decideSplit(item(1), [101], drawn)).toMatchObject({ ok: false, reason: 'changed' });
    expect(decideSplit(item(1), [101], filesMark([101, 102, 103, 104]))).toMatchObject({ ok: true });
  });
});

describe('decideMerge: which item may join another', () => {
  it('takes every file of B after A’s', () => {
    expect(decideMerge(item(1), item(2, { materialIds: [201, 202] }))).toEqual({
      ok: true,
      moving: [201, 202],
    });
  });

  it('refuses itself, another task or unit (before saying anything of it), and a live 档号 on either', () => {
    expect(decideMerge(item(1), item(1))).toMatchObject({ reason: 'same_item' });
    expect(decideMerge(item(1), item(2, { taskId: 6, archivalCode: 'X-1' }))).toMatchObject({
      reason: 'other_task',
    });
    expect(decideMerge(item(1), item(2, { unitId: 12 }))).toMatchObject({ reason: 'other_task' });
    expect(decideMerge(item(1, { archivalCode: 'X-1' }), item(2))).toMatchObject({
      reason: 'confirmed',
      message: expect.stringContaining('档号 X-1'),
    });
    expect(decideMerge(item(1), item(2, { archivalCode: 'X-2' }))).toMatchObject({
      reason: 'confirmed',
      message: expect.stringContaining('件 #2 已确认归档（档号 X-2）'),
    });
    expect(decideMerge(item(1), item(2, { undone: true }))).toMatchObject({ reason: 'undone' });
  });
});

describe('itemIdOfInput: the item typed in the 并入 box', () => {
  it('reads a number, #number, 件 #number or a page link', () => {
    expect(itemIdOfInput('12')).toBe(12);
    expect(itemIdOfInput(' #12 ')).toBe(12);
    expect(itemIdOfInput('＃12')).toBe(12);
    expect(itemIdOfInput('件 #12')).toBe(12);
    expect(itemIdOfInput('https://archive.example.cn/items/12?view=3#viewer')).toBe(12);
    expect(itemIdOfInput('')).toBeUndefined();
    expect(itemIdOfInput('第三件')).toBeUndefined();
    expect(itemIdOfInput('0')).toBeUndefined();
  });
});
