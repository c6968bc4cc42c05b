import type { z } from 'zod';

/**
 * A kind of background job: its name (the `jobs.kind` column) and the schema of its payload. The
 * same declaration types `enqueueJob` (and names the kind in SQL-side enqueues) and parses the
 * payload of a claimed row, so what is enqueued and what is handled cannot drift apart.
 */
export interface JobType<P> {
  readonly name: string;
  readonly payload: z.ZodType<P>;
  /** Claimed before lower ranks when work queues up (0 first; see JOB_PRIORITY). */
  readonly priority: number;
}

/**
 * Which due jobs are taken first when work queues up (a backlog after a restart, a flood of photos):
 * `first` — a person is waiting for it (a burst's reply, a card's outcome, a message);
 * `normal` — the work itself (downloads, scheduled sends; SQL-side enqueues get this);
 * `last` — re-checks nobody waits for (reconciliation, the 四性 check).
 */
export const JOB_PRIORITY = { first: 0, normal: 1, last: 2 } as const;
export type JobPriority = keyof typeof JOB_PRIORITY;

export function defineJob<S extends z.ZodType>(d: {
  name: string;
  payload: S;
  priority?: JobPriority;
}): JobType<z.output<S>> {
  return {
    name: d.name,
    payload: d.payload as z.ZodType<z.output<S>>,
    priority: JOB_PRIORITY[d.priority ?? 'normal'],
  };
}
