import type { z } from 'zod';

/**
 * A kind of background job: its name (the `jobs.kind` column) and the schema of its payload. The
 * same declaration types `enqueueJob` (and names the kind in SQL-side enqueues) and parses the
 * payload of a claimed row, so what is enqueued and what is handled cannot drift apart.
 */
export interface JobType<P> {
  readonly name: string;
  readonly payload: z.ZodType<P>;
}

export function defineJob<S extends z.ZodType>(d: { name: string; payload: S }): JobType<z.output<S>> {
  return { name: d.name, payload: d.payload as z.ZodType<z.output<S>> };
}
