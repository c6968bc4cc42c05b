/**
 * DA/T 50 description of each photo of a 组: its 照片号 (组号-张号: the group's 档号 and the photo's
 * 张号 from 0001, which also names its file), its own 说明 (what someone wrote for that photo, else
 * the photo's own caption, else the group's 说明), 时间 (EXIF, else when it was sent), 摄影者, 背景
 * where known and the group's 参见号.
 */
import { localDateText, yyyymmdd } from './catalogue-date.js';
import type { PhotoDescription } from './photo-description.js';

export const PHOTO_NUMBER_DIGITS = 4;

/** 照片号 of the n-th photo (from 1) of a group numbered `groupCode`. */
export const photoNumber = (groupCode: string, n: number) =>
  `${groupCode}-${String(n).padStart(PHOTO_NUMBER_DIGITS, '0')}`;

export interface PhotoFileFacts {
  kind: string;
  caption?: string | null;
  sentAt: Date;
  takenAt: Date | null;
  /** What someone wrote for this photo (per-photo 说明 / 背景). */
  note?: string | null;
  noteBackground?: string | null;
}

export interface PhotoEntry {
  /** 张号, from 1, in the group's order. */
  number: number;
  photoNumber: string;
  /** 说明 of this photo. */
  note: string;
  noteSource: 'given' | 'caption' | 'group';
  /** `2025年5月20日` */
  timeText: string;
  /** YYYYMMDD */
  date: string;
  photographer: string;
  background: string;
  seeAlso: string[];
}

const clean = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

/**
 * One entry per photo of the group, in the group's order (other files of the item, if any, get
 * no 张号). A caption equal to the group's own (the burst caption every photo carries) is not a
 * photo's own 说明.
 */
export function photoEntriesOf(
  groupCode: string,
  group: PhotoDescription,
  files: PhotoFileFacts[],
  extra: { groupCaption?: string | null; seeAlso: string[]; timeZone: string },
): (PhotoEntry | undefined)[] {
  const groupCaption = clean(extra.groupCaption);
  let n = 0;
  return files.map((f) => {
    if (f.kind !== 'photo') return undefined;
    n++;
    const given = clean(f.note);
    const caption = clean(f.caption);
    const ownCaption = caption && caption !== groupCaption && caption !== group.reason ? caption : '';
    const at = f.takenAt ?? f.sentAt;
    return {
      number: n,
      photoNumber: photoNumber(groupCode, n),
      note: given || ownCaption || group.title,
      noteSource: given ? 'given' : ownCaption ? 'caption' : 'group',
      timeText: localDateText(at, extra.timeZone),
      date: yyyymmdd(at, extra.timeZone),
      photographer: group.photographer,
      background: clean(f.noteBackground) || group.background,
      seeAlso: extra.seeAlso,
    };
  });
}
