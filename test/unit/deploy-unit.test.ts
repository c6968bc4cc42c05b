import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/bot-process.js';

const unitPath = join(repoRoot, 'deploy/archive-bot.service');
const unit = readFileSync(unitPath, 'utf8');
const values = (key: string) =>
  [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasAnalyze)
  console.warn('systemd-analyze not found: skipping the unit check (.ci/run installs systemd)');

describe('deploy/archive-bot.service', () => {
  it('runs the compiled bot with node directly, as a dedicated user, confined to its data folder', () => {
    expect(values('ExecStart')).toEqual(['/usr/bin/node /opt/archive-bot/dist/main.js']);
    expect(values('User')).toEqual(['archive-bot']);
    expect(values('Restart')).toEqual(['on-failure']);
    // Exit 2 (a wrong DATABASE_URL password, a database that does not exist, a bad setting) is not retried.
    expect(values('RestartPreventExitStatus')).toEqual(['2']);
    // A local PostgreSQL is up before the bot opens it (and stops after it).
    expect(values('After').join(' ').split(/\s+/)).toContain('postgresql.service');
    expect(values('KillSignal')).toEqual(['SIGTERM']);
    expect(Number(values('TimeoutStopSec')[0])).toBeGreaterThan(30); // the bot's drain limit (main.ts)
    expect(values('NoNewPrivileges')).toEqual(['true']);
    expect(values('ProtectSystem')).toEqual(['strict']);
    // The data folder the environment template sets is the one writable path.
    const env = readFileSync(join(repoRoot, 'deploy/archive-bot.env'), 'utf8');
    const dataDir = env.match(/^DATA_DIR=(.*)$/m)?.[1];
    expect(values('ReadWritePaths')).toEqual([dataDir]);
  });

  it.skipIf(!hasAnalyze)('is accepted by systemd-analyze verify without a warning', () => {
    // verify checks that ExecStart's program exists; where node lives elsewhere, point it there.
    const dir = mkdtempSync(join(tmpdir(), 'archive-bot-unit-'));
    try {
      const file = join(dir, 'archive-bot.service');
      writeFileSync(
        file,
        existsSync('/usr/bin/node') ? unit : unit.replace('/usr/bin/node', process.execPath),
      );
      const res = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(res.stderr + res.stdout).toBe('');
      expect(res.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
