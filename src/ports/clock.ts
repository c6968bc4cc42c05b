/** The only source of "now" for repositories and use cases (tests use a manual clock). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
