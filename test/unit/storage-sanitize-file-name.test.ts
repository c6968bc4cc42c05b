import { describe, expect, it } from 'vitest';
import { sanitizeFileName } from '../../src/storage/sanitize-file-name.js';

describe('sanitizeFileName', () => {
  it('keeps ordinary and Chinese names', () => {
    expect(sanitizeFileName('验收单.pdf')).toBe('验收单.pdf');
    expect(sanitizeFileName('2024年 脱贫攻坚 台账(终稿).xlsx')).toBe('2024年 脱贫攻坚 台账(终稿).xlsx');
  });

  it('strips path separators and parent references', () => {
    expect(sanitizeFileName('../../etc/passwd.jpg')).toBe('etc_passwd.jpg');
    expect(sanitizeFileName('..\\..\\windows\\system32\\a.dll')).toBe('windows_system32_a.dll');
    expect(sanitizeFileName('..')).toBe('file');
    expect(sanitizeFileName('/')).toBe('file');
    for (const evil of ['../x', 'a/../../b', '....//....//c.txt', '.\\.\\d']) {
      const out = sanitizeFileName(evil);
      expect(out).not.toMatch(/[/\\]/);
      expect(out).not.toContain('..');
      expect(out.startsWith('.')).toBe(false);
    }
  });

  it('removes control and reserved characters, leading dots and trailing dots/spaces', () => {
    expect(sanitizeFileName('a\u0000b\nc\td.txt')).toBe('a_b_c_d.txt');
    expect(sanitizeFileName('what?<>:"|*.doc')).toBe('what_.doc');
    expect(sanitizeFileName('.bashrc')).toBe('bashrc');
    expect(sanitizeFileName('report.pdf. . ')).toBe('report.pdf');
    expect(sanitizeFileName('gpj.exe\u202e')).toBe('gpj.exe');
  });

  it('defuses reserved Windows device names', () => {
    expect(sanitizeFileName('CON')).toBe('_CON');
    expect(sanitizeFileName('nul.txt')).toBe('_nul.txt');
    expect(sanitizeFileName('com1.tar.gz')).toBe('_com1.tar.gz');
    expect(sanitizeFileName('console.txt')).toBe('console.txt');
  });

  it('maps empty input to "file"', () => {
    expect(sanitizeFileName('')).toBe('file');
    expect(sanitizeFileName('   ')).toBe('file');
    expect(sanitizeFileName('...')).toBe('file');
  });

  it('truncates by UTF-8 bytes, keeping the extension and whole characters', () => {
    const long = `${'村'.repeat(100)}.docx`; // 300 bytes of name
    const out = sanitizeFileName(long);
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(200);
    expect(out.endsWith('.docx')).toBe(true);
    expect(out).toBe(`${'村'.repeat(65)}.docx`);
    expect(sanitizeFileName('abcdef.txt', 8)).toBe('abcd.txt');
    const emoji = sanitizeFileName(`${'😀'.repeat(10)}.jpg`, 15);
    expect(emoji).toBe('😀😀.jpg');
  });

  it('treats an absurdly long "extension" as part of the name', () => {
    const out = sanitizeFileName(`a.${'x'.repeat(300)}`, 50);
    expect(Buffer.byteLength(out)).toBe(50);
  });
});
