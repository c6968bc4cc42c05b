import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess, exportInProcess, verifyInProcess } from '../support/cli-in-process.js';

/**
 * A mistyped command line is answered with what is wrong and the usage, exit 2, before anything is
 * opened or written (export, verify, backup, storage migrate: parseCliOptions).
 */
describe('command lines the CLIs refuse (exit 2, the usage printed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-usage-'));
  const env = { DATA_DIR: join(dir, 'data') };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('npm run export: an unknown option, and a missing --out', async () => {
    const unknown = await exportInProcess(['--unit', 'V1', '--year', '2025', '--bogus'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'[\s\S]*Usage: npm run export -- --unit CODE/);
    const noOut = await exportInProcess(['--unit', 'V1', '--year', '2025'], env);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr.trim()).toBe(
      'Usage: npm run export -- --unit CODE --year YYYY --out DIR [--bag] [--concurrency N]',
    );
  });

  it('npm run export: a --concurrency that is not a whole number from 1 to 64 (a typo must not export nothing)', async () => {
    for (const typed of ['8x', '0', '4,', '1e9', '65']) {
      const res = await exportInProcess(
        ['--unit', 'V1', '--year', '2025', '--out', join(dir, 'out'), '--concurrency', typed],
        env,
      );
      expect(res.code, typed).toBe(2);
      expect(res.stderr).toContain(`--concurrency 须为 1 到 64 之间的整数（收到「${typed}」）`);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('npm run verify: a year that is not four digits', async () => {
    const res = await verifyInProcess(['--year', '25'], env);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('Usage: npm run verify -- [--unit CODE] [--year YYYY] [--out DIR]');
  });

  it('backup and storage migrate: an option without its value', async () => {
    const backup = await cliInProcess(['backup', '--out'], env);
    expect(backup.code).toBe(2);
    expect(backup.stderr).toMatch(/--out[\s\S]*npm run cli -- backup/);
    const storage = await cliInProcess(['storage', 'migrate', '--to'], env);
    expect(storage.code).toBe(2);
    expect(storage.stderr).toMatch(/--to[\s\S]*storage migrate/);
    // Nothing was opened: no data folder made.
    expect(readdirSync(dir)).toEqual([]);
  });
});
