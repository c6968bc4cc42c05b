/**
 * DA/T 50 description of each photo of a 组: its 照片号 (组号-张号: the group's 档号 and the photo's
 * 张号 from 0001, which also names its file), its own 说明 (what someone wrote for that photo, else
 * the photo's own caption, else the group's 说明), 时间 (EXIF, else when it was sent), 摄影者, 背景
 * where known and the group's 参见号.
 */
import { isoDate, localDateText, yyyymmdd } from './catalogue-date.js';
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
  /** 张号 fixed at confirmation, when the group holds a 档号. */
  photoNumber?: number | null;
}

export interface PhotoEntry {
  /** 张号, from 1: fixed at confirmation, else in the group's order. */
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
 * no 张号). A photo keeps the 张号 fixed when the group was confirmed, so one recalled since leaves
 * its number unused (`recalled`) instead of moving the photos after it; a photo without one (a group
 * never confirmed) is numbered after the highest in use. A caption equal to the group's own (the
 * burst caption every photo carries) is not a photo's own 说明.
 */
export function photoEntriesOf(
  groupCode: string,
  group: PhotoDescription,
  files: PhotoFileFacts[],
  extra: { groupCaption?: string | null; seeAlso: string[]; timeZone: string; recalled?: number[] },
): (PhotoEntry | undefined)[] {
  const groupCaption = clean(extra.groupCaption);
  let n = Math.max(0, ...(extra.recalled ?? []), ...files.map((f) => f.photoNumber ?? 0));
  return files.map((f) => {
    if (f.kind !== 'photo') return undefined;
    const number = f.photoNumber ?? ++n;
    const given = clean(f.note);
    const caption = clean(f.caption);
    const ownCaption = caption && caption !== groupCaption && caption !== group.reason ? caption : '';
    const at = f.takenAt ?? f.sentAt;
    return {
      number,
      photoNumber: photoNumber(groupCode, number),
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

/** The 张号 as written in a 照片号 (`0002`). */
const numberText = (n: number) => String(n).padStart(PHOTO_NUMBER_DIGITS, '0');

/**
 * 备注 of a confirmed group whose photos were recalled (撤回) after confirmation: which 张号 are
 * unused and since when, so the archive sees the gap in the 照片号 instead of a missing file.
 */
export function recalledPhotosRemarks(recalled: { number: number; at: Date }[], timeZone: string): string {
  if (recalled.length === 0) return '';
  const list = recalled.map((p) => `${numberText(p.number)}（${isoDate(p.at, timeZone)}）`).join('、');
  return `已撤回照片：张号${list}，张号空缺不补`;
}

/** 说明 of an unused 张号 in the 照片目录. */
export const recalledPhotoNote = (at: Date, timeZone: string) =>
  `照片已撤回（${isoDate(at, timeZone)}），张号空缺不补`;
