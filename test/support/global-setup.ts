import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { fromPglite } from '../../src/db/client.js';
import { MIGRATIONS_FOLDER, migrate, migratePostgresUrl } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: a data-dir dump of a freshly migrated database. */
    pgliteTemplatePath: string;
    /** PGlite: the same database unpacked as a data folder on disk (copied, never opened in place). */
    pgliteTemplateDir: string;
    /** PostgreSQL: name of a migrated template database (when TEST_DATABASE_URL is set). */
    pgTemplateDb: string;
  }
}

/**
 * Provides the template database built from the real migrations; test files start from it
 * (test/support/test-db.ts). PGlite by default, PostgreSQL when TEST_DATABASE_URL is set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.TEST_DATABASE_URL;
  console.log(
    `test run: node ${process.version}, database ${url ? 'PostgreSQL (TEST_DATABASE_URL)' : 'PGlite'}`,
  );
  await buildDistIfStale();
  if (url) {
    const name = `archive_bot_tmpl_${process.pid}_${Date.now()}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    await migratePostgresUrl(withDatabase(url, name));
    project.provide('pgTemplateDb', name);
    project.provide('pgliteTemplatePath', '');
    project.provide('pgliteTemplateDir', '');
    return async () => {
      const leftovers = await admin<{ datname: string }[]>`
        select datname from pg_database where datname like ${`archive_bot_t_${process.pid}_%`} or datname = ${name}`;
      for (const { datname } of leftovers)
        await admin.unsafe(`drop database if exists "${datname}" with (force)`);
      await admin.end();
    };
  }
  const template = await pgliteTemplate();
  project.provide('pgliteTemplatePath', template);
  project.provide('pgliteTemplateDir', await unpackedTemplate(template));
  project.provide('pgTemplateDb', '');
  return async () => {};
}

/**
 * dist/ built once, here, before any test file runs: the files that start the compiled bot call
 * ensureBuilt() (spawnSync), and a build there blocks that worker's thread for a minute on a busy
 * machine, long enough for vitest's worker calls to time out ("Timeout calling onTaskUpdate", exit 1
 * with every test passed).
 */
async function buildDistIfStale(): Promise<void> {
  const script = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--if-stale'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('close', resolve);
    child.on('error', reject);
  });
  if (code !== 0) throw new Error(`building dist/ failed (exit ${code}): see the output above`);
}

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/archive-bot-tests', import.meta.url));

/**
 * A data-dir dump of a freshly migrated PGlite, cached on disk under a hash of drizzle/ and the
 * PGlite version: building it (initdb + migrations) costs seconds, so it is rebuilt only when a
 * migration or PGlite changes.
 */
async function pgliteTemplate(): Promise<string> {
  const path = join(CACHE_DIR, `pglite-template-${templateKey()}.tar`);
  if (existsSync(path)) {
    markUsed(path);
    return path;
  }
  const client = await PGlite.create();
  try {
    await migrate(fromPglite(client));
    const dump = await client.dumpDataDir('none');
    mkdirSync(CACHE_DIR, { recursive: true });
    pruneUnusedTemplates();
    // Write then rename: a concurrent run never reads a half-written template.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
  } finally {
    await client.close();
  }
  return path;
}

/** A template is kept while some run used it in the last day (its mtime says when). */
const KEEP_UNUSED_MS = 24 * 3600_000;

function markUsed(path: string): void {
  const now = new Date();
  utimesSync(path, now, now);
}

/**
 * Removes the templates no run used for a day. Other keys are not simply deleted: worktrees of this
 * repository share node_modules, and a run on another branch (another migration) may be copying its
 * template right now.
 */
function pruneUnusedTemplates(): void {
  const cutoff = Date.now() - KEEP_UNUSED_MS;
  for (const name of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, name);
    // A template (with its unpacked folder), or what a killed run left half-written.
    if (!name.endsWith('.tar') && !name.includes('.partial')) continue;
    if (statSync(path).mtimeMs >= cutoff) continue;
    rmSync(path, { recursive: true, force: true });
    if (name.endsWith('.tar')) rmSync(path.replace(/\.tar$/, '.dir'), { recursive: true, force: true });
  }
}

/**
 * The template unpacked into a PGlite data folder next to the dump (same key). A test that needs a
 * data folder on disk copies it (a fraction of a second) instead of booting PGlite to unpack the
 * dump (seconds of CPU per folder).
 */
async function unpackedTemplate(dump: string): Promise<string> {
  const dir = dump.replace(/\.tar$/, '.dir');
  if (existsSync(dir)) return dir;
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const client = await PGlite.create({ dataDir: partial, loadDataDir: new Blob([readFileSync(dump)]) });
  await client.close();
  // Rename when whole: a concurrent run never copies a half-written folder.
  try {
    renameSync(partial, dir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}

function templateKey(): string {
  const hash = createHash('sha256');
  const pglite = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
  hash.update(JSON.parse(readFileSync(pglite, 'utf8')).version);
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else hash.update(relative(MIGRATIONS_FOLDER, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(MIGRATIONS_FOLDER);
  return hash.digest('hex').slice(0, 16);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
