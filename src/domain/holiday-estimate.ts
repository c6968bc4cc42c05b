import chineseDays from 'chinese-days';

/**
 * The statutory public holidays of a year neither holidays.yaml nor the `chinese-days` table knows:
 * a guess until the State Council's notice is in, so that reminders at least skip the days off that
 * 《全国年节及纪念日放假办法》 fixes (as revised in 2024, in force from 2025): 元旦 1 January; 春节
 * 除夕 and 正月初一 to 初三; 清明 (the solar term's day); 劳动节 1–2 May; 端午 五月初五; 中秋 八月十五;
 * 国庆 1–3 October. Not covered: what the notice adds by 调休 (the bridging days off and the working
 * weekends), so the guess has fewer days off than the real schedule and no working Saturdays.
 *
 * Lunar dates come from the lunar table `chinese-days` ships (1900–2100; its getLunarDate counts
 * whole days between UTC instants, so the process's time zone does not shift it). Not from Intl's
 * Chinese calendar ('zh-CN-u-ca-chinese', which Node's full ICU has): ICU computes new moons
 * astronomically and puts 2027's 正月初一 on 7 February, a day after the official 6 February.
 * 清明 comes from the usual formula for the solar term, the one `chinese-days` uses
 * (day of April = ⌊0.2422·y + 4.81⌋ − ⌊y/4⌋, y = year − 2000), for 2000–2099.
 */
export function estimatedHolidays(year: number): Map<string, string> {
  const days = new Map<string, string>();
  // 中秋 may fall on 1–3 October (2020, 2031): the day carries both names.
  const add = (day: string, name: string) => {
    const had = days.get(day);
    days.set(day, had && had !== name ? `${had}、${name}` : name);
  };
  const put = (month: number, day: number, name: string) =>
    add(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, name);
  put(1, 1, '元旦');
  put(5, 1, '劳动节');
  put(5, 2, '劳动节');
  for (const d of [1, 2, 3]) put(10, d, '国庆节');
  if (year < 2000 || year > 2099) return days;
  const y = year - 2000;
  put(4, Math.floor(y * 0.2422 + 4.81) - Math.floor(y / 4), '清明节');
  // 正月初一 falls between 21 January and 20 February; 端午 in May–June; 中秋 in September–October.
  const newYear = findLunar(1, 1, `${year}-01-20`, `${year}-02-21`);
  if (newYear) for (const n of [-1, 0, 1, 2]) add(shift(newYear, n), '春节');
  const dragon = findLunar(5, 5, `${year}-05-25`, `${year}-06-25`);
  if (dragon) add(dragon, '端午节');
  const moon = findLunar(8, 15, `${year}-09-07`, `${year}-10-08`);
  if (moon) add(moon, '中秋节');
  return days;
}

/** The day in [from, to] whose lunar date is `month` (not a leap month) `day`. */
function findLunar(month: number, day: number, from: string, to: string): string | undefined {
  for (let d = from; d <= to; d = shift(d, 1)) {
    const l = chineseDays.getLunarDate(d);
    if (l.lunarMon === month && l.lunarDay === day && !l.isLeap) return d;
  }
  return undefined;
}

const shift = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
