import type { Clock } from '../../src/ports/clock.js';

interface Timer {
  ms: number;
  next: number;
  tick: () => unknown;
}

/**
 * A clock tests move by hand. Its timers run when it is moved past their time (once per move,
 * however far, as a busy timer would); `advance` and `set` resolve when those runs have finished.
 */
/**
 * Real time, but never in the last two hours of a Beijing day: tests that start from "now" and move
 * minutes ahead (once-a-day notices, today's counts) must not cross midnight when the suite runs late.
 */
export function awakeNow(real = new Date()): Date {
  const beijingHour = (real.getUTCHours() + 8) % 24;
  return beijingHour >= 22 ? new Date(real.getTime() - 3 * 3600_000) : real;
}

export class ManualClock implements Clock {
  private t: number;
  private readonly timers = new Set<Timer>();
  constructor(start: Date | string = '2026-11-26T09:00:00+08:00') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  every(ms: number, tick: () => unknown): () => void {
    const timer = { ms, next: this.t + ms, tick };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }
  set(at: Date | string): Promise<void> {
    this.t = new Date(at).getTime();
    return this.runDue();
  }
  advance(ms: number): Promise<void> {
    this.t += ms;
    return this.runDue();
  }
  private async runDue(): Promise<void> {
    const runs: unknown[] = [];
    for (const timer of this.timers) {
      if (timer.next > this.t) continue;
      timer.next = this.t + timer.ms;
      runs.push(timer.tick());
    }
    await Promise.all(runs);
  }
}

/**
 * After a command-line step: the command line stamps its jobs with the real time (runAt), while the
 * bot's clock may start up to 3 hours behind it (awakeNow, late in a Beijing evening); the bot's clock
 * is moved up to the real time so those jobs come due. Nothing happens when it is ahead already.
 */
export async function catchUpWithCommandLine(clock: ManualClock): Promise<void> {
  if (Date.now() > clock.now().getTime()) await clock.set(new Date());
}
