import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot, runProcess } from '../support/bot-process.js';

/**
 * Every December the IT person updates the holiday table as the doctor and the alert say
 * (`npm update chinese-days`, then a restart). A server runs `node dist/…` under systemd and may have
 * dropped the build tools (`npm prune --omit=dev`), so the compiled program must read the table that is
 * in node_modules now, not one copied into dist/ when it was built.
 */
describe('the holiday table after `npm update chinese-days` (no rebuild, no build tools)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-holidays-'));
  const install = join(tmp, 'opt-archive-bot');
  const year = Number(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()),
  );

  beforeAll(() => {
    ensureBuilt();
    // An installation as on the server: the program's folder as checked out and built (times kept, so
    // dist/ is newer than src/), and node_modules holding every installed package but the build tools
    // (`npm prune --omit=dev`), chinese-days in a newer release.
    mkdirSync(join(install, 'node_modules'), { recursive: true });
    for (const entry of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'scripts',
      'src',
      'dist',
      'drizzle',
      'config',
    ])
      cpSync(join(repoRoot, entry), join(install, entry), { recursive: true, preserveTimestamps: true });
    for (const pkg of readdirSync(join(repoRoot, 'node_modules'))) {
      if (['chinese-days', 'typescript', 'esbuild', '@esbuild'].includes(pkg) || pkg.startsWith('.'))
        continue;
      symlinkSync(join(repoRoot, 'node_modules', pkg), join(install, 'node_modules', pkg));
    }
    const updated = join(install, 'node_modules/chinese-days');
    cpSync(join(repoRoot, 'node_modules/chinese-days'), updated, { recursive: true });
    // What `npm update chinese-days` changes besides the table: the package's version, and
    // package-lock.json rewritten (newer than dist/).
    const pkgPath = join(updated, 'package.json');
    writeFileSync(
      pkgPath,
      JSON.stringify({ ...JSON.parse(readFileSync(pkgPath, 'utf8')), version: '99.0.0' }),
    );
    const lockPath = join(install, 'package-lock.json');
    const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
    lock.packages['node_modules/chinese-days'].version = '99.0.0';
    writeFileSync(lockPath, JSON.stringify(lock, null, 2));
    // The "newer release": it has next year's 元旦, and (so the test does not depend on which release
    // is installed today) nothing of this year.
    const tablePath = join(updated, 'dist/chinese-days.json');
    const table = JSON.parse(readFileSync(tablePath, 'utf8')) as Record<string, Record<string, string>>;
    for (const kind of ['holidays', 'workdays', 'inLieuDays'] as const)
      for (const day of Object.keys(table[kind] ?? {}))
        if (day.startsWith(`${year}-`) || day.startsWith(`${year + 1}-`)) delete table[kind]![day];
    table.holidays![`${year + 1}-01-01`] = "New Year's Day,元旦,1";
    writeFileSync(tablePath, JSON.stringify(table));
  }, 300_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the compiled doctor reports the table installed now', { timeout: 120_000 }, async () => {
    const res = await runProcess(
      process.execPath,
      [join(install, 'dist/cli/main.js'), 'doctor'],
      { DATA_DIR: join(tmp, 'data') },
      install,
    );
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain(`✓ 节假日表 ${year + 1}：已包含（chinese-days）`);
    expect(res.stdout).toContain(`✗ 节假日表 ${year}：缺失`);
  });

  it(
    '`npm run cli` after the update runs the compiled program: a dependency update is no source change',
    { timeout: 120_000 },
    async () => {
      const stampBefore = readFileSync(join(install, 'dist/.build-stamp'), 'utf8');
      // What `npm run cli -- doctor` runs: no build tools here, so a stale dist/ would stop it.
      const res = await runProcess(
        process.execPath,
        [join(install, 'scripts/run-dist.mjs'), 'cli/main.js', 'doctor'],
        { DATA_DIR: join(tmp, 'data') },
        install,
      );
      expect(res.stderr).toBe('');
      expect(res.stdout).toContain(`✓ 节假日表 ${year + 1}：已包含（chinese-days）`);
      expect(readFileSync(join(install, 'dist/.build-stamp'), 'utf8')).toBe(stampBefore);
    },
  );

  it(
    'a package built into dist/ installed in another version: one line names it and the one command to run',
    { timeout: 120_000 },
    async () => {
      // zod is bundled into dist/: an `npm ci` after a pull that moved it leaves dist/ out of date.
      const built = JSON.parse(readFileSync(join(install, 'dist/.build-stamp'), 'utf8')).packages.zod;
      expect(built).toMatch(/^\d+\.\d+\.\d+/);
      rmSync(join(install, 'node_modules/zod'));
      mkdirSync(join(install, 'node_modules/zod'));
      writeFileSync(join(install, 'node_modules/zod/package.json'), '{"name":"zod","version":"99.0.0"}');
      const res = await runProcess(
        process.execPath,
        [join(install, 'scripts/run-dist.mjs'), 'cli/main.js', 'doctor'],
        { DATA_DIR: join(tmp, 'data') },
        install,
      );
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        `无法编译 dist/（编译时用的 zod 是 ${built}，现在装的是 99.0.0）：没有安装 TypeScript（npm prune --omit=dev 或 npm ci --omit=dev 会删掉它）。`,
      );
      expect(res.stderr).toContain(`请在 ${install} 运行：\n  npm ci && npm run build`);
      expect(res.stdout).toBe('');
    },
  );
});
