import { describe, expect, it } from 'vitest';
import { decideBurst } from '../../src/domain/burst.js';

const at = (s: number) => new Date(Date.UTC(2026, 4, 4, 9, 0, s));
const open = {
  chatId: 'oc_1',
  senderOpenId: 'ou_1',
  firstAt: at(10),
  lastAt: at(12),
  closesAt: at(32),
};
const item = (s: number, o: Partial<{ chatId: string; senderOpenId: string }> = {}) => ({
  chatId: 'oc_1',
  senderOpenId: 'ou_1',
  at: at(s),
  ...o,
});

describe('decideBurst: items of one sender in one chat close in time form one burst', () => {
  it('joins a later item and moves the quiet window', () => {
    expect(decideBurst(open, item(20), 20_000)).toEqual({
      action: 'join',
      firstAt: at(10),
      lastAt: at(20),
      closesAt: at(40),
      becomesFirst: false,
    });
  });

  it('an item sent before the first (recorded late) becomes the first, lastAt does not go back', () => {
    expect(decideBurst(open, item(5), 20_000)).toEqual({
      action: 'join',
      firstAt: at(5),
      lastAt: at(12),
      closesAt: at(32),
      becomesFirst: true,
    });
  });

  it('starts a new burst after the quiet window, or for another sender or chat', () => {
    expect(decideBurst(open, item(33), 20_000).action).toBe('start');
    expect(decideBurst(open, item(20, { senderOpenId: 'ou_2' }), 20_000).action).toBe('start');
    expect(decideBurst(open, item(20, { chatId: 'oc_2' }), 20_000).action).toBe('start');
    expect(decideBurst(undefined, item(20), 20_000)).toEqual({
      action: 'start',
      firstAt: at(20),
      lastAt: at(20),
      closesAt: at(40),
    });
  });
});
