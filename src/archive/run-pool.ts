/**
 * Runs `fn` over `items` with at most `concurrency` at a time. On the first error no new item starts,
 * and the promise rejects with that error only once the items already running have settled: a caller
 * that cleans up after a failure (removes the folder being written) must not race a copy still writing.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  checkCount('concurrency', concurrency);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failed) throw failed.error;
}

/**
 * A pool of NaN workers (a mistyped option) would be no workers: nothing run, and success reported.
 * Callers check what the user typed; this refuses what slipped through.
 */
function checkCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, not ${n}`);
}

/** A queue of one: each call's `fn` starts when the previous one has settled (memory-heavy work, one at a time). */
export function oneAtATime(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Runs `work` over the items `source` yields (pulled in order, only as a slot frees) with at most
 * `concurrency` at a time, and `commit` over each result in the source's order, as soon as it and
 * every item before it are done: a slow item never holds the others back, only their commits. At most
 * `window` items are started and not yet committed, so memory stays bounded behind a slow item.
 * Failures behave as runPool's: on the first (of `work`, `commit` or the source) nothing new starts
 * and the promise rejects only once the items already running have settled; the source is closed.
 */
export async function runOrdered<T, R>(
  source: AsyncIterable<T>,
  limits: { concurrency: number; window: number },
  work: (item: T) => Promise<R>,
  commit: (item: T, result: R) => Promise<void> | void,
): Promise<void> {
  checkCount('concurrency', limits.concurrency);
  checkCount('window', limits.window);
  const it = source[Symbol.asyncIterator]();
  let failed: { error: unknown } | undefined;
  let exhausted = false;
  let pulled = 0;
  let committed = 0;
  const done = new Map<number, { item: T; result: R }>();
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const fail = (error: unknown) => {
    failed ??= { error };
    wake();
  };
  // One pull at a time, so items keep the source's order and indexes.
  let pulling: Promise<unknown> = Promise.resolve();
  const pull = (): Promise<{ index: number; item: T } | undefined> => {
    const next = pulling.then(async () => {
      while (!failed && !exhausted && pulled - committed >= limits.window)
        await new Promise<void>((r) => waiters.push(r));
      if (failed || exhausted) return undefined;
      const r = await it.next();
      if (r.done) {
        exhausted = true;
        return undefined;
      }
      return { index: pulled++, item: r.value };
    });
    pulling = next.catch(() => undefined);
    return next;
  };
  // Commits one at a time, in order; a worker does not wait for them (it takes its next item).
  let committing: Promise<void> = Promise.resolve();
  const commitReady = async () => {
    while (!failed && done.has(committed)) {
      const { item, result } = done.get(committed)!;
      done.delete(committed);
      await commit(item, result);
      committed++;
      wake();
    }
  };
  const worker = async () => {
    for (;;) {
      let got;
      try {
        got = await pull();
      } catch (error) {
        fail(error);
      }
      if (!got || failed) return;
      try {
        done.set(got.index, { item: got.item, result: await work(got.item) });
      } catch (error) {
        fail(error);
        return;
      }
      committing = committing.then(commitReady).catch(fail);
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, worker));
  await committing;
  if (failed) {
    await it.return?.()?.catch(() => undefined);
    throw failed.error;
  }
}
