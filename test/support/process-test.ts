import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ensureBuilt, startProcess, type BotProcess } from './bot-process.js';
import { startFakeLark, type FakeLark } from './fake-lark/server.js';

/** What a describe of the compiled program run as processes shares (see processTest). */
export interface ProcessTest {
  /** The fake Lark the processes talk to (from the describe's first beforeAll on). */
  readonly fake: FakeLark;
  /**
   * The describe's own folder under the system's temp folder, made when first asked for (a skipped
   * describe makes none) and removed at the end.
   */
  readonly tmp: string;
  /** startProcess (bot-process.ts); a process still running at the end is killed (SIGKILL) and waited for. */
  startProcess: typeof startProcess;
  /**
   * Clean-up of the describe's own (a database, an object store): run at the end, in the order
   * given, once the processes are gone and before the fake Lark closes and the folder is removed.
   */
  onClose(fn: () => unknown): void;
}

/**
 * The set-up of a test of the compiled program as real processes, for the describe it is called in
 * (it registers that describe's first beforeAll and its afterAll): dist/ built when stale
 * (ensureBuilt), the fake Lark started (unless `fake: false`), a temp folder named after `name`; at
 * the end the processes started through it killed, the `onClose` clean-ups run, the fake closed and
 * the folder removed.
 */
export function processTest(name: string, o: { fake?: boolean } = {}): ProcessTest {
  let tmp: string | undefined;
  let fake: FakeLark | undefined;
  const procs: BotProcess[] = [];
  const closers: (() => unknown)[] = [];
  beforeAll(async () => {
    ensureBuilt();
    if (o.fake !== false) fake = await startFakeLark();
  }, 300_000);
  afterAll(async () => {
    try {
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exit));
      for (const fn of closers) await fn();
    } finally {
      await fake?.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  });
  return {
    get fake() {
      if (!fake) throw new Error(`processTest(${name}): no fake Lark (before beforeAll, or fake: false)`);
      return fake;
    },
    get tmp() {
      return (tmp ??= mkdtempSync(join(tmpdir(), `${name}-`)));
    },
    startProcess: (...args) => {
      const p = startProcess(...args);
      procs.push(p);
      return p;
    },
    onClose: (fn) => void closers.push(fn),
  };
}
