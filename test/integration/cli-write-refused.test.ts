import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { NOBODY, nodeForNobody, runCompiled, runScript } from '../support/node-for-nobody.js';

const isRoot = process.getuid?.() === 0;

/** chown -R to nobody. */
function giveToNobody(dir: string): void {
  for (const p of [dir, ...readdirSync(dir, { recursive: true }).map((e) => join(dir, String(e)))])
    chownSync(p, NOBODY.uid, NOBODY.gid);
}

/**
 * On a server the commands run as the service user (README: sudo -u archive-bot …), and the folders
 * around them are root's: `npm run verify`, `npm run export`, `npm run remind`, `npm run digest` and
 * `npm run db:migrate` died with 「出错了：EACCES: permission denied, mkdir '…'」 (or a stack trace, when
 * dist/ had to be rebuilt in root's program folder). Each now says, in one line, which folder and the
 * command that fixes it, exit 1. Needs root: the compiled entries run as `nobody`, for whom root's
 * 0755 folders are not writable.
 */
describe.skipIf(!isRoot)('a folder the command’s user may not write', () => {
  let tmp: string;
  let varLib: string;
  let rootOwned: string;
  let nobodyOwned: string;
  let dataDir: string;
  let group: string;
  let nobody: ReturnType<typeof nodeForNobody>;
  beforeAll(async () => {
    ensureBuilt();
    nobody = nodeForNobody();
    tmp = mkdtempSync(join(tmpdir(), 'archive-bot-write-refused-'));
    chmodSync(tmp, 0o755);
    varLib = join(tmp, 'var-lib');
    rootOwned = join(tmp, 'srv');
    nobodyOwned = join(tmp, 'home');
    for (const dir of [varLib, rootOwned, nobodyOwned]) mkdirSync(dir, { mode: 0o755 });
    chownSync(nobodyOwned, NOBODY.uid, NOBODY.gid);
    dataDir = await seededDataDir('data', { parent: tmp });
    giveToNobody(dataDir);
    group = spawnSync('id', ['-gn'], { ...NOBODY, encoding: 'utf8' }).stdout.trim();
  }, 300_000);
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    nobody.cleanup();
  });

  /** A compiled entry as nobody, with only these variables (and HOME). */
  const run = (entry: string, args: string[], env: Record<string, string>) =>
    runCompiled(nobody.node, entry, args, { HOME: nobodyOwned, TZ: 'Asia/Shanghai', ...env }, true, repoRoot);

  const dataDirLine = (dir: string) =>
    `数据目录 ${dir} 不能由 nobody 写入（EACCES）：服务还没启动过时它可能还不存在，或是 root 建的。` +
    `请先以 root 运行 install -d -o nobody -g ${group} -m 750 ${dir}，再运行这条命令`;

  const folderLine = (label: string, dir: string, refused: string) =>
    `${label} ${dir} 写不进去：运行命令的用户 nobody 没有权限写入 ${refused}（EACCES）。` +
    `请先以 root 运行 install -d -o nobody -g ${group} -m 750 ${dir}，再运行这条命令；或用 --out 换一个 nobody 能写的目录`;

  it.each([
    { script: 'db:migrate', entry: 'cli/migrate.js', args: () => [], prefix: '迁移失败：' },
    { script: 'remind', entry: 'cli/remind.js', args: () => [], prefix: '' },
    { script: 'remind --dry-run', entry: 'cli/remind.js', args: () => ['--dry-run'], prefix: '' },
    { script: 'digest', entry: 'cli/digest.js', args: () => [], prefix: '' },
    { script: 'digest --dry-run', entry: 'cli/digest.js', args: () => ['--dry-run'], prefix: '' },
    {
      script: 'export',
      entry: 'cli/export.js',
      args: () => ['--unit', 'V1', '--year', '2025', '--out', join(nobodyOwned, 'pkg')],
      prefix: '',
    },
  ])(
    'npm run $script before the data folder is made: names it and the install -d; exit 1, nothing made',
    { timeout: 90_000 },
    async ({ entry, args, prefix }) => {
      const dir = join(varLib, 'archive-bot');
      const { code, stderr } = await run(entry, args(), { DATA_DIR: dir });
      expect(stderr.trim()).toBe(`${prefix}${dataDirLine(dir)}`);
      expect(code).toBe(1);
      expect(readdirSync(varLib)).toEqual([]);
    },
  );

  it(
    'npm run cli -- restore into a data folder not made: names it and the install -d; exit 1',
    { timeout: 120_000 },
    async () => {
      const backup = join(nobodyOwned, 'backup');
      const made = await run('cli/main.js', ['backup', '--out', backup], { DATA_DIR: dataDir });
      expect(made.code, made.stderr).toBe(0);
      const dir = join(varLib, 'archive-bot');
      const { code, stderr } = await run('cli/main.js', ['restore', '--from', backup], { DATA_DIR: dir });
      expect(stderr.trim()).toBe(dataDirLine(dir));
      expect(code).toBe(1);
      expect(readdirSync(varLib)).toEqual([]);
    },
  );

  it(
    'npm run verify --out in root’s folder: names the folder, the install -d and --out; nothing made',
    { timeout: 90_000 },
    async () => {
      const out = join(rootOwned, 'reports');
      const { code, stderr } = await run('cli/verify.js', ['--out', out], { DATA_DIR: dataDir });
      expect(stderr.trim()).toBe(folderLine('报告目录', out, rootOwned));
      expect(code).toBe(1);
      expect(readdirSync(rootOwned)).toEqual([]);
    },
  );

  it(
    'npm run verify into a reports folder root made: names it; after the install -d it says, it runs',
    { timeout: 90_000 },
    async () => {
      const reports = join(dataDir, 'reports');
      mkdirSync(reports, { mode: 0o755 });
      const refused = await run('cli/verify.js', [], { DATA_DIR: dataDir });
      expect(refused.stderr.trim()).toBe(folderLine('报告目录', reports, reports));
      expect(refused.code).toBe(1);
      expect(readdirSync(reports)).toEqual([]);
      const install = spawnSync('install', ['-d', '-o', 'nobody', '-g', group, '-m', '750', reports]);
      expect(install.status).toBe(0);
      const again = await run('cli/verify.js', [], { DATA_DIR: dataDir });
      expect(again.stderr).not.toContain('EACCES');
      expect(again.code).toBe(0);
      expect(readdirSync(reports)).toHaveLength(1);
    },
  );

  it(
    'npm run export --out in root’s folder: refused before the database opens; nothing made',
    { timeout: 90_000 },
    async () => {
      const out = join(rootOwned, 'pkg');
      const { code, stderr } = await run('cli/export.js', ['--unit', 'V1', '--year', '2025', '--out', out], {
        DATA_DIR: join(varLib, 'archive-bot'),
      });
      expect(stderr.trim()).toBe(folderLine('输出目录', out, rootOwned));
      expect(code).toBe(1);
      expect(readdirSync(rootOwned)).toEqual([]);
      expect(readdirSync(varLib)).toEqual([]);
    },
  );

  /**
   * After a `git pull` in root's /opt/archive-bot, dist/ is out of date, and every npm script rebuilds
   * it first (scripts/run-dist.mjs): as the service user that died with a stack trace of
   * `mkdirSync('.dist-building')`. An installation whose dist/ was never built, in a folder of root's.
   */
  it(
    'every npm script on a stale dist/ in root’s program folder: one line, exit 1',
    { timeout: 120_000 },
    async () => {
      const install = join(tmp, 'opt-archive-bot');
      mkdirSync(install, { mode: 0o755 });
      for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts'])
        cpSync(join(repoRoot, entry), join(install, entry), { recursive: true });
      symlinkSync(realpathSync(join(repoRoot, 'node_modules')), join(install, 'node_modules'));
      const scripts = Object.entries(
        (
          JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
            scripts: Record<string, string>;
          }
        ).scripts,
      ).flatMap(([name, line]) => {
        const entry = /node scripts\/run-dist\.mjs (\S+)/.exec(line)?.[1];
        return entry ? [{ name, entry }] : [];
      });
      expect(scripts.map((s) => s.name).sort()).toEqual(
        ['cli', 'db:migrate', 'digest', 'export', 'remind', 'start', 'verify'].sort(),
      );
      for (const { name, entry } of scripts) {
        const { code, stderr } = await runScript(
          nobody.node,
          join(install, 'scripts', 'run-dist.mjs'),
          [entry],
          { HOME: nobodyOwned, DATA_DIR: dataDir },
          true,
          install,
        );
        expect(stderr.trim(), name).toBe(
          `dist/ 要重新编译（dist/ 还没有编译过），但运行命令的用户 nobody 不能写程序目录 ${install}（EACCES）：` +
            `请先以程序目录的属主（通常是 root）在 ${install} 运行 npm run build，再运行这条命令`,
        );
        expect(code, name).toBe(1);
        expect(existsSync(join(install, 'dist')), name).toBe(false);
      }
    },
  );
});
