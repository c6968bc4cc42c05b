import { describe, expect, it } from 'vitest';
import { packageSizeText, sizeText } from '../../src/domain/package-size-text.js';

/** A package's recorded size as the archivist reads it: 「共 1.9 GB，10,234 个文件」, nothing when not recorded. */
describe('packageSizeText', () => {
  it('says the size in the largest unit with one decimal and the files thousands-separated', () => {
    expect(packageSizeText({ bytes: Math.round(1.9 * 1024 ** 3), files: 10234 })).toBe(
      '共 1.9 GB，10,234 个文件',
    );
    expect(packageSizeText({ bytes: 512, files: 1 })).toBe('共 512 字节，1 个文件');
    expect(packageSizeText({ bytes: 0, files: 0 })).toBe('共 0 字节，0 个文件');
    expect(packageSizeText({ bytes: 1234567, files: 1234567 })).toBe('共 1.2 MB，1,234,567 个文件');
  });

  it('never says 1024.0 of a unit: it moves to the next', () => {
    expect(sizeText(1024 * 1024 - 1)).toBe('1.0 MB');
    expect(sizeText(1024)).toBe('1.0 KB');
    expect(sizeText(5 * 1024 ** 4)).toBe('5.0 TB');
  });

  it('a package recorded before sizes were kept has none', () => {
    expect(packageSizeText({ bytes: null, files: null })).toBeUndefined();
  });
});
