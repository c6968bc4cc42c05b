import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay, weekMonday, addDays } from '../../src/domain/working-days.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const TZ = 'Asia/Shanghai';

/**
 * The unit page's 质量问题 sum says it is the weekly digest's figure only over a digest's week: over the
 * last 30 days (the page opened by itself) or another range it said 「周报的「质量问题」即此数」 too,
 * which no digest ever counted.
 */
describe('the 质量问题 sum of a unit page', () => {
  let w: WebWorld;
  let leader: string;
  beforeAll(async () => {
    w = await createWebWorld('WS');
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  });
  afterAll(() => w?.close());

  const sumLine = async (query: string) => {
    const page = await (await w.get(`/units/${w.units.township.id}${query}`, leader)).text();
    return /id="quality-sum">([\s\S]*?)<\/p>/.exec(page)?.[1]?.replace(/<[^>]+>|\s+/g, '');
  };

  it('names the digest over its week, and not over the last 30 days or another range', async () => {
    const monday = weekMonday(addDays(localDay(w.clock.now(), TZ), -7));
    const week = await sumLine(`?from=${monday}&to=${addDays(monday, 6)}`);
    expect(week).toMatch(/^共\d+个（下面三项之和；周报的「质量问题」即此数）$/);
    expect(await sumLine('')).toMatch(/^共\d+个（下面三项之和）$/);
    expect(await sumLine(`?from=${monday}&to=${addDays(monday, 2)}`)).toMatch(/^共\d+个（下面三项之和）$/);
  });
});
