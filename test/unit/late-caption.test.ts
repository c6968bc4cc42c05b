import { describe, expect, it } from 'vitest';
import {
  captionWithLate,
  isLateCaptionOf,
  LATE_CAPTION_MS,
  lateCaptionWait,
} from '../../src/domain/burst.js';

describe('a late caption', () => {
  const burst = { firstAt: new Date('2026-12-03T10:00:00Z'), lastAt: new Date('2026-12-03T10:00:05Z') };
  const at = (ms: number) => new Date(burst.lastAt.getTime() + ms);

  it('is a text sent after the first photo and at most LATE_CAPTION_MS after the last', () => {
    expect(isLateCaptionOf(burst, at(30_000))).toBe(true);
    expect(isLateCaptionOf(burst, at(LATE_CAPTION_MS))).toBe(true);
    expect(isLateCaptionOf(burst, at(LATE_CAPTION_MS + 1))).toBe(false);
    // Written before the photos: the burst's own caption window read it, or it was not about them.
    expect(isLateCaptionOf(burst, new Date(burst.firstAt.getTime() - 1))).toBe(false);
  });

  it('joins the caption as one more line, once, cut at the limit', () => {
    expect(captionWithLate(null, '#C05 会场', 2000)).toBe('#C05 会场');
    expect(captionWithLate('村委会', '#C05 会场', 2000)).toBe('村委会\n#C05 会场');
    expect(captionWithLate('村委会\n#C05 会场', '#C05 会场', 2000)).toBe('村委会\n#C05 会场');
    expect(captionWithLate('甲乙', '丙丁', 4)).toBe('甲乙\n丙');
  });

  it('waits its quiet window, or the early-caption window for a #code written past the photos’ quiet window', () => {
    const quiet = 20_000;
    const soon = { newerWithinMs: quiet, runAfterMs: quiet };
    expect(lateCaptionWait(burst, { at: at(quiet), coded: true }, quiet)).toEqual(soon);
    expect(lateCaptionWait(burst, { at: at(60_000), coded: false }, quiet)).toEqual(soon);
    expect(lateCaptionWait(burst, { at: at(quiet + 1), coded: true }, quiet)).toEqual({
      newerWithinMs: LATE_CAPTION_MS,
      runAfterMs: LATE_CAPTION_MS + quiet,
    });
  });
});
