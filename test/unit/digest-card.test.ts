import { describe, expect, it } from 'vitest';
import { CARD_LIMIT_BYTES, cardBytes } from '../../src/cards/card-kit.js';
import { digestCard } from '../../src/cards/digest-card.js';
import {
  bestAndWorst,
  rank,
  rollUp,
  unitRow,
  type DigestFigures,
  type DigestUnitRow,
} from '../../src/domain/digest.js';

const figures = (children: DigestUnitRow[]): DigestFigures => {
  const ranked = rank(children);
  return {
    week: '2026-W48',
    weekName: '第48周（11月23日—29日）',
    weeks: 1,
    changeLabel: '较上周',
    // Monday 23 November 00:00 to the next Monday 00:00 in Shanghai.
    from: new Date('2026-11-22T16:00:00Z'),
    to: new Date('2026-11-29T16:00:00Z'),
    scope: unitRow(
      { id: 1, name: '某某县' },
      { total: 10_000, done: 6_250, overdue: 420 },
      { total: 10_000, done: 6_000, overdue: 500 },
    ),
    children: ranked,
    ...bestAndWorst(ranked, 3),
    oldest: Array.from({ length: 5 }, (_, i) => ({
      taskId: 100 + i,
      unitName: `第${i}村`,
      code: `C0${i}`,
      title: '村民代表大会评议、票决记录及签字',
      householdName: null,
      missingText: '还缺 2 份材料（文件或照片）',
      dueDay: '2026-06-30',
      overdueDays: 150 - i,
      owners: ['王村官', '李档案'],
    })),
    filed: { items: 320, materials: 1_280 },
    quality: { compressed: 12, undescribed: 0, needsReupload: 3, failed: 1, tooLarge: 0 },
    urges: { count: 0, units: 0, names: [] },
    deadlines: [
      { day: '2026-12-15', open: 150 },
      { day: '2026-12-31', open: 2_000 },
    ],
  };
};

const villages = (n: number, name: (i: number) => string) =>
  Array.from({ length: n }, (_, i) =>
    unitRow(
      { id: 100 + i, name: name(i) },
      { total: 26, done: (i * 7) % 27, overdue: i % 5 },
      { total: 26, done: (i * 5) % 27, overdue: 0 },
    ),
  );

describe('digest card', () => {
  it('links to the web pages only when PUBLIC_URL is set: 查看全部 and the three weakest units, over the week', () => {
    const f = figures(villages(200, (i) => `第${i}村`));
    expect(JSON.stringify(digestCard(f, 'Asia/Shanghai'))).not.toContain('open_url');
    const card = digestCard(f, 'Asia/Shanghai', 'https://a.example') as any;
    expect(cardBytes(card)).toBeLessThan(CARD_LIMIT_BYTES);
    const row = card.body.elements.at(-1);
    const urls = row.columns.map((c: any) => c.elements[0].behaviors[0].default_url);
    // The pages count quality problems over the digest's week, as its figures do.
    const week = 'from=2026-11-23&to=2026-11-29';
    expect(urls[0]).toBe(`https://a.example/units/1?${week}`);
    expect(urls.slice(1)).toEqual(
      f.children
        .slice(-3)
        .reverse()
        .map((r) => `https://a.example/units/${r.id}?${week}`),
    );
    const lists = card.body.elements.at(-3).columns.map((c: any) => c.elements[0].behaviors[0].default_url);
    expect(lists).toEqual([
      `https://a.example/search?unit=1&${week}`,
      `https://a.example/units/1?${week}#quality`,
    ]);
  });

  it('stays under 30 KB for 200 villages, with a chart and a paged table', () => {
    const card = digestCard(figures(villages(200, (i) => `第${i}村`)), 'Asia/Shanghai') as any;
    expect(cardBytes(card)).toBeLessThan(CARD_LIMIT_BYTES);
    const tags = card.body.elements.map((e: any) => e.tag);
    expect(tags).toContain('chart');
    expect(tags).toContain('table');
    const chart = card.body.elements.find((e: any) => e.tag === 'chart');
    expect(chart.chart_spec.type).toBe('bar');
    // Best and worst only: a gap row says how many are left out; the height follows the bars.
    const values = chart.chart_spec.data.values;
    expect(values.length).toBeLessThanOrEqual(31);
    expect(values.filter((v: any) => v.percent === null).map((v: any) => v.unit)).toEqual([
      `⋯ 中间 ${200 - (values.length - 1)} 个从略 ⋯`,
    ]);
    expect(chart.height).toBe(`${60 + 26 * values.length}px`);
    // Lark takes `auto` or a fixed [1,999]px (which overrides aspect_ratio, so none is sent).
    expect(Number.parseInt(chart.height, 10)).toBeLessThanOrEqual(999);
    expect(chart.aspect_ratio).toBeUndefined();
    const table = card.body.elements.find((e: any) => e.tag === 'table');
    expect(table.page_size).toBeLessThanOrEqual(10);
    expect(table.rows.length).toBe(200);
    expect(card.schema).toBe('2.0');
  });

  it('cuts the table (keeping the worst) when long names would pass 30 KB, and says so', () => {
    const long = (i: number) => `某某县某某镇某某某某某某某某某社区居民委员会第${i}网格`;
    const card = digestCard(figures(villages(400, long)), 'Asia/Shanghai') as any;
    expect(cardBytes(card)).toBeLessThan(CARD_LIMIT_BYTES);
    const table = card.body.elements.find((e: any) => e.tag === 'table');
    expect(table.rows.length).toBeLessThan(400);
    const worst = rank(villages(400, long)).at(-1)!;
    expect(table.rows[0].unit).toBe(worst.name);
    expect(JSON.stringify(card)).toContain('表中列出完成率最低的');
  });

  it('shows changes since last week and ranks best and worst', () => {
    const rows = villages(6, (i) => `村${i}`);
    const f = figures(rows);
    expect(f.scope).toMatchObject({ percent: 62.5, change: 2.5 });
    expect(f.best).toHaveLength(3);
    expect(f.best[0]!.percent).toBeGreaterThanOrEqual(f.best[1]!.percent!);
    expect(f.worst[0]!.percent).toBeLessThanOrEqual(f.worst[1]!.percent!);
    const text = JSON.stringify(digestCard(f, 'Asia/Shanghai'));
    expect(text).toContain('完成率 62.5%');
    expect(text).toContain('▲2.5');
    expect(text).toContain('压缩照片 12 张');
  });

  it('rolls unit counts up to the root and its children by path', () => {
    const per = new Map([
      [1, { path: '/1/', total: 1, done: 1, overdue: 0 }],
      [3, { path: '/1/2/3/', total: 10, done: 4, overdue: 2 }],
      [4, { path: '/1/4/', total: 5, done: 5, waived: 2, overdue: 0 }],
    ]);
    const r = rollUp({ path: '/1/' }, per);
    // 免交 rolls up too (the card says 「已交齐 8 项、免交 2 项」).
    expect(r.total).toEqual({ total: 16, done: 10, waived: 2, overdue: 2 });
    expect(r.byChild.get(2)).toEqual({ total: 10, done: 4, waived: 0, overdue: 2 });
    expect(r.byChild.get(4)).toEqual({ total: 5, done: 5, waived: 2, overdue: 0 });
  });

  it('a few units: every bar, no gap row, a short chart', () => {
    const card = digestCard(figures(villages(4, (i) => `第${i}村`)), 'Asia/Shanghai') as any;
    const chart = card.body.elements.find((e: any) => e.tag === 'chart');
    expect(chart.chart_spec.data.values).toHaveLength(4);
    expect(chart.height).toBe(`${60 + 26 * 4}px`);
  });
});
