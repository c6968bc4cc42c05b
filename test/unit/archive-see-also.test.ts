import { describe, expect, it } from 'vitest';
import { seeAlsoOf, type RelatedRecord } from '../../src/domain/see-also.js';

const rec = (itemId: number, kind: RelatedRecord['kind'], day: string, taskId = 1): RelatedRecord => ({
  itemId,
  taskId,
  kind,
  day,
  archivalCode: `A-${kind}-${itemId}`,
});

describe('参见号 (seeAlsoOf)', () => {
  it('links records of the same task in other 门类, never itself, its own 门类 or another task', () => {
    const all = [
      rec(1, 'photo_group', '20250520'),
      rec(2, 'document', '20250521'),
      rec(3, 'photo_group', '20250520'),
      rec(4, 'document', '20250520', 2),
    ];
    // Nothing that day, but the task's photos all fall on one other day: they still refer to each other.
    expect(
      seeAlsoOf(
        rec(2, 'document', '20250521'),
        all.filter((r) => r.itemId !== 3),
      ),
    ).toEqual(['A-photo_group-1']);
    expect(
      seeAlsoOf(rec(1, 'photo_group', '20250520'), [
        rec(1, 'photo_group', '20250520'),
        rec(4, 'document', '20250520', 2),
      ]),
    ).toEqual([]);
  });

  it('keeps to the same day when the task holds records on several days (monthly meetings), else none', () => {
    const all = [
      rec(1, 'photo_group', '20250105'),
      rec(2, 'document', '20250105'),
      rec(3, 'photo_group', '20250205'),
      rec(4, 'document', '20250205'),
      rec(5, 'audio', '20250205'),
    ];
    expect(seeAlsoOf(all[0]!, all)).toEqual(['A-document-2']);
    expect(seeAlsoOf(all[3]!, all)).toEqual(['A-audio-5', 'A-photo_group-3']);
    expect(seeAlsoOf(rec(6, 'document', '20250305'), all)).toEqual([]);
  });
});
