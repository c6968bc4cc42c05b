import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { settingsFilesLine } from '../../src/cli/doctor-settings.js';
import { loadBaseConfig } from '../../src/config.js';
import { loadFileSettings } from '../../src/settings.js';
import { repoRoot, runProcess } from '../support/bot-process.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
/** The upgrade's step 3 as the README gives it. */
const installLine = readme.match(/^3\. Install the new version: `([^`]+)`/m)?.[1];
/** The service install's line that copies the shipped settings files out of the program's folder. */
const settingsCopyLine = readme.match(/^install -m 640 -g archive-bot config\/[^\n]*$/m)?.[0];
const template = readFileSync(join(repoRoot, 'deploy/archive-bot.env'), 'utf8');

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

  /**
   * The county adapts its reminder time and 全宗号. With the settings in config/ of the checkout (the
   * service template named them there) the next `git pull` that brings new shipped files stopped on
   * the local changes. Installed as the README says, they live in /etc/archive-bot/ and survive it.
   */
  it("keeps the county's settings outside the checkout, so the pull goes through and they stay", async () => {
    expect(settingsCopyLine).toBeDefined();
    const upstream = join(tmp, 'upstream-settings');
    const server = join(tmp, 'opt-archive-bot-settings');
    const etc = join(tmp, 'etc-archive-bot');
    mkdirSync(join(upstream, 'config'), { recursive: true });
    mkdirSync(etc);
    for (const f of ['schedules.yaml', 'archive.yaml'])
      copyFileSync(join(repoRoot, 'config', f), join(upstream, 'config', f));
    writeFileSync(join(upstream, 'package-lock.json'), '{}\n');
    await git(tmp, 'init', '-q', upstream);
    await git(upstream, 'add', '.');
    await git(upstream, 'commit', '-qm', 'old');
    await git(tmp, 'clone', '-q', upstream, server);

    // The install step, as root would run it (here without the service's group, which needs root).
    const copy = settingsCopyLine!.replace(' -g archive-bot', '').replaceAll('/etc/archive-bot', etc);
    const res1 = await runProcess('sh', ['-c', copy], { PATH: process.env.PATH ?? '' }, server);
    expect(res1.code, res1.stderr).toBe(0);
    // The service's settings, as the template names the files.
    const env = Object.fromEntries(
      [
        ...template.replaceAll('/etc/archive-bot', etc).matchAll(/^(SCHEDULES_FILE|ARCHIVE_CONFIG)=(.*)$/gm),
      ].map((m) => [m[1]!, m[2]!]),
    );
    expect(Object.keys(env).sort()).toEqual(['ARCHIVE_CONFIG', 'SCHEDULES_FILE']);
    // The county edits what the service reads.
    const schedulesFile = resolve(server, env.SCHEDULES_FILE!);
    writeFileSync(
      schedulesFile,
      readFileSync(schedulesFile, 'utf8').replace("time: '09:00'", "time: '08:15'"),
    );
    const archiveFile = resolve(server, env.ARCHIVE_CONFIG!);
    // Its 全宗 and 移交、接收单位 (the doctor warns while the sample's are there).
    writeFileSync(
      archiveFile,
      readFileSync(archiveFile, 'utf8')
        .replace(/^(\s+code: ).*$/m, '$1A999')
        .replaceAll('某县人民政府办公室', '施甸县人民政府办公室')
        .replace('某县档案馆', '施甸县档案馆'),
    );

    // A new version changes the shipped files.
    for (const f of ['schedules.yaml', 'archive.yaml'])
      appendFileSync(join(upstream, 'config', f), '# new in this version\n');
    await git(upstream, 'commit', '-qam', 'new');
    const line = installLine!.replace('cd /opt/archive-bot', `cd '${server}'`);
    const res = await runProcess('sh', ['-c', line], { HOME: tmp, PATH: process.env.PATH ?? '' }, tmp);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(join(server, 'config/schedules.yaml'), 'utf8')).toContain('# new in this version');

    // The bot and the CLI (run in the program's folder) still read the county's values.
    const cwd = process.cwd();
    process.chdir(server);
    try {
      const settings = loadFileSettings(loadBaseConfig(env));
      expect(settings.schedules.reminders.time).toBe('08:15');
      expect(settings.archive?.fonds.code).toBe('A999');
      expect(settingsFilesLine(env, server).status).toBe('ok');
    } finally {
      process.chdir(cwd);
    }
  });
});
