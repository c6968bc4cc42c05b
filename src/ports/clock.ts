/**
 * The only source of "now" and of repeating timers for the bot (tests use a manual clock, which
 * also drives the timers: moving it runs what is due, so no test waits for real time to pass).
 */
export interface Clock {
  now(): Date;
  /**
   * Calls `tick` every `ms` of this clock's time until the returned function is called. `tick` may
   * return a promise (a manual clock waits for it). The system clock's timer never keeps the process
   * alive.
   */
  every(ms: number, tick: () => unknown): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  every: (ms, tick) => {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
