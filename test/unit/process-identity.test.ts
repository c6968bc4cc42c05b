import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/db/lock-data-dir.js';
import { identityText, isGone, processStartOf, selfIdentity } from '../../src/process-identity.js';

const linux = process.platform === 'linux';

describe.skipIf(!linux)('process identity: host, pid and start time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'identity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A live process other than this one (a sleeping child), stopped at the end of the test. */
  const withChild = async (fn: (pid: number) => Promise<void>) => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await fn(child.pid!);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  };

  it('a live process is not gone; the same pid with another start time (reused) is; a killed one is', async () => {
    let pid = 0;
    await withChild(async (p) => {
      pid = p;
      const start = processStartOf(p)!;
      expect(start).toMatch(/^\d+$/);
      const me = selfIdentity();
      expect(isGone({ host: me.host, pid: p, start })).toBe(false);
      expect(isGone({ host: me.host, pid: p, start: String(Number(start) + 1) })).toBe(true);
      // Another host's process cannot be seen from here: never declared gone.
      expect(isGone({ host: `${me.host}-elsewhere`, pid: p, start: '1' })).toBe(false);
    });
    expect(isGone({ host: selfIdentity().host, pid, start: '1' })).toBe(true);
    expect(isGone(selfIdentity())).toBe(false);
  });

  it('a folder lock whose holder is gone is taken over at once; a live holder keeps it', async () => {
    const db = join(dir, 'pglite');
    mkdirSync(db);
    // A crashed holder: its lock directory is fresh (not stale for another 10 s), its pid now names
    // another process that started at another time.
    await withChild(async (p) => {
      mkdirSync(`${db}.lock`);
      const reused = { ...selfIdentity(), pid: p, start: String(Number(processStartOf(p)) - 5) };
      writeFileSync(`${db}.owner`, identityText(reused));
      const release = await lockDataDir(db);
      expect(existsSync(`${db}.owner`)).toBe(true);
      await release();
      expect(existsSync(`${db}.lock`)).toBe(false);
      expect(existsSync(`${db}.owner`)).toBe(false);

      // The same process alive with its real start time: the lock is respected.
      mkdirSync(`${db}.lock`);
      writeFileSync(`${db}.owner`, identityText({ ...selfIdentity(), pid: p, start: processStartOf(p)! }));
      await expect(lockDataDir(db)).rejects.toMatchObject({ code: 'data_dir_locked' });
      rmSync(`${db}.lock`, { recursive: true });
    });
  });
});
