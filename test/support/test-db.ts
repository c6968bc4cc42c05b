import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { inject } from 'vitest';
import { fromPglite, openPostgres, type Database } from '../../src/db/client.js';
import { withDatabase } from './global-setup.js';

export interface TestDb extends Database {
  /** Set on PostgreSQL: the URL of this file's own database (for a second "instance"). */
  url?: string;
  /** Set on PGlite: the instance itself (gated-db.ts sends statements through it). */
  pglite?: PGlite;
  /**
   * A real outage: the connection is closed for good (on PGlite close() only hands the instance back
   * to this worker, so queries would keep working). close() afterwards still cleans up.
   */
  shutDown(): Promise<void>;
}

/**
 * A database in the state the real migrations leave it, as if new: by default a PGlite booted from the
 * migrated template, or (TEST_DATABASE_URL) a PostgreSQL database created from the migrated
 * template. Files run in parallel, each on its own database. On PGlite, close() hands the instance
 * back to this worker process, and the next createTestDb() empties it (every table truncated,
 * sequences restarted) instead of booting another: a boot costs seconds, emptying milliseconds.
 */
export async function createTestDb(): Promise<TestDb> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const free = idlePglites();
    let client = free.pop();
    if (client) await emptyDatabase(client);
    else {
      const bytes = readFileSync(inject('pgliteTemplatePath'));
      client = await PGlite.create({ loadDataDir: new Blob([bytes]) });
    }
    let open = true;
    let broken = false;
    const reused = client;
    return {
      pglite: reused,
      ...fromPglite(reused, async () => {
        if (!open) return;
        open = false;
        if (!broken) free.push(reused);
      }),
      shutDown: async () => {
        broken = true;
        await reused.close();
      },
    };
  }
  const name = `archive_bot_t_${process.ppid}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // Concurrent clones of one template can collide ("being accessed by other users"): retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database "${name}" template "${inject('pgTemplateDb')}"`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const dbUrl = withDatabase(url, name);
  const database = openPostgres(dbUrl, 10);
  let closed = false;
  return {
    ...database,
    url: dbUrl,
    shutDown: async () => {
      closed = true;
      await database.close();
    },
    close: async () => {
      if (!closed) await database.close();
      const drop = postgres(url, { max: 1, onnotice: () => {} });
      await drop.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
      await drop.end();
    },
  };
}

/**
 * A new, empty PostgreSQL database (no tables) on the server of `adminUrl`: its URL. Named like the test
 * run's other databases, so the run's teardown drops it.
 */
export async function emptyPgDatabase(adminUrl: string): Promise<string> {
  const name = `archive_bot_t_${process.ppid}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, name);
}

/** PGlite instances of this worker process no test holds (kept on globalThis: files share the process). */
function idlePglites(): PGlite[] {
  const g = globalThis as { [IDLE]?: PGlite[] };
  return (g[IDLE] ??= []);
}
const IDLE = Symbol.for('archive-bot.tests.idle-pglites');

/** Back to the migrated template's state: no rows, sequences restarted, no session leftovers. */
async function emptyDatabase(client: PGlite): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `select format('%I.%I', schemaname, tablename) as name from pg_tables where schemaname = 'public'`,
  );
  await client.exec(
    [
      'reset all',
      'select pg_advisory_unlock_all()',
      rows.length ? `truncate ${rows.map((r) => r.name).join(', ')} restart identity cascade` : '',
    ].join(';\n'),
  );
}
