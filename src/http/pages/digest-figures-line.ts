import type { QualityPeriod, TrendPoint } from '../../db/repos/page-unit.js';
import { plainDay } from '../../domain/plain-date.js';
import { DIGEST_WEEKS_AT_MOST } from '../../domain/digest.js';
import { isoWeek, isoWeekday, localDay } from '../../domain/working-days.js';
import { percent } from './format.js';
import { html, type Html } from './html.js';

/**
 * On a unit page opened from a weekly digest (its week as `?from&to`, or its whole weeks after weeks
 * whose digest never went out), the figures that digest gave: its snapshot of the unit, recorded when
 * it was sent. The page's own figures are of now, so a leader
 * reading the card days later found other numbers and nothing saying why.
 */
export function digestFiguresLine(
  trend: TrendPoint[],
  period: QualityPeriod | undefined,
  timeZone: string,
  today: string,
): Html | string {
  if (!period) return '';
  const from = localDay(period.from, timeZone);
  const next = localDay(period.to, timeZone);
  const weeks = (Date.parse(next) - Date.parse(from)) / (7 * 86_400_000);
  if (isoWeekday(from) !== 1 || !Number.isInteger(weeks) || weeks < 1 || weeks > DIGEST_WEEKS_AT_MOST)
    return '';
  // A digest reports the whole weeks before the one it is sent in, and is recorded under the latter.
  const point = trend.find((p) => p.week === isoWeek(next));
  if (!point || point.total === 0) return '';
  const pct = Math.round((point.done / point.total) * 1000) / 10;
  const sent = plainDay(localDay(point.takenAt, timeZone), today);
  return html`<div class="muted" id="digest-figures">
    ${sent}周报里：完成率 ${percent(pct)}，逾期 ${point.overdue} 项（上面是现在的数字）
  </div>`;
}
