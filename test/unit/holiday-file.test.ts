import holidayData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseHolidayFile } from '../../src/domain/holiday-file.js';
import { createWorkingCalendar } from '../../src/domain/working-days.js';
import { loadHolidayFile } from '../../src/holiday-settings.js';
import { repoRoot } from '../support/bot-process.js';

const problemsOf = (raw: unknown) => {
  try {
    parseHolidayFile(raw, '/etc/archive-bot/holidays.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe("the county's holidays.yaml", () => {
  it('the shipped example is valid and says of 2026 what chinese-days says', () => {
    const file = parseHolidayFile(
      parseYaml(readFileSync(join(repoRoot, 'config/holidays.example.yaml'), 'utf8')),
    );
    expect([...file.years.keys()]).toEqual([2026]);
    const table = holidayData as { holidays: Record<string, string>; workdays: Record<string, string> };
    const of2026 = (t: Record<string, string>) => Object.keys(t).filter((d) => d.startsWith('2026-'));
    expect([...file.holidays.keys()].sort()).toEqual(of2026(table.holidays).sort());
    expect([...file.workdays.keys()].sort()).toEqual(of2026(table.workdays).sort());
  });

  it('overrides chinese-days for the years it lists, and makes a year chinese-days lacks known', () => {
    const county = parseHolidayFile(
      parseYaml(`
2027:
  holidays:
    - { name: 元旦, from: 2027-01-01, to: 2027-01-03 }
    - { name: 春节, from: 2027-02-05, to: 2027-02-12 }
  workdays:
    - { date: 2027-02-20, name: 春节 }
    - 2027-01-31
`),
    );
    const warned: number[] = [];
    const cal = createWorkingCalendar({ county, onUnknownYear: (y) => warned.push(y) });
    expect(cal.knowsYear(2027)).toBe(true);
    expect(cal.yearSource(2027)).toBe('holidays.yaml');
    expect(cal.yearSource(2026)).toBe('chinese-days');
    expect(cal.isWorkingDay('2027-02-08')).toBe(false); // a Monday in the range
    expect(cal.dayName('2027-02-08')).toBe('春节');
    expect(cal.isWorkingDay('2027-02-20')).toBe(true); // Saturday, 调休
    expect(cal.dayName('2027-02-20')).toBe('春节');
    expect(cal.isWorkingDay('2027-01-31')).toBe(true); // Sunday, 调休 without a name
    expect(cal.dayName('2027-01-31')).toBe('调休');
    // The county's year is whole: a day the file does not list is an ordinary day (no guessed 劳动节).
    expect(cal.isWorkingDay('2027-05-03')).toBe(true);
    expect(cal.isWorkingDay('2027-05-01')).toBe(false); // a Saturday
    expect(cal.addWorkingDays('2027-02-04', 1)).toBe('2027-02-15');
    expect(warned).toEqual([]);
    // A listed year replaces chinese-days' for that year.
    const own2026 = createWorkingCalendar({
      county: parseHolidayFile({
        2026: { holidays: [{ name: '县庆', from: '2026-11-25', to: '2026-11-25' }] },
      }),
    });
    expect(own2026.isWorkingDay('2026-11-25')).toBe(false);
    expect(own2026.isWorkingDay('2026-10-10')).toBe(false); // chinese-days' 调休 Saturday no longer applies
  });

  it('a 元旦 range may begin in the last days of the year before (as in the 2024 notice)', () => {
    const county = parseHolidayFile({
      2024: { holidays: [{ name: '元旦', from: '2023-12-30', to: '2024-01-01' }] },
    });
    expect(createWorkingCalendar({ county }).isWorkingDay('2023-12-30')).toBe(false);
  });

  it('refuses a bad file naming the year, the entry and a right value', () => {
    const msg = problemsOf(
      parseYaml(`
2027:
  holidays:
    - { name: 春节, from: 2028-02-06, to: 2028-02-12 }
    - { name: 国庆节, from: 2027-10-01, to: 2027-10-07 }
    - { name: 中秋, from: 2027-10-05, to: 2027-10-06 }
    - { name: 劳动节, from: 2027-5-1, to: 2027-05-05 }
    - { name: 端午, from: 2027-06-11, to: 2027-06-09 }
    - { from: 2027-04-03, to: 2027-04-05 }
    - { name: 元旦, from: 2027-01-01, to: 2027-10-03 }
  workdays:
    - { date: 2027-02-08, name: 春节 }
    - 2027-10-02
    - 2027-02-20
    - 2027-02-20
  holiday: []
2o27:
  holidays: []
`),
    );
    expect(msg.split('\n')).toEqual([
      '/etc/archive-bot/holidays.yaml 有误：',
      '  - 2027 年：不认识「holiday」：只能写 holidays:（放假）和 workdays:（调休上班）',
      '  - 2027 年：holidays 第 1 条（春节） from：2028-02-06 不在 2027 年，例如 2027-02-06（是不是年份写错了，或写到了另一年的段里？）',
      '  - 2027 年：holidays 第 1 条（春节） to：2028-02-12 不在 2027 年，例如 2027-02-06（是不是年份写错了，或写到了另一年的段里？）',
      '  - 2027 年：holidays 第 4 条（劳动节） from：「2027-5-1」不是日期，要写成 例如 2027-02-06 这样（年-月-日，月和日各两位）',
      '  - 2027 年：holidays 第 5 条（端午）：to 2027-06-09 早于 from 2027-06-11，例如 - { name: 春节, from: 2027-02-06, to: 2027-02-13 }',
      '  - 2027 年：holidays 第 6 条：没有写 name（假期名称），例如 - { name: 春节, from: 2027-02-06, to: 2027-02-13 }',
      '  - 2027 年：holidays 第 7 条（元旦）：2027-01-01 至 2027-10-03 超过 15 天，请检查月份是否写错，例如 - { name: 春节, from: 2027-02-06, to: 2027-02-13 }',
      '  - 2027 年：国庆节（2027-10-01 至 2027-10-07）和 中秋（2027-10-05 至 2027-10-06）的日期重叠，请对照通知改正',
      '  - 2027 年：workdays 第 1 条：2027-02-08 是星期一，不是周末：调休上班的日子都是周六或周日，例如 - { date: 2027-02-20, name: 春节 } 或 - 2027-02-20',
      '  - 2027 年：workdays 第 2 条：2027-10-02 在假期里，不能又是调休上班的日子',
      '  - 2027 年：workdays 第 4 条：2027-02-20 写了两次',
      '  - 「2o27」不是年份：每一段以年份开头，例如 2027:',
      '  （写法见程序目录的 config/holidays.example.yaml）',
    ]);
  });

  it('refuses a year without holidays, and a file that is not per year', () => {
    expect(problemsOf({ 2027: { workdays: ['2027-02-20'] } })).toContain(
      '2027 年：holidays: 没有填写假期：按通知逐条写，例如 - { name: 春节, from: 2027-02-06, to: 2027-02-13 }',
    );
    expect(problemsOf(['2027-01-01'])).toContain('文件要按年份分段，例如第一行写 2027:');
  });

  it('HOLIDAYS_FILE: none at the default path is no file; a named file that is missing or not YAML is refused', () => {
    expect(loadHolidayFile('config/holidays.yaml')).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'holidays-'));
    try {
      expect(() => loadHolidayFile(join(dir, 'none.yaml'))).toThrow(
        /读不到节假日文件 .*none\.yaml（.*）：检查 HOLIDAYS_FILE，或把程序目录里的 config\/holidays\.example\.yaml 复制到那里并按通知填写（放在程序目录以外，服务器上是 \/etc\/archive-bot\/holidays\.yaml，升级时才不会丢失；README → Year end）$/,
      );
      writeFileSync(join(dir, 'bad.yaml'), '2027:\n  holidays:\n  - { name: 元旦, from: 2027-01-01\n');
      expect(() => loadHolidayFile(join(dir, 'bad.yaml'))).toThrow(/bad\.yaml 有误：不是有效的 YAML/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
