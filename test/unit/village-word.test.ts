import { describe, expect, it } from 'vitest';
import { villageWord } from '../../src/domain/village-word.js';

describe('villageWord', () => {
  it('names units under a township by their names: 村, 社区, or both', () => {
    expect(villageWord(['城关村', '河口村委会'])).toBe('村');
    expect(villageWord(['东风社区', '西园居委会'])).toBe('社区');
    expect(villageWord(['东风社区', '西园村'])).toBe('村（社区）');
    // A name that says neither, or no unit at all: the phrase for both.
    expect(villageWord(['城关', '河口村'])).toBe('村（社区）');
    expect(villageWord([])).toBe('村（社区）');
  });
});
