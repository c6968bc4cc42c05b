/** Shared column helpers so every table spells times the same way (timestamptz, *_at). */
import { timestamp } from 'drizzle-orm/pg-core';

export * from 'drizzle-orm/pg-core';

export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
