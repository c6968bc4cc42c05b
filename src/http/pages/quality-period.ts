import { QUALITY_WINDOW_DAYS, type QualityPeriod } from '../../db/repos/page-unit.js';
import { plainDay, weeksName } from '../../domain/plain-date.js';
import { DIGEST_WEEKS_AT_MOST } from '../../domain/digest.js';
import { addDays, isoWeekday, zonedInstant } from '../../domain/working-days.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A longer range is not what a link from the bot asks for: the page shows the last 30 days instead. */
const MAX_DAYS = 366;

const one = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '');
const realDay = (d: string): boolean => {
  if (!DAY.test(d)) return false;
  const ms = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === d;
};

/**
 * The period of a unit page's quality problems: `?from=YYYY-MM-DD&to=YYYY-MM-DD` (local days, both
 * included; the weekly digest's links carry its week, so the page counts what the digest counted),
 * else the last 30 days. `label` names it as the digest does: 「第49周（11月30日—12月6日）」, or over whole
 * weeks 「第7—8周（2月9日—22日）」; `week`: the period is whole weeks, Monday to Sunday, as a weekly
 * digest's (one week, or up to DIGEST_WEEKS_AT_MOST after digests that never went out).
 */
export function qualityPeriod(
  query: Record<string, unknown>,
  timeZone: string,
  today: string,
): { period?: QualityPeriod; label: string; week?: boolean } {
  const from = one(query.from);
  const to = one(query.to);
  if (!realDay(from) || !realDay(to) || from > to || addDays(from, MAX_DAYS) <= to)
    return { label: `近 ${QUALITY_WINDOW_DAYS} 天` };
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  const weeks = days / 7;
  const week = isoWeekday(from) === 1 && Number.isInteger(weeks) && weeks <= DIGEST_WEEKS_AT_MOST;
  const label = week ? weeksName(from, weeks, today) : `${plainDay(from, today)}—${plainDay(to, today)}`;
  return {
    period: {
      from: zonedInstant(from, '00:00', timeZone),
      to: zonedInstant(addDays(to, 1), '00:00', timeZone),
    },
    label,
    week,
  };
}
