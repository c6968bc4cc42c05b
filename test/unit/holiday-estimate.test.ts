import holidayData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { estimatedHolidays } from '../../src/domain/holiday-estimate.js';

const table = holidayData as { holidays: Record<string, string> };

describe('the statutory holidays guessed for a year no table knows', () => {
  it('2027: 元旦, 春节 (除夕 to 初三 by the official lunar calendar), 清明, 劳动节, 端午, 中秋, 国庆', () => {
    expect(Object.fromEntries(estimatedHolidays(2027))).toEqual({
      '2027-01-01': '元旦',
      '2027-02-05': '春节', // 除夕
      '2027-02-06': '春节', // 正月初一 (ICU's Chinese calendar says 7 February)
      '2027-02-07': '春节',
      '2027-02-08': '春节',
      '2027-04-05': '清明节',
      '2027-05-01': '劳动节',
      '2027-05-02': '劳动节',
      '2027-06-09': '端午节',
      '2027-09-15': '中秋节',
      '2027-10-01': '国庆节',
      '2027-10-02': '国庆节',
      '2027-10-03': '国庆节',
    });
  });

  it('every guessed day of 2025 and 2026 (the law as now) is a holiday in the official schedule', () => {
    for (const year of [2025, 2026])
      for (const [day, name] of estimatedHolidays(year))
        expect(table.holidays[day], `${day} ${name}`).toBeDefined();
  });

  it('from 2013 on, the days the law has fixed throughout (not 除夕, not 2 May) are in every official schedule', () => {
    for (let year = 2013; year <= 2026; year++) {
      const newYear = [...estimatedHolidays(year)].filter(([, n]) => n === '春节').map(([d]) => d);
      const fixedThroughout = [...estimatedHolidays(year)]
        .filter(([d, n]) => !d.endsWith('-05-02') && !(n === '春节' && d === newYear[0]))
        .map(([d]) => d);
      // 11 days, 10 when 中秋 falls on 1–3 October (2020).
      expect(fixedThroughout.length, String(year)).toBe(year === 2020 ? 10 : 11);
      for (const day of fixedThroughout) expect(table.holidays[day], day).toBeDefined();
    }
  });

  it('outside 2000–2099 only the fixed-date holidays', () => {
    expect([...estimatedHolidays(2100).keys()]).toEqual([
      '2100-01-01',
      '2100-05-01',
      '2100-05-02',
      '2100-10-01',
      '2100-10-02',
      '2100-10-03',
    ]);
  });
});
