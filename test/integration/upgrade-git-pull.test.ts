import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runProcess } from '../support/bot-process.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
/** The upgrade's step 3 as the README gives it. */
const installLine = readme.match(/^3\. Install the new version: `([^`]+)`/m)?.[1];

/**
 * The README's upgrade on a git checkout after a December: `npm update chinese-days` (as the holiday
 * alert and the check-up say) left package-lock.json changed, and the new version changes it too. A
 * bare `git pull` stopped there («Your local changes … would be overwritten by merge»), so the IT
 * person's upgrade went no further.
 */
describe("the README's upgrade step 3 after the holiday table's update", () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-pull-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const git = async (cwd: string, ...args: string[]) => {
    const res = await runProcess(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args],
      { HOME: tmp, PATH: process.env.PATH ?? '' },
      cwd,
    );
    expect(res.code, `git ${args.join(' ')}: ${res.stderr}`).toBe(0);
  };

  it('brings in the new version', async () => {
    expect(installLine).toBeDefined();
    const upstream = join(tmp, 'upstream');
    const server = join(tmp, 'opt-archive-bot');
    await git(tmp, 'init', '-q', upstream);
    writeFileSync(join(upstream, 'package-lock.json'), '{"chinese-days":"1.5.7"}\n');
    writeFileSync(join(upstream, 'VERSION'), 'old\n');
    await git(upstream, 'add', '.');
    await git(upstream, 'commit', '-qm', 'old');
    await git(tmp, 'clone', '-q', upstream, server);
    // December on the server: the holiday table updated in place.
    writeFileSync(join(server, 'package-lock.json'), '{"chinese-days":"1.5.9"}\n');
    // The new version, with its own lock.
    writeFileSync(join(upstream, 'package-lock.json'), '{"chinese-days":"1.6.0"}\n');
    writeFileSync(join(upstream, 'VERSION'), 'new\n');
    await git(upstream, 'commit', '-qam', 'new');

    const line = installLine!.replace('cd /opt/archive-bot', `cd '${server}'`);
    expect(line).not.toBe(installLine);
    const res = await runProcess('sh', ['-c', line], { HOME: tmp, PATH: process.env.PATH ?? '' }, tmp);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(join(server, 'VERSION'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(server, 'package-lock.json'), 'utf8')).toBe('{"chinese-days":"1.6.0"}\n');
  });
});
