import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { openDb } from '../../src/db/client.js';
import { sha256File } from '../../src/ops/backup-manifest.js';
import { ensureBuilt, repoRoot, runProcess } from '../support/bot-process.js';
import { cliInProcess, verifyInProcess } from '../support/cli-in-process.js';
import { withDatabase } from '../support/global-setup.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const hasPgTools = spawnSync('pg_dump', ['--version']).status === 0;
if (pgUrl && !hasPgTools) console.warn('pg_dump not found: skipping the PostgreSQL backup test');

/** An empty PostgreSQL database for a restore (dropped with the test run's other databases). */
async function emptyPgDatabase(): Promise<string> {
  const name = `archive_bot_t_${process.ppid}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(pgUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  return withDatabase(pgUrl!, name);
}

describe.skipIf(pgUrl && !hasPgTools)('backup and restore (npm run cli -- backup / restore)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-backup-'));
  const backup = join(tmp, 'backup');
  let f: ArchiveFixture;
  let dataDir: string;
  let sourceUrl: string | undefined;

  const settingsEnv = (env: Record<string, string>) => ({
    ARCHIVE_CONFIG: join(repoRoot, 'config/archive.yaml'),
    TZ: 'Asia/Shanghai',
    ...env,
  });
  /**
   * The compiled CLI as a real process, run from an empty folder (no developer .env), with the
   * repository's settings: verify.js on the source folder, and one backup through main.js (the bot
   * as another process).
   */
  const cli = (script: string, args: string[], env: Record<string, string>) =>
    runProcess(process.execPath, [join(repoRoot, 'dist/cli', script), ...args], settingsEnv(env), tmp);
  /**
   * `npm run cli -- backup | restore` in this process through the same runCli as main.js, on only
   * the given environment (no .env): no process start and no module load per command.
   */
  const cliHere = (args: string[], env: Record<string, string>) => cliInProcess(args, settingsEnv(env));
  const envFor = (dir: string, url?: string): Record<string, string> => ({
    DATA_DIR: dir,
    ...(url ? { DATABASE_URL: url } : {}),
  });
  /** `npm run verify` on the folder: the compiled verify.js as a process, or `here` through the same runVerify. */
  const fourProperties = async (dir: string, url: string | undefined, where: 'process' | 'here') => {
    const args = ['--out', join(tmp, `report-${randomBytes(3).toString('hex')}`)];
    const res =
      where === 'process'
        ? await cli('verify.js', args, envFor(dir, url))
        : await verifyInProcess(args, settingsEnv(envFor(dir, url)));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    return res.stdout
      .split('\n')
      .filter((l) => l.startsWith('四性检测') || l.startsWith('  '))
      .filter((l) => !l.includes('报告'));
  };
  let before: string[];

  beforeAll(async () => {
    ensureBuilt();
    // Archived, numbered items and their files, made in a throwaway database; on PGlite that database
    // is then written as a data folder on disk (the bot's layout: DATA_DIR/pglite, DATA_DIR/files).
    f = await createArchiveFixture();
    dataDir = f.dataDir;
    sourceUrl = f.tdb.url;
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(2), kind: 'document', mime: 'application/pdf' }]);
    await f.fileItem(f.task.photo, [{ bytes: await photoJpeg(), kind: 'photo', mime: 'image/jpeg' }]);
    await runArchiveCommand(['confirm', '--unit', 'V1', '--year', '2025'], {
      db: f.db,
      env: { DATA_DIR: dataDir },
      out: () => {},
    });
    if (!pgUrl) {
      const dump = await (f.db as any).$client.dumpDataDir('none');
      const onDisk = await PGlite.create(join(dataDir, 'pglite'), {
        loadDataDir: new Blob([await dump.arrayBuffer()]),
      });
      await onDisk.close();
    }
    before = await fourProperties(dataDir, sourceUrl, 'process');
    expect(before[0]).toMatch(/^四性检测：通过（2 条，2 个文件）/);
  }, 300_000);
  afterAll(async () => {
    await f.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it(
    'backs up, restores into an empty folder, and the restored data passes the 四性 check with the same counts',
    { timeout: 300_000 },
    async () => {
      const res = await cliHere(['backup', '--out', backup], envFor(dataDir, sourceUrl));
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('备份完成');
      // The manifest covers every file, sha256sum-compatible.
      const manifest = readFileSync(join(backup, 'manifest-sha256.txt'), 'utf8').trim().split('\n');
      expect(
        manifest.some((l) => l.endsWith(pgUrl ? 'database/postgres.dump' : 'database/pglite.tar.gz')),
      ).toBe(true);
      expect(manifest.filter((l) => / {2}files\/blobs\//.test(l))).toHaveLength(2);
      for (const line of manifest) {
        const [hash, file] = line.split('  ');
        expect(await sha256File(join(backup, file!))).toBe(hash);
      }
      // Backing up into a folder that has something in it is refused.
      const again = await cliHere(['backup', '--out', backup], envFor(dataDir, sourceUrl));
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('不是空的');

      const target = join(tmp, 'restored');
      const targetUrl = pgUrl ? await emptyPgDatabase() : undefined;
      const restored = await cliHere(['restore', '--from', backup], envFor(target, targetUrl));
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.stdout).toContain('恢复完成');
      expect(await fourProperties(target, targetUrl, 'here')).toEqual(before);

      // Restoring over it again is refused: nothing is overwritten.
      const over = await cliHere(['restore', '--from', backup], envFor(target, targetUrl));
      expect(over.code).toBe(1);
      expect(over.stderr).toMatch(/不是空的.*不会覆盖现有数据/);
    },
  );

  it('refuses a damaged backup (one flipped byte) and writes nothing', { timeout: 300_000 }, async () => {
    const damaged = join(tmp, 'damaged');
    cpSync(backup, damaged, { recursive: true });
    const blob = readFileSync(join(damaged, 'manifest-sha256.txt'), 'utf8').match(
      / {2}(files\/blobs\/\S+)/,
    )![1]!;
    const bytes = readFileSync(join(damaged, blob));
    bytes[100] = bytes[100]! ^ 0x01;
    writeFileSync(join(damaged, blob), bytes);
    const target = join(tmp, 'from-damaged');
    const res = await cliHere(
      ['restore', '--from', damaged],
      envFor(target, pgUrl ? await emptyPgDatabase() : undefined),
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('备份已损坏，什么也没有恢复');
    expect(res.stderr).toContain(`文件已损坏（SHA-256 不符）：${blob}`);
    expect(() => readdirSync(target)).toThrow();
  });

  it(
    'a damaged file in DATA_DIR/files (cut short, one flipped byte) fails the backup naming each, and leaves no backup',
    { timeout: 300_000 },
    async () => {
      // A copy of the data folder whose two stored originals have rotted on the disk.
      const source = join(tmp, 'rotted-source');
      cpSync(dataDir, source, { recursive: true });
      const blobs = readFileSync(join(backup, 'manifest-sha256.txt'), 'utf8')
        .split('\n')
        .map((l) => / {2}files\/(blobs\/\S+)$/.exec(l)?.[1])
        .filter((k): k is string => k !== undefined);
      expect(blobs).toHaveLength(2);
      const [cut, flipped] = blobs.map((k) => join(source, 'files', k));
      chmodSync(cut!, 0o644);
      writeFileSync(cut!, readFileSync(cut!).subarray(0, 100));
      const bytes = readFileSync(flipped!);
      bytes[50] = bytes[50]! ^ 0x01;
      chmodSync(flipped!, 0o644);
      writeFileSync(flipped!, bytes);

      const out = join(tmp, 'from-rotted');
      const res = await cliHere(['backup', '--out', out], envFor(source, sourceUrl));
      expect(res.code).toBe(1);
      expect(res.stdout).not.toContain('备份完成');
      expect(res.stderr).toContain('备份未完成：文件存储里 2 个文件已损坏或不见了');
      for (const key of blobs) expect(res.stderr).toContain(key);
      expect(res.stderr).toContain('100 字节');
      // No backup.json, no manifest: nothing that restore (or sha256sum -c) could take for a good backup.
      expect(existsSync(join(out, 'backup.json'))).toBe(false);
      expect(existsSync(join(out, 'manifest-sha256.txt'))).toBe(false);
      const restore = await cliHere(['restore', '--from', out], envFor(join(tmp, 'from-rotted-restored')));
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain('不是可用的备份');

      // A file the database records that is gone from the store fails it too.
      rmSync(cut!);
      writeFileSync(flipped!, readFileSync(join(dataDir, 'files', blobs[1]!)));
      const gone = await cliHere(['backup', '--out', join(tmp, 'from-gone')], envFor(source, sourceUrl));
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('备份未完成：文件存储里 1 个文件已损坏或不见了');
      expect(gone.stderr).toMatch(new RegExp(`${blobs[0]}（不见了`));
    },
  );

  it(
    'the backup and the restore are flushed to their disks (sync -f) before they say they are done',
    { timeout: 300_000 },
    async () => {
      // A `sync` first on PATH that notes what it was asked to flush (and whether the manifest was
      // written by then), then runs the real one: the compiled CLI as a real process finds it.
      const realSync = spawnSync('sh', ['-c', 'command -v sync'], { encoding: 'utf8' }).stdout.trim();
      const bin = join(tmp, 'bin');
      const log = join(tmp, 'sync.log');
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'sync'),
        `#!/bin/sh\nfor a; do last="$a"; done\nm=no-manifest; [ -f "$last/manifest-sha256.txt" ] && m=manifest\necho "$* $m" >> '${log}'\nexec '${realSync}' "$@"\n`,
        { mode: 0o755 },
      );
      const withSync = (env: Record<string, string>) => ({
        ...env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
      });
      const out = join(tmp, 'flushed');
      const res = await cli('main.js', ['backup', '--out', out], withSync(envFor(dataDir, sourceUrl)));
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('备份完成');
      expect(readFileSync(log, 'utf8')).toBe(`-f ${out} manifest\n`);

      const target = join(tmp, 'flushed-restored');
      const targetUrl = pgUrl ? await emptyPgDatabase() : undefined;
      const restored = await cli('main.js', ['restore', '--from', out], withSync(envFor(target, targetUrl)));
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.stdout).toContain('恢复完成');
      expect(readFileSync(log, 'utf8')).toBe(`-f ${out} manifest\n-f ${target} no-manifest\n`);
    },
  );

  it('refuses a backup from a newer schema', { timeout: 300_000 }, async () => {
    const newer = join(tmp, 'newer');
    cpSync(backup, newer, { recursive: true });
    const info = JSON.parse(readFileSync(join(newer, 'backup.json'), 'utf8'));
    info.migrations = { count: info.migrations.count + 1, lastWhen: info.migrations.lastWhen + 1000 };
    writeFileSync(join(newer, 'backup.json'), JSON.stringify(info));
    // A consistent backup of a newer program: its manifest matches.
    const manifest = readFileSync(join(newer, 'manifest-sha256.txt'), 'utf8').replace(
      /^[0-9a-f]{64}( {2}backup\.json)$/m,
      `${await sha256File(join(newer, 'backup.json'))}$1`,
    );
    writeFileSync(join(newer, 'manifest-sha256.txt'), manifest);
    const target = join(tmp, 'from-newer');
    const res = await cliHere(
      ['restore', '--from', newer],
      envFor(target, pgUrl ? await emptyPgDatabase() : undefined),
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/备份来自更新版本的程序.*请先安装新版本/);
    expect(() => readdirSync(target)).toThrow();
  });

  it.skipIf(pgUrl)(
    'refuses to back up the embedded database while the bot holds it',
    { timeout: 300_000 },
    async () => {
      const running = await openDb({ dataDir });
      try {
        // The compiled CLI as a real process, beside the bot holding the folder.
        const res = await cli('main.js', ['backup', '--out', join(tmp, 'while-running')], envFor(dataDir));
        expect(res.code).toBe(1);
        expect(res.stderr).toContain('请先停止机器人');
      } finally {
        await running.close();
      }
    },
  );
});
