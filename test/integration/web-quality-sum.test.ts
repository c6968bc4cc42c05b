import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay, weekMonday, addDays } from '../../src/domain/working-days.js';
import { createWebWorld, type WebWorld } from './web-world.js';

const TZ = 'Asia/Shanghai';

/**
 * The unit page's 质量问题 sum is counted now. Over a digest's week it says how it relates to the digest's
 * figure, counted when the digest went out: it once claimed 「周报的「质量问题」即此数」, false as soon as a
 * village added the 说明 the digest asked for. Over other ranges it names no digest at all.
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
    expect(week).toMatch(
      /^共\d+个（下面三项之和，按现在的状态；周报的「质量问题」是发出时的数，之后补好的不再列出）$/,
    );
    expect(await sumLine('')).toMatch(/^共\d+个（下面三项之和，按现在的状态）$/);
    expect(await sumLine(`?from=${monday}&to=${addDays(monday, 2)}`)).toMatch(
      /^共\d+个（下面三项之和，按现在的状态）$/,
    );
  });
});
