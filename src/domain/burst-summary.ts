import type { MaterialKind } from './material-kind.js';

export type BurstCounts = Partial<Record<MaterialKind, number>>;

/** What went wrong with some items of a burst; names are original file names (or a description). */
export interface BurstProblems {
  /** Inside merged forwards, not downloadable by the bot. */
  needsReupload?: string[];
  /** Sent directly, but Lark refuses the bot the file (recalled meanwhile, or not given to bots). */
  refused?: string[];
  /** Too large for the bot to receive; videos get their own line (a phone can trim a video). */
  tooLarge?: { name: string; video: boolean }[];
  /** The size limit, in MB, named in the too-large lines (`tooLargeLimitMb`). */
  maxMb?: number;
  empty?: string[];
  failed?: string[];
  /** Photos that look re-encoded by the chat client (under 3 MP; a large scan without EXIF is not). */
  compressedPhotos?: number;
}

/**
 * Lark hands a bot no file above 100 MB (code 234037, lark-platform.md §4); the bot asks by Range,
 * so a refusal can still come, and when it does this is the limit the sender must keep under.
 */
export const LARK_FILE_LIMIT_MB = 100;

/**
 * The limit a too-large file's sender is told: the bot's own (MAX_FILE_MB) when every such file was
 * measured over it, else Lark refused it and the lower of Lark's and ours is what arrives.
 */
export function tooLargeLimitMb(maxFileBytes: number, overOurLimit: boolean): number {
  const ours = Math.max(1, Math.floor(maxFileBytes / 1024 / 1024));
  return overOurLimit ? ours : Math.min(ours, LARK_FILE_LIMIT_MB);
}

const UNITS: [MaterialKind, string][] = [
  ['photo', '张照片'],
  ['document', '个文件'],
  ['audio', '段语音'],
  ['video', '个视频'],
];

/**
 * Each kind present, in the card's words: "9 张照片、1 个文件、1 段语音" (`gap` '' in a list line: "9张照片").
 * Empty when nothing is counted.
 */
export function countsText(counts: BurstCounts, gap = ' '): string {
  return UNITS.filter(([k]) => (counts[k] ?? 0) > 0)
    .map(([k, unit]) => `${counts[k]}${gap}${unit}`)
    .join('、');
}

/**
 * The acknowledgment of a burst in zh-CN: "收到 9 张照片、1 个文件", then one line per problem
 * telling the sender what to do.
 */
export function summarizeBurst(counts: BurstCounts, problems: BurstProblems = {}): string {
  const parts = countsText(counts);
  const lines = [parts ? `收到 ${parts}` : '没有收到可保存的材料'];
  lines.push(...unsavedLines(problems));
  if (problems.compressedPhotos) {
    lines.push(
      `有 ${problems.compressedPhotos} 张照片被压缩了。以后发照片时请勾选「原图」，或以文件形式发送，照片更清楚，也带拍摄时间和地点（今天只提醒这一次）`,
    );
  }
  return lines.join('\n');
}

/** One line per kind of unsaved file, saying what the sender should do (also sent on its own later). */
export function unsavedLines(problems: Omit<BurstProblems, 'compressedPhotos'>): string[] {
  const lines: string[] = [];
  const list = unsavedList;
  if (problems.needsReupload?.length) {
    lines.push(`以下合并转发中的文件机器人无法下载，请直接发送原文件：${list(problems.needsReupload)}`);
  }
  if (problems.refused?.length) {
    lines.push(`以下文件机器人无法下载（消息可能已撤回），请重新发送：${list(problems.refused)}`);
  }
  // A phone cannot compress or split a file; it can trim a video into parts. Other files go to
  // the archivist, who can split them on a computer and send the parts.
  const limit = problems.maxMb ? `（超过 ${problems.maxMb} MB）` : '';
  const each = problems.maxMb ? `（每段不超过 ${problems.maxMb} MB）` : '';
  const videos = problems.tooLarge?.filter((f) => f.video).map((f) => f.name) ?? [];
  const others = problems.tooLarge?.filter((f) => !f.video).map((f) => f.name) ?? [];
  if (videos.length) {
    lines.push(
      `视频太大${limit}，机器人收不到：${list(videos)}。请在手机相册里把视频剪成几段${each}，再一段一段发送`,
    );
  }
  if (others.length) {
    lines.push(
      `文件太大${limit}，机器人收不到：${list(others)}。请把它转发给档案员，由档案员在电脑上拆成几个小文件后发到群里`,
    );
  }
  if (problems.empty?.length) {
    lines.push(`以下文件是空的（0 字节），请检查后重新发送：${list(problems.empty)}`);
  }
  if (problems.failed?.length) {
    lines.push(`以下文件多次下载失败，请重新发送：${list(problems.failed)}`);
  }
  return lines;
}

/** Files without a name of their own are named by their kind (materialName): counted, not repeated. */
const UNNAMED_UNITS: Record<string, string> = {
  照片: '张照片',
  视频: '个视频',
  语音: '段语音',
  文件: '个文件',
  '': '个未命名的文件',
};

/** The names listed at most in one line; the rest are counted (「等 12 个文件」). */
const UNSAVED_NAMES_SHOWN = 5;

/**
 * The files of one unsaved line: named ones by name (at most UNSAVED_NAMES_SHOWN, then 「等 N 个文件」),
 * unnamed ones (a photo, a voice note: their kind's name) counted per kind, 「3 张照片」 rather than
 * 「照片、照片、照片」.
 */
export function unsavedList(names: string[]): string {
  const named = names.filter((n) => !Object.hasOwn(UNNAMED_UNITS, n));
  const shown = named.slice(0, UNSAVED_NAMES_SHOWN).join('、');
  const parts =
    named.length > UNSAVED_NAMES_SHOWN ? [`${shown} 等 ${named.length} 个文件`] : shown ? [shown] : [];
  for (const [kind, unit] of Object.entries(UNNAMED_UNITS)) {
    const n = names.filter((x) => x === kind).length;
    if (n > 0) parts.push(`${n} ${unit}`);
  }
  return parts.join('、');
}
