import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from './client.js';
import { MIGRATIONS_FOLDER } from './migrations-folder.js';

/** A migration shipped in drizzle/ (its journal entry). `when` is what drizzle records as created_at. */
export interface BundledMigration {
  idx: number;
  tag: string;
  when: number;
}

/** What a database has applied, as drizzle records it (drizzle.__drizzle_migrations). */
export interface AppliedMigrations {
  count: number;
  /** created_at of the newest applied migration (its journal `when`); 0 when none. */
  lastWhen: number;
}

export function bundledMigrations(folder = MIGRATIONS_FOLDER): BundledMigration[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8'));
  return journal.entries.map((e: any) => ({ idx: e.idx, tag: e.tag, when: Number(e.when) }));
}

export async function appliedMigrations(db: Db): Promise<AppliedMigrations> {
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!exists?.present) return { count: 0, lastWhen: 0 };
  const [row] = await queryRows<{ count: number; last: string | null }>(
    db,
    sql`select count(*)::int as count, max(created_at)::text as last from drizzle.__drizzle_migrations`,
  );
  return { count: row?.count ?? 0, lastWhen: Number(row?.last ?? 0) };
}

/** How a database's schema compares with this program's migrations. */
export type SchemaStatus =
  | { kind: 'current'; applied: number }
  | { kind: 'behind'; applied: number; pending: BundledMigration[] }
  | { kind: 'newer'; applied: number; known: number };

export function compareSchema(applied: AppliedMigrations, bundled = bundledMigrations()): SchemaStatus {
  const newestKnown = bundled.at(-1)?.when ?? 0;
  if (applied.lastWhen > newestKnown || applied.count > bundled.length)
    return { kind: 'newer', applied: applied.count, known: bundled.length };
  const pending = bundled.filter((m) => m.when > applied.lastWhen);
  return pending.length === 0
    ? { kind: 'current', applied: applied.count }
    : { kind: 'behind', applied: applied.count, pending };
}
