/**
 * What an officer is told about a file whose format the archive refuses (domain/format-verdict.ts), on the
 * burst's cards and in the filing answer, while the file can still be sent again: plain words, the file's
 * name and what to send instead. The file is kept (never deleted) but counts towards no task.
 */
export interface RefusedFile {
  originalName: string | null;
  kind: string;
  /** The type capture resolved (materials.sniffed_mime). */
  sniffedMime?: string | null;
}

const ARCHIVES = new Set([
  'application/zip',
  'application/x-zip-compressed',
  'application/vnd.rar',
  'application/x-rar-compressed',
  'application/x-7z-compressed',
  'application/gzip',
  'application/x-tar',
  'application/x-bzip2',
  'application/x-xz',
]);

const KIND_NAMES: Record<string, string> = { photo: '照片', document: '文件', audio: '录音', video: '视频' };

/** The files' advice lines shown at most; the rest are counted (「另有 3 个文件的格式也不能归档」). */
const REFUSED_SHOWN = 5;

/**
 * 「照片.zip 是压缩包，不能归档：请解压后直接发里面的照片和文件」, 「IMG_0001.MOV：苹果手机的视频不能归档，请直接以视频
 * 发送（不要以文件发送）」, 「通知.txt 的格式不能归档：请转成 PDF 或 Word 再发」 …
 */
export function refusedFormatLine(f: RefusedFile): string {
  const name = f.originalName ?? `这个${KIND_NAMES[f.kind] ?? '文件'}`;
  // 「通知.txt 的格式」, 「这个视频的格式」.
  const its = f.originalName ? `${name} 的格式` : `${name}的格式`;
  const mime = (f.sniffedMime ?? '').toLowerCase();
  if (ARCHIVES.has(mime)) return `${name} 是压缩包，不能归档：请解压后直接发里面的照片和文件`;
  if (mime === 'video/quicktime')
    return `${name}：苹果手机的视频不能这样归档，请直接以视频发送（不要以文件发送）`;
  if (f.kind === 'video' || mime.startsWith('video/'))
    return `${its}不能归档：请直接以视频发送（不要以文件发送），或转成 MP4 再发`;
  if (/^image\/(heic|heif|avif)/.test(mime))
    return `${name} 是苹果手机的照片格式，不能归档：请以图片发送（不要以文件发送），或在手机「设置—相机—格式」里选「兼容性最佳」后再拍`;
  if (f.kind === 'photo' || mime.startsWith('image/')) return `${its}不能归档：请截图或转成 JPG 后以图片发送`;
  if (f.kind === 'audio' || mime.startsWith('audio/'))
    return `${its}不能归档：请在飞书里按住说话直接发语音，或转成 MP3 再发`;
  return `${its}不能归档：请转成 PDF 或 Word 再发`;
}

/**
 * The lines of a burst's refused files, under its summary: one per file (at most REFUSED_SHOWN), then that
 * they count towards no task and the originals are kept. Empty when none is refused.
 */
export function refusedFormatLines(files: readonly RefusedFile[]): string[] {
  if (files.length === 0) return [];
  const lines = files.slice(0, REFUSED_SHOWN).map(refusedFormatLine);
  const more = files.length - REFUSED_SHOWN;
  if (more > 0) lines.push(`另有 ${more} 个文件的格式也不能归档`);
  lines.push(files.length === 1 ? '这个文件已保存，但不计入任务' : '这些文件已保存，但不计入任务');
  return lines;
}
