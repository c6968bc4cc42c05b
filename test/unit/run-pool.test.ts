import { describe, expect, it } from 'vitest';
import { runOrdered, runPool } from '../../src/archive/run-pool.js';

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

/**
 * The failure contract both pools keep, for a pool of two over items 0–3 that `start` begins with
 * `work`: item 0 fails while item 1 still runs; the caller hears of it only once 1 has settled, and
 * 2 never starts.
 */
async function expectStopsAfterFailure(
  start: (work: (n: number) => Promise<void>) => Promise<void>,
): Promise<void> {
  const gates = [0, 1, 2, 3].map(() => deferred());
  const started: number[] = [];
  const settled: number[] = [];
  let rejectedWith: unknown;
  const outcome = start(async (n) => {
    started.push(n);
    try {
      await gates[n]!.promise;
    } finally {
      settled.push(n);
    }
  }).catch((e: unknown) => {
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
    await expectStopsAfterFailure((work) => runPool([0, 1, 2, 3], 2, work));
  });
});

/** Yields `items` one by one, recording how far it was read and whether it was closed. */
function source<T>(items: readonly T[]) {
  const state = { read: 0, closed: false };
  async function* gen() {
    try {
      for (const item of items) {
        state.read++;
        yield item;
      }
    } finally {
      state.closed = true;
    }
  }
  return { iterable: gen(), state };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('runOrdered', () => {
  it('commits in the source order while later items finish first, at most `concurrency` running', async () => {
    const gates = [0, 1, 2, 3, 4].map(() => deferred());
    const committed: number[] = [];
    let running = 0;
    let most = 0;
    const { iterable } = source([0, 1, 2, 3, 4]);
    const run = runOrdered(
      iterable,
      { concurrency: 3, window: 10 },
      async (n) => {
        running++;
        most = Math.max(most, running);
        await gates[n]!.promise;
        running--;
        return n * 10;
      },
      (n, result) => {
        committed.push(result);
      },
    );
    await turn();
    gates[2]!.resolve();
    gates[1]!.resolve();
    await turn();
    // Item 0 still runs: nothing may be committed before it, but its slot-mates moved on.
    expect(committed).toEqual([]);
    expect(running).toBe(3);
    gates[0]!.resolve();
    await turn();
    expect(committed).toEqual([0, 10, 20]);
    gates[4]!.resolve();
    gates[3]!.resolve();
    await run;
    expect(committed).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(3);
  });

  it('starts no item more than `window` ahead of the last commit', async () => {
    const gates = [0, 1, 2, 3, 4, 5].map(() => deferred());
    const started: number[] = [];
    const { iterable, state } = source([0, 1, 2, 3, 4, 5]);
    const run = runOrdered(
      iterable,
      { concurrency: 4, window: 3 },
      async (n) => {
        started.push(n);
        await gates[n]!.promise;
      },
      () => {},
    );
    await turn();
    gates[1]!.resolve();
    gates[2]!.resolve();
    await turn();
    // 1 and 2 are done, but 0 is not committed: a fourth item would be three ahead of it.
    expect(started).toEqual([0, 1, 2]);
    expect(state.read).toBe(3);
    gates[0]!.resolve();
    await turn();
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    for (const g of gates) g.resolve();
    await run;
  });

  it('after a failure starts nothing new, closes the source and rejects once running items settle', async () => {
    const { iterable, state } = source([0, 1, 2, 3]);
    await expectStopsAfterFailure((work) =>
      runOrdered(iterable, { concurrency: 2, window: 10 }, work, () => {}),
    );
    expect(state.closed).toBe(true);
  });

  it('a failing commit stops the run like a failing item', async () => {
    const committed: number[] = [];
    const { iterable, state } = source([0, 1, 2, 3, 4, 5, 6, 7]);
    await expect(
      runOrdered(
        iterable,
        { concurrency: 2, window: 4 },
        async (n) => n,
        (n) => {
          if (n === 2) throw new Error('catalogue write failed');
          committed.push(n);
        },
      ),
    ).rejects.toThrow('catalogue write failed');
    expect(committed).toEqual([0, 1]);
    expect(state.read).toBeLessThan(8);
    expect(state.closed).toBe(true);
  });
});

describe('pool sizes', () => {
  it('a concurrency that is not a positive whole number is refused, never a pool of no workers', async () => {
    for (const n of [Number.NaN, 0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      let ran = 0;
      await expect(
        runPool([1, 2], n, async () => void ran++),
        String(n),
      ).rejects.toThrow(RangeError);
      const { iterable } = source([1, 2]);
      await expect(
        runOrdered(
          iterable,
          { concurrency: n, window: 4 },
          async () => void ran++,
          () => {},
        ),
        String(n),
      ).rejects.toThrow(RangeError);
      expect(ran).toBe(0);
    }
  });
});
