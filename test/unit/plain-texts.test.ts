import { describe, expect, it } from 'vitest';
import { esc } from '../../src/cards/card-kit.js';
import { digestCard } from '../../src/cards/digest-card.js';
import { reminderCard, reminderText } from '../../src/cards/reminder-card.js';
import { unfiledCard } from '../../src/cards/unfiled-card.js';
import { urgeCard } from '../../src/cards/urge-card.js';
import { rank, bestAndWorst, unitRow, type DigestFigures } from '../../src/domain/digest.js';
import { plainDay, weekName, weeksName } from '../../src/domain/plain-date.js';
import { draftFromCaption } from '../../src/domain/caption-description.js';

/**
 * Plain Chinese on officers' and leaders' phones (issue 14): no commands, paths or standard numbers,
 * weeks and dates as people say them, figures without thousands separators, Lark's entity escaping.
 */
const NOT_FOR_OFFICERS = [
  /npm run/,
  /DA\/T|GB\/T/,
  /\/data\/|DATA_DIR/,
  /\d{4}-W\d{2}/,
  /\d,\d{3}/,
  /\\[_*<>#]/,
];

const digest = (): DigestFigures => {
  const children = rank(
    Array.from({ length: 40 }, (_, i) =>
      unitRow({ id: i + 2, name: `第${i}村` }, { total: 1000, done: 10 * i, overdue: 1200 + i }, undefined),
    ),
  );
  return {
    week: '2026-W19',
    weekName: weekName('2026-05-04', '2026-05-11'),
    weeks: 1,
    changeLabel: '较上周',
    from: new Date('2026-05-03T16:00:00Z'),
    to: new Date('2026-05-10T16:00:00Z'),
    scope: unitRow({ id: 1, name: '某县' }, { total: 40_000, done: 12_345, overdue: 48_000 }, undefined),
    children,
    ...bestAndWorst(children, 3),
    oldest: [],
    filed: { items: 1234, materials: 56_789 },
    quality: { compressed: 1000, undescribed: 0, needsReupload: 0, failed: 0, tooLarge: 0 },
    urges: { count: 0, units: 0, names: [] },
    deadlines: [
      { day: '2026-06-30', open: 1500 },
      { day: '2027-02-02', open: 3 },
    ],
  };
};

describe('plain texts', () => {
  it('names weeks and days as people say them, with the year only when it is not this one', () => {
    expect(weekName('2026-05-04', '2026-05-11')).toBe('第19周（5月4日—10日）');
    expect(weekName('2026-04-27', '2026-05-04')).toBe('第18周（4月27日—5月3日）');
    expect(weekName('2025-12-22', '2026-01-05')).toBe('2025年第52周（12月22日—28日）');
    // A digest after weeks whose digest never went out (春节 2026-W08) reports them all.
    expect(weeksName('2026-02-09', 2, '2026-02-24')).toBe('第7—8周（2月9日—22日）');
    expect(weeksName('2025-12-22', 2, '2026-01-06')).toBe('2025年第52周—第1周（12月22日—1月4日）');
    expect(weeksName('2026-05-04', 1, '2026-05-11')).toBe('第19周（5月4日—10日）');
    expect(plainDay('2026-06-30', '2026-05-11')).toBe('6月30日');
    expect(plainDay('2027-02-02', '2026-05-11')).toBe('2027年2月2日');
  });

  it('escapes card markdown with HTML entities, not backslashes', () => {
    expect(esc('王_二*3<4>&')).toBe('王&#95;二&#42;3&lt;4&gt;&amp;');
    expect(esc('[链接](x) #1 a|b ~c~ `d` \\')).toBe(
      '&#91;链接&#93;(x) &#35;1 a&#124;b &#126;c&#126; &#96;d&#96; &#92;',
    );
  });

  it('the digest, reminder and 未归档 cards carry no commands, paths, codes or thousands commas', () => {
    const texts = [
      JSON.stringify(digestCard(digest(), 'Asia/Shanghai')),
      JSON.stringify(
        reminderCard({
          unitId: 7,
          unitName: '城关村',
          lines: [
            {
              code: 'C01',
              title: '会议记录',
              householdName: null,
              missingText: '还缺 2 份材料',
              dueLabel: plainDay('2027-02-02', '2026-05-11'),
              overdueDays: 0,
            },
          ],
          more: 0,
          overdue: 0,
          dueSoon: 1,
          mentions: [],
          unfiled: { total: 3, cardsAgain: 3 },
        }),
      ),
      reminderText({
        unitId: 7,
        unitName: '城关村',
        lines: [],
        more: 0,
        overdue: 0,
        dueSoon: 0,
        mentions: [],
      }),
      JSON.stringify(
        unfiledCard({
          lines: [],
          total: 0,
          before: 0,
          scope: '本群',
          next: { a: 'unfiled-page' },
          first: { a: 'unfiled-page' },
        }),
      ),
      JSON.stringify(
        urgeCard({
          unitId: 7,
          unitName: '城关村',
          lines: [
            {
              taskId: 1,
              code: 'C01',
              title: '会议记录',
              householdName: null,
              missingText: '还缺 2 份材料',
              dueLabel: plainDay('2026-05-01', '2026-05-11'),
              overdueDays: 10,
            },
          ],
          urged: [],
          oneTask: false,
          by: '城关镇领导',
          more: 2,
          overdue: 3,
          dueSoon: 0,
          mentions: [],
        }),
      ),
    ];
    for (const t of texts) for (const bad of NOT_FOR_OFFICERS) expect(t).not.toMatch(bad);
    expect(texts[0]).toContain('第19周（5月4日—10日）');
    expect(texts[0]).toContain('新提交 1234 件、56789 份材料');
    expect(texts[0]).toContain('2027年2月2日：3 项未齐');
    expect(texts[1]).toContain('2027年2月2日截止');
    expect(texts[1]).toContain('还有 3 组材料没交到任务里');
    expect(texts[4]).toContain('**城关镇领导** 督办');
  });

  it('prefills the photo description from the caption', () => {
    expect(draftFromCaption('#C03 在东村三组开展危房改造入户核查')).toEqual({
      reason: '在东村三组开展危房改造入户核查',
      place: '东村三组',
    });
    expect(draftFromCaption('事由：识别结果公示\n地点：村委会公示栏\n人物：王村官、张三')).toEqual({
      reason: '识别结果公示',
      place: '村委会公示栏',
      people: '王村官、张三',
    });
    expect(draftFromCaption(null)).toEqual({});
  });
});
