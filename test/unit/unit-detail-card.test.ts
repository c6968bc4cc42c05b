import { describe, expect, it } from 'vitest';
import { CARD_LIMIT_BYTES, cardBytes } from '../../src/cards/card-kit.js';
import { unitDetailCard } from '../../src/cards/unit-detail-card.js';
import type { UnitProgress } from '../../src/db/repos/completeness-progress.js';

const counts = (done: number) => ({
  total: 100,
  complete: done,
  partly: 0,
  open: 100 - done,
  waived: 0,
  overdue: 100 - done,
  percent: done,
});
const unit = (id: number, name: string) => ({ id, code: String(id), name, kind: 'village', fullName: name });

describe('unit detail card (查看全部 without web pages)', () => {
  it('lists every unit below, worst first, and stays under 30 KB for a province-sized list', () => {
    const small: UnitProgress = {
      unit: unit(1, '某镇'),
      retirement: null,
      retired: [],
      counts: counts(50),
      children: [
        { unit: unit(2, '好村'), counts: counts(90) },
        { unit: unit(3, '差村'), counts: counts(10) },
      ],
    };
    const c = JSON.stringify(unitDetailCard(small, { total: 0, items: [] }, 'Asia/Shanghai'));
    expect(c.indexOf('差村')).toBeLessThan(c.indexOf('好村'));
    expect(c).not.toContain('已撤并');
    // A merged village (撤并) is named apart, not ranked among them.
    const merged = JSON.stringify(
      unitDetailCard(
        {
          ...small,
          retired: [
            { unit: unit(4, '河口村'), at: new Date('2026-10-08T16:00:00Z'), into: { id: 2, name: '好村' } },
          ],
        },
        { total: 0, items: [] },
        'Asia/Shanghai',
        new Date('2026-10-12T02:00:00Z'),
      ),
    );
    expect(merged).toContain('已撤并：河口村（10月9日并入好村）');
    expect(merged).not.toContain('河口村　');
    expect(c).toContain('所有任务的材料都已交齐');

    const big: UnitProgress = {
      unit: unit(1, '某省'),
      retirement: null,
      retired: [],
      counts: counts(50),
      children: Array.from({ length: 3000 }, (_, i) => ({
        unit: unit(i + 2, `第${i}村`),
        counts: counts(i % 100),
      })),
    };
    const card = unitDetailCard(big, { total: 0, items: [] }, 'Asia/Shanghai');
    expect(cardBytes(card)).toBeLessThanOrEqual(CARD_LIMIT_BYTES);
    expect(JSON.stringify(card)).toMatch(/共 3000 个，列出完成率最低的 \d+ 个/);
  });
});
