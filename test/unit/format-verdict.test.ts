import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_FORMATS } from '../../src/archive/archive-config.js';
import { refusedFormatLine, refusedFormatLines } from '../../src/domain/format-advice.js';
import { formatVerdict } from '../../src/domain/format-verdict.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The one judgement of a file's format (capture and the 四性 check), and what the officer is told. */
describe('formatVerdict', () => {
  const verdict = (mime: string, bytesMime?: string, list = DEFAULT_ALLOWED_FORMATS) =>
    formatVerdict({ mime, ...(bytesMime ? { bytesMime } : {}) }, list).verdict;

  it('takes the listed formats, by the bytes or their container', () => {
    expect(verdict('application/pdf', 'application/pdf')).toBe('ok');
    expect(verdict('image/jpeg', 'image/jpeg')).toBe('ok');
    expect(verdict(DOCX, 'application/zip')).toBe('ok');
    expect(verdict('application/vnd.ms-excel', 'application/x-cfb')).toBe('ok');
  });

  it('does not refuse what the export converts: a Lark voice note gets its WAV', () => {
    expect(verdict('audio/ogg; codecs=opus', 'audio/ogg; codecs=opus')).toBe('converted');
    expect(verdict('audio/opus', 'audio/opus')).toBe('converted');
  });

  it('refuses archives, iPhone formats sent as files, WebP, M4A and text without a signature', () => {
    expect(verdict('application/zip', 'application/zip')).toBe('refused');
    expect(verdict('application/vnd.rar', 'application/vnd.rar')).toBe('refused');
    expect(verdict('video/quicktime', 'video/quicktime')).toBe('refused');
    expect(verdict('image/heic', 'image/heic')).toBe('refused');
    expect(verdict('image/webp', 'image/webp')).toBe('refused');
    expect(verdict('audio/x-m4a', 'audio/x-m4a')).toBe('refused');
    expect(verdict('text/plain')).toBe('refused');
    // A name claiming a listed format, bytes saying nothing: refused (the 四性 check cannot identify it).
    expect(verdict('application/pdf')).toBe('refused');
  });

  it('follows archive.yaml: a county that lists QuickTime gets its videos accepted', () => {
    expect(
      verdict('video/quicktime', 'video/quicktime', [...DEFAULT_ALLOWED_FORMATS, 'video/quicktime']),
    ).toBe('ok');
  });
});

describe('refusedFormatLine', () => {
  const line = (originalName: string | null, kind: string, sniffedMime: string) =>
    refusedFormatLine({ originalName, kind, sniffedMime });

  it('says in plain words what the file is and what to send instead', () => {
    expect(line('照片.zip', 'document', 'application/zip')).toBe(
      '照片.zip 是压缩包，不能归档：请解压后直接发里面的照片和文件',
    );
    expect(line('IMG_0001.MOV', 'video', 'video/quicktime')).toBe(
      'IMG_0001.MOV：苹果手机的视频不能这样归档，请直接以视频发送（不要以文件发送）',
    );
    expect(line('IMG_0002.HEIC', 'photo', 'image/heic')).toContain('请以图片发送（不要以文件发送）');
    expect(line('IMG_0002.HEIC', 'photo', 'image/heic')).toContain('兼容性最佳');
    expect(line('截图.webp', 'photo', 'image/webp')).toBe(
      '截图.webp 的格式不能归档：请截图或转成 JPG 后以图片发送',
    );
    expect(line('录音.m4a', 'audio', 'audio/x-m4a')).toContain('按住说话直接发语音，或转成 MP3 再发');
    expect(line('通知.txt', 'document', 'text/plain')).toBe(
      '通知.txt 的格式不能归档：请转成 PDF 或 Word 再发',
    );
    expect(line(null, 'video', 'video/x-matroska')).toContain('这个视频的格式不能归档：请直接以视频发送');
  });

  it('lists at most five files, then counts the rest, and says they are kept', () => {
    const files = Array.from({ length: 7 }, (_, i) => ({
      originalName: `${i}.txt`,
      kind: 'document',
      sniffedMime: 'text/plain',
    }));
    const lines = refusedFormatLines(files);
    expect(lines).toHaveLength(7);
    expect(lines[5]).toBe('另有 2 个文件的格式也不能归档');
    expect(lines[6]).toBe('这些文件已保存，但不计入任务');
    expect(refusedFormatLines([])).toEqual([]);
  });
});
