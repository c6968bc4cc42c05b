import { describe, expect, it } from 'vitest';
import { runPool } from '../../src/archive/run-pool.js';

/** A promise with its resolve/reject in hand, so the test decides when each item settles. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('runPool', () => {
  it('runs every item, at most `concurrency` at a time', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
      done.push(n);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('after a failure starts nothing new and rejects only once the running items have settled', async () => {
    const items = [0, 1, 2, 3];
    const gates = items.map(() => deferred());
    const started: number[] = [];
    const settled: number[] = [];
    const pool = runPool(items, 2, async (n) => {
      started.push(n);
      try {
        await gates[n]!.promise;
      } finally {
        settled.push(n);
      }
    });
    let rejectedWith: unknown;
    const outcome = pool.catch((e: unknown) => {
      rejectedWith = e;
    });
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    gates[0]!.reject(new Error('disk full'));
    await new Promise((r) => setImmediate(r));
    // Item 1 is still writing: the caller must not hear of the failure yet, and item 2 must not start.
    expect(rejectedWith).toBeUndefined();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await outcome;
    expect((rejectedWith as Error).message).toBe('disk full');
    expect(settled.sort()).toEqual([0, 1]);
    expect(started).toEqual([0, 1]);
  });
});
