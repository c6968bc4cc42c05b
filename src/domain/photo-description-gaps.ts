import { taskDefaultTitle } from './catalogue.js';
import type { DescriptionGap } from './photo-description.js';

/** What is known about a photo group without reading its files. */
export interface PhotoGroupDescriptionFacts {
  title: string;
  taskTitle: string;
  householdName: string | null;
  reason: string | null;
  place: string | null;
  people: string | null;
  hasGps: boolean;
}

/**
 * DA/T 50 description gaps of a photo group: no 事由 beyond the task title, no 地点 (neither
 * entered nor in EXIF GPS), no 人物. Optional when filing, but tracked as a quality gap.
 */
export function photoGroupGaps(f: PhotoGroupDescriptionFacts): DescriptionGap[] {
  const gaps: DescriptionGap[] = [];
  if (!f.reason?.trim() && f.title === taskDefaultTitle(f)) gaps.push('reason');
  if (!f.place?.trim() && !f.hasGps) gaps.push('place');
  if (!f.people?.trim()) gaps.push('people');
  return gaps;
}
