import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { fromPglite } from '../../src/db/client.js';
import { migrate, migratePostgresUrl } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: a data-dir dump of a freshly migrated database. */
    pgliteTemplatePath: string;
    /** PostgreSQL: name of a migrated template database (when TEST_DATABASE_URL is set). */
    pgTemplateDb: string;
  }
}

/**
 * Builds the template database once from the real migrations; each test file clones it
 * (test/support/test-db.ts). PGlite by default, PostgreSQL when TEST_DATABASE_URL is set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.TEST_DATABASE_URL;
  console.log(
    `test run: node ${process.version}, database ${url ? 'PostgreSQL (TEST_DATABASE_URL)' : 'PGlite'}`,
  );
  if (url) {
    const name = `archive_bot_tmpl_${process.pid}_${Date.now()}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    await migratePostgresUrl(withDatabase(url, name));
    project.provide('pgTemplateDb', name);
    project.provide('pgliteTemplatePath', '');
    return async () => {
      const leftovers = await admin<{ datname: string }[]>`
        select datname from pg_database where datname like ${`archive_bot_t_${process.pid}_%`} or datname = ${name}`;
      for (const { datname } of leftovers)
        await admin.unsafe(`drop database if exists "${datname}" with (force)`);
      await admin.end();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'archive-bot-tmpl-'));
  const client = await PGlite.create();
  await migrate(fromPglite(client));
  const dump = await client.dumpDataDir('none');
  const path = join(dir, 'template.tar');
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  await client.close();
  project.provide('pgliteTemplatePath', path);
  project.provide('pgTemplateDb', '');
  return async () => rmSync(dir, { recursive: true, force: true });
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
