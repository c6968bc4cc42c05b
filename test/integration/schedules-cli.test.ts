import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/bot-process.js';
import { digestInProcess, remindInProcess } from '../support/cli-in-process.js';

/**
 * `npm run remind` / `npm run digest` on a fresh embedded database: migrate.js and digest.js's
 * refusal as compiled processes, the rehearsals in this process through the same runRemind and
 * runDigest (no process start; remind.js also runs as a process in settings-files).
 */
describe('remind and digest command lines', () => {
  let dataDir: string;
  const env = () => ({ DATA_DIR: dataDir, SCHEDULES_FILE: join(repoRoot, 'config/schedules.yaml') });
  // From the empty data folder: no developer .env is read.
  const run = (script: string, ...args: string[]) => runCli(args, env(), { cwd: dataDir, script });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'schedules-cli-'));
    const migrated = await run('migrate.js');
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout.trim()).toBe('迁移完成（内置数据库）。');
  }, 90_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('rehearses a day: a public holiday sends nothing', async () => {
    const res = await remindInProcess(['--dry-run', '--at', '2026-10-01T09:00'], env());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('2026-10-01 不是工作日（国庆节）');
  }, 60_000);

  it('refuses --at without --dry-run (a real send is always now)', async () => {
    const res = await run('digest.js', '--at', '2026-11-30T08:30');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--at 只能和 --dry-run 一起用');
  }, 60_000);

  it('prints the week of a digest rehearsal', async () => {
    const res = await digestInProcess(['--dry-run', '--at', '2026-11-30T08:30'], env());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('2026-W49：0 份周报（演练，未发送）');
  }, 60_000);
});
