import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { RateLimiter } from '../../src/lark/rate-limiter.js';
import { SharedPacer, type PacingSlots, type PacingSpec } from '../../src/lark/shared-pacer.js';

/**
 * The shared pacer against slots that answer given waits, with a clock the test moves: `sleep`
 * advances it by the wait plus whatever lateness the test says the event loop added.
 */
function pacerWith(waits: number[], lateness: number[]) {
  let t = 0;
  const reserved: PacingSpec[][] = [];
  const slots: PacingSlots = {
    reserve: (specs) => {
      reserved.push([...specs]);
      return Promise.resolve(waits.shift() ?? 0);
    },
    prune: () => Promise.resolve(0),
  };
  const metrics = new Metrics();
  const pacer = new SharedPacer(
    slots,
    (key) => (key.startsWith('api:') ? { perSecond: 46 } : undefined),
    new RateLimiter(() => undefined),
    silentLogger(),
    metrics,
    (ms) => {
      t += ms + (lateness.shift() ?? 0);
      return Promise.resolve();
    },
    () => t,
  );
  return { pacer, reserved, metrics, now: () => t };
}

describe('SharedPacer: a caller that wakes too late for its slot takes another', () => {
  it('goes in its slot when the timer fires on time (a few ms late is on time)', async () => {
    const { pacer, reserved, now } = pacerWith([200], [5]);
    await pacer.takeAll(['api:im.messageResource.get']);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toEqual([{ key: 'api:im.messageResource.get', intervalMs: 1000 / 46, burst: 1 }]);
    expect(now()).toBe(205);
  });

  it('woken 120 ms late (a stalled event loop) it reserves again instead of joining a bunch', async () => {
    const { pacer, reserved, metrics, now } = pacerWith([200, 50], [120, 0]);
    await pacer.takeAll(['api:im.messageResource.get']);
    expect(reserved).toHaveLength(2);
    expect(now()).toBe(370);
    expect(metrics.value('lark_pacing_late_total')).toBe(1);
  });

  it('late again and again, it goes after the third slot (Lark then answers 429, which is retried)', async () => {
    const { pacer, reserved, metrics } = pacerWith([100, 100, 100, 100], [200, 200, 200, 200]);
    await pacer.takeAll(['api:im.messageResource.get']);
    expect(reserved).toHaveLength(3);
    expect(metrics.value('lark_pacing_late_total')).toBe(2);
  });
});
