import { describe, expect, it } from 'vitest';
import { tooLargeLimitMb, unsavedLines, unsavedList } from '../../src/domain/burst-summary.js';

const MB = 1024 * 1024;

describe('unsavedLines: what the sender of a too-large file can do on a phone', () => {
  it('names the limit the file must keep under: ours when it was the reason, else the lower of Lark’s 100 MB and ours', () => {
    expect(tooLargeLimitMb(1024 * MB, true)).toBe(1024);
    expect(tooLargeLimitMb(1024 * MB, false)).toBe(100);
    expect(tooLargeLimitMb(50 * MB, false)).toBe(50);
  });

  it('a video over the bot’s own limit is trimmed into parts under it; nothing asks to compress or split', () => {
    const lines = unsavedLines({
      tooLarge: [
        { name: '入户走访.mp4', video: true },
        { name: '会议录像.mov', video: true },
      ],
      maxMb: tooLargeLimitMb(1024 * MB, true),
    });
    expect(lines).toEqual([
      '视频太大（超过 1024 MB），机器人收不到：入户走访.mp4、会议录像.mov。' +
        '请在手机相册里把视频剪成几段（每段不超过 1024 MB），再一段一段发送',
    ]);
    expect(lines.join('')).not.toMatch(/压缩|分卷/);
  });
});

describe('unsavedList: the files of an unsaved line, short on a phone', () => {
  it('counts unnamed files per kind, lists named ones up to five, and counts the rest', () => {
    expect(unsavedList(['照片', '照片', '照片'])).toBe('3 张照片');
    expect(unsavedList(['申请书.docx', '照片', '语音', '照片'])).toBe('申请书.docx、2 张照片、1 段语音');
    expect(unsavedList(['', ''])).toBe('2 个未命名的文件');
    const seven = ['a.pdf', 'b.pdf', 'c.pdf', 'd.pdf', 'e.pdf', 'f.pdf', 'g.pdf'];
    expect(unsavedList([...seven, '照片'])).toBe('a.pdf、b.pdf、c.pdf、d.pdf、e.pdf 等 7 个文件、1 张照片');
    expect(unsavedList(['constructor'])).toBe('constructor');
  });
});
