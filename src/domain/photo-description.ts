/**
 * DA/T 50 photo-group description: 题名 built from 事由、时间、地点、人物, plus 摄影者. 时间 and 地点
 * come from EXIF when the photos carry it (preferred over the chat defaults); what nobody said and
 * EXIF cannot tell is a quality gap.
 */
import { localDateText, yyyymmdd } from './catalogue-date.js';

export interface PhotoFacts {
  takenAt?: Date | null;
  gpsLat?: number | null;
  gpsLng?: number | null;
  sentAt: Date;
}

/** What a person entered (describe-item form or CLI); blank means not given. */
export interface GivenPhotoDescription {
  reason?: string | null;
  place?: string | null;
  people?: string | null;
  photographer?: string | null;
  /** 背景: what led to the event, when someone knows it. */
  background?: string | null;
}

export interface PhotoDefaults {
  /** The item's title: the caption when there was one, else the task title. */
  reason: string;
  /** True when `reason` came from the sender's own caption (not only the task title). */
  reasonFromCaption: boolean;
  /** The unit's name (where the work happened, by default). */
  place: string;
  /** The sender's name. */
  photographer?: string | null;
}

export type DescriptionGap = 'reason' | 'place' | 'people';

export interface PhotoDescription {
  reason: string;
  /** Earliest capture (or send) date, YYYYMMDD. */
  date: string;
  /** `2025年3月5日`, or a range `2025年3月5日至2025年3月6日`. */
  timeText: string;
  place: string;
  people: string;
  photographer: string;
  /** 背景 ('' when nobody said). */
  background: string;
  title: string;
  sources: {
    reason: 'given' | 'caption' | 'task';
    time: 'exif' | 'sent';
    place: 'given' | 'exif' | 'unit';
    people: 'given' | 'none';
  };
  gaps: DescriptionGap[];
}

const clean = (s: string | null | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();

export function describePhotoGroup(
  photos: PhotoFacts[],
  given: GivenPhotoDescription,
  defaults: PhotoDefaults,
  timeZone: string,
): PhotoDescription {
  const exifTimes = photos.map((p) => p.takenAt).filter((t): t is Date => t instanceof Date);
  const times = exifTimes.length > 0 ? exifTimes : photos.map((p) => p.sentAt);
  const sorted = [...times].sort((a, b) => a.getTime() - b.getTime());
  const first = sorted[0] ?? new Date(0);
  const last = sorted[sorted.length - 1] ?? first;
  const firstText = localDateText(first, timeZone);
  const lastText = localDateText(last, timeZone);
  const timeText = firstText === lastText ? firstText : `${firstText}至${lastText}`;

  const gps = photos.find((p) => typeof p.gpsLat === 'number' && typeof p.gpsLng === 'number');
  const givenPlace = clean(given.place);
  // Coordinates stay in the metadata (GPS per file): a 题名's 地点 is a place name, never numbers.
  const place = givenPlace || clean(defaults.place);
  const givenReason = clean(given.reason);
  const reason = givenReason || clean(defaults.reason);
  const people = clean(given.people);
  const photographer = clean(given.photographer) || clean(defaults.photographer);

  const sources: PhotoDescription['sources'] = {
    reason: givenReason ? 'given' : defaults.reasonFromCaption ? 'caption' : 'task',
    time: exifTimes.length > 0 ? 'exif' : 'sent',
    place: givenPlace ? 'given' : gps ? 'exif' : 'unit',
    people: people ? 'given' : 'none',
  };
  const gaps: DescriptionGap[] = [];
  if (sources.reason === 'task') gaps.push('reason');
  if (sources.place === 'unit') gaps.push('place');
  if (sources.people === 'none') gaps.push('people');
  const details = [timeText, place, people].filter(Boolean).join('，');
  return {
    reason,
    date: yyyymmdd(first, timeZone),
    timeText,
    place,
    people,
    photographer,
    background: clean(given.background),
    title: `${reason}（${details}）`,
    sources,
    gaps,
  };
}

export const GAP_LABELS: Record<DescriptionGap, string> = { reason: '事由', place: '地点', people: '人物' };
