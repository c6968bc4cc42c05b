import { describe, expect, it } from 'vitest';
import { CAPTION_MAX_CHARS, captionWithout, titleWithout } from '../../src/domain/caption-without.js';

describe('captionWithout: a recalled text leaves the caption it was joined into', () => {
  it('removes it as a whole line-joined piece, first, middle or last, and only there', () => {
    expect(captionWithout('甲\n乙\n丙', '甲')).toBe('乙\n丙');
    expect(captionWithout('甲\n乙\n丙', '乙')).toBe('甲\n丙');
    expect(captionWithout('甲\n乙\n丙', '丙')).toBe('甲\n乙');
    expect(captionWithout('甲', '甲')).toBeNull();
    // Part of another text is not this message's text.
    expect(captionWithout('甲乙\n丙', '乙')).toBeUndefined();
    // Sent twice: one copy stays, the other message still carries it.
    expect(captionWithout('甲\n甲', '甲')).toBe('甲');
  });

  it('a text the caption was cut inside leaves with its beginning', () => {
    const head = 'x'.repeat(CAPTION_MAX_CHARS - 6);
    const long = '危房改造照片说明很长很长';
    const caption = `${head}\n${long}`.slice(0, CAPTION_MAX_CHARS);
    expect(captionWithout(caption, long)).toBe(head);
    expect(captionWithout('甲\n危房', long)).toBeUndefined();
  });

  it('a 题名 changes only when it was taken from the caption', () => {
    const task = { title: '危房改造照片' };
    expect(titleWithout('甲村 乙户', { before: '甲村\n乙户', after: '甲村' }, task)).toBe('甲村');
    expect(titleWithout('档案员改的题名', { before: '甲村\n乙户', after: '甲村' }, task)).toBeUndefined();
    expect(titleWithout('甲乙', { before: '甲乙', after: null }, task)).toBe('危房改造照片');
  });
});
