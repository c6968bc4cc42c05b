import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pgUrl = process.env.TEST_DATABASE_URL;
const linux = process.platform === 'linux';

/**
 * A backup that cannot start pg_dump because the process is out of file descriptors (EMFILE: Node
 * then makes the child without its pipes) fails with a message and leaves no dump; before, it threw a
 * TypeError on the missing pipe and died of the unhandled 'error' that followed.
 */
describe.skipIf(!pgUrl || !linux)('pg_dump when no file descriptor is left', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-emfile-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('fails the dump with 无法启动 … EMFILE, in a process that goes on', { timeout: 60_000 }, () => {
    const src = fileURLToPath(new URL('../../src/ops/backup-database-dump.ts', import.meta.url));
    const dump = join(tmp, 'db.dump');
    // The database is opened first (one descriptor left for its socket), then pg_dump's pipes find none.
    const script = `
      import fs from 'node:fs';
      const { dumpPostgres } = await import(${JSON.stringify(src)});
      const fds = [];
      try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch {}
      for (let i = 0; i < 3; i++) fs.closeSync(fds.pop());
      try {
        await dumpPostgres(${JSON.stringify(pgUrl)}, ${JSON.stringify(dump)}, async () => 'done');
        console.log('RESULT dumped');
      } catch (e) {
        console.log('RESULT', e.code, e.message);
      }
      setTimeout(() => console.log('STILL RUNNING'), 100);
    `;
    const res = spawnSync(
      'bash',
      ['-c', `ulimit -n 256; exec "$0" --import tsx --input-type=module -e "$1"`, process.execPath, script],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 50_000 },
    );
    expect(res.stdout, res.stderr).toContain('RESULT pg_dump_failed pg_dump 无法启动：spawn pg_dump EMFILE');
    expect(res.stdout).toContain('STILL RUNNING');
    expect(res.status).toBe(0);
    expect(existsSync(dump)).toBe(false);
  });
});
