import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { pgRestore } from '../../src/ops/pg-restore.js';
import { parseIdentity, processStartOf } from '../../src/process-identity.js';
import { waitFor } from '../support/wait-for.js';
import { emptyPgDatabase } from '../support/test-db.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const hasPgTools = spawnSync('pg_restore', ['--version']).status === 0;
if (pgUrl && !hasPgTools) console.warn('pg_restore not found: skipping the pg_restore test');

/** A custom-format dump of the database at `url` written to `file` (what a backup holds); returns `file`. */
function customDump(url: string, file: string): string {
  const dumped = spawnSync('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, url], {
    encoding: 'utf8',
  });
  expect(dumped.stderr).toBe('');
  expect(dumped.status).toBe(0);
  return file;
}

const tableCount = async (url: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from information_schema.tables
      where table_schema not in ('pg_catalog', 'information_schema')`;
    return row!.n;
  } finally {
    await sql.end();
  }
};

describe.skipIf(!pgUrl || !hasPgTools)('pgRestore (ops/pg-restore.ts)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-pg-restore-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    'a process killed while it records its pg_restore (before `started` resolves) leaves a pg_restore that has had no dump: it stops by itself and commits nothing',
    { timeout: 120_000 },
    async () => {
      // A custom-format dump of a database with a table and a row.
      const sourceUrl = await emptyPgDatabase(pgUrl!);
      const source = postgres(sourceUrl, { max: 1, onnotice: () => {} });
      await source`create table kept (id int primary key)`;
      await source`insert into kept values (1)`;
      await source.end();
      const dump = customDump(sourceUrl, join(tmp, 'source.dump'));

      // pgRestore in a process of its own, whose recording step prints the identity it is given and
      // never finishes (as a restore stopped while it writes its marker); then that process is killed.
      const targetUrl = await emptyPgDatabase(pgUrl!);
      const src = fileURLToPath(new URL('../../src/ops/pg-restore.ts', import.meta.url));
      const script = `
        const { pgRestore } = await import(${JSON.stringify(src)});
        setInterval(() => {}, 60_000);
        await pgRestore(${JSON.stringify(dump)}, ${JSON.stringify(targetUrl)}, 'archive-bot-restore:unrecorded',
          async (child) => { console.log(child); await new Promise(() => {}); });
      `;
      const restoring = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      restoring.stdout.on('data', (d) => (out += d));
      restoring.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => restoring.on('close', (code) => resolve(code)));
      try {
        const line = await waitFor('pg_restore started and being recorded', () => out.trim().split('\n')[0], {
          timeoutMs: 60_000,
        });
        const child = parseIdentity(line);
        expect(child, out).toBeDefined();
        expect(processStartOf(child!.pid)).toBe(child!.start);
        restoring.kill('SIGKILL');
        expect(await exited).toBeNull();
        // Nobody knows this pg_restore: it must end by itself, without loading the dump.
        await waitFor('the unrecorded pg_restore gone', () => processStartOf(child!.pid) !== child!.start, {
          timeoutMs: 60_000,
        });
        expect(await tableCount(targetUrl)).toBe(0);
      } finally {
        restoring.kill('SIGKILL');
      }
    },
  );

  it(
    'a pg_restore that fails part-way through a dump larger than the pipe holds is reported with its own message, not as an unreadable backup file',
    { timeout: 120_000 },
    async () => {
      const sourceUrl = await emptyPgDatabase(pgUrl!);
      const source = postgres(sourceUrl, { max: 1, onnotice: () => {} });
      await source`create table big (id int primary key, note text)`;
      await source`insert into big select g, md5(g::text) || md5((g * 7)::text) from generate_series(1, 60000) g`;
      await source.end();
      const dump = customDump(sourceUrl, join(tmp, 'big.dump'));
      expect(statSync(dump).size).toBeGreaterThan(1_000_000);
      // The target already has the table: pg_restore stops at its CREATE TABLE, with most of the dump unsent.
      const targetUrl = await emptyPgDatabase(pgUrl!);
      const target = postgres(targetUrl, { max: 1, onnotice: () => {} });
      await target`create table big (id int)`;
      await target.end();
      const failure = await pgRestore(dump, targetUrl, 'archive-bot-restore:exists', async () => {}).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(failure?.message).toMatch(/^pg_restore 失败：[\s\S]*already exists/);
      expect(failure?.message).not.toContain('读不出');
    },
  );
});
