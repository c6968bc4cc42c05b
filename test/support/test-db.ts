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
}

/**
 * A throwaway database built from the real migrations: a PGlite clone of the template by default,
 * or (TEST_DATABASE_URL) a PostgreSQL database created from the migrated template. Each test file
 * gets its own, so files run in parallel; close() drops it.
 */
export async function createTestDb(): Promise<TestDb> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const bytes = readFileSync(inject('pgliteTemplatePath'));
    const client = await PGlite.create({ loadDataDir: new Blob([bytes]) });
    return fromPglite(client);
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
  return {
    ...database,
    url: dbUrl,
    close: async () => {
      await database.close();
      const drop = postgres(url, { max: 1, onnotice: () => {} });
      await drop.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
      await drop.end();
    },
  };
}
