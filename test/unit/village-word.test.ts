import { describe, expect, it } from 'vitest';
import { villageWord } from '../../src/domain/village-word.js';
import { urgedUnitsText } from '../../src/domain/digest.js';

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

describe('urgedUnitsText (the digest’s and unit page’s 督办 figure)', () => {
  it('names the urged units as what they are', () => {
    expect(urgedUnitsText(2, ['城关村', '河口村'])).toBe('2 个村');
    expect(urgedUnitsText(1, ['东门社区'])).toBe('1 个社区');
    expect(urgedUnitsText(2, ['城关村', '东门社区'])).toBe('2 个村或社区');
  });
});
