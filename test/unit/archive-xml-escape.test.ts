import { describe, expect, it } from 'vitest';
import { xmlElement, xmlEscape } from '../../src/archive/xml-escape.js';

describe('xmlEscape', () => {
  it('returns plain text (Chinese, digits, spaces) as it is', () => {
    expect(xmlEscape('归档文件 A001-WS·2025-Y-0001 第 3 页')).toBe('归档文件 A001-WS·2025-Y-0001 第 3 页');
    expect(xmlEscape(42)).toBe('42');
    expect(xmlEscape(null)).toBe('');
  });

  it('escapes the five XML characters', () => {
    expect(xmlEscape(`a & b < c > d "e" 'f'`)).toBe('a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;');
  });

  it('drops what XML 1.0 forbids and keeps what it allows', () => {
    expect(xmlEscape('a\u0000b\u0008c\u000bd\u001fe\ufffef\uffffg')).toBe('abcdefg');
    expect(xmlEscape('tab\tline\ncr\r')).toBe('tab\tline\ncr\r');
    // A paired surrogate (an emoji) stays; a lone one goes, whether or not there is more to escape.
    expect(xmlEscape('笑😀')).toBe('笑😀');
    expect(xmlEscape('x\ud800y')).toBe('xy');
    expect(xmlEscape('x\udc00y&')).toBe('xy&amp;');
  });

  it('writes an empty element for an empty value', () => {
    expect(xmlElement('题名', '')).toBe('<题名/>');
    expect(xmlElement('题名', 'a<b', '  ')).toBe('  <题名>a&lt;b</题名>');
  });
});
