import { describe, expect, it } from 'vitest';
import { qualityPeriod } from '../../src/http/pages/quality-period.js';

const TZ = 'Asia/Shanghai';

describe('the period of a unit page’s quality problems', () => {
  it('is the digest’s week when the link carries it: Monday 00:00 to the next Monday 00:00, named as the digest does', () => {
    expect(qualityPeriod({ from: '2026-11-23', to: '2026-11-29' }, TZ, '2026-12-01')).toEqual({
      period: { from: new Date('2026-11-22T16:00:00Z'), to: new Date('2026-11-29T16:00:00Z') },
      label: '第48周（11月23日—29日）',
      week: true,
    });
  });

  it('names any other range by its days', () => {
    expect(qualityPeriod({ from: '2026-11-01', to: '2026-11-30' }, TZ, '2026-12-01').label).toBe(
      '11月1日—11月30日',
    );
  });

  it('is the last 30 days without a range, or with one that is not a real range', () => {
    for (const q of [
      {},
      { from: '2026-11-23' },
      { from: '2026-11-30', to: '2026-11-23' },
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2024-01-01', to: '2026-01-01' },
      { from: ['2026-11-23', 'x'], to: 'x' },
      { from: "2026-11-23' or 1=1", to: '2026-11-29' },
    ])
      expect(qualityPeriod(q, TZ, '2026-12-01'), JSON.stringify(q)).toEqual({ label: '近 30 天' });
  });
});
