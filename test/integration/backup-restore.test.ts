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
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { openDb } from '../../src/db/client.js';
import { sha256File } from '../../src/ops/backup-manifest.js';
import { sessionSecret } from '../../src/http/session-secret.js';
import { signValue, verifyValue } from '../../src/http/signed-value.js';
import { parseIdentity, processStartOf } from '../../src/process-identity.js';
import { ensureBuilt, repoRoot, runProcess, startProcess } from '../support/bot-process.js';
import { cliInProcess, verifyInProcess } from '../support/cli-in-process.js';
import { waitFor } from '../support/wait-for.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';
import { emptyPgDatabase } from '../support/test-db.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const hasPgTools = spawnSync('pg_dump', ['--version']).status === 0;
if (pgUrl && !hasPgTools) console.warn('pg_dump not found: skipping the PostgreSQL backup test');

describe.skipIf(pgUrl && !hasPgTools)('backup and restore (npm run cli -- backup / restore)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-backup-'));
  const backup = join(tmp, 'backup');
  let f: ArchiveFixture;
  let dataDir: string;
  let sourceUrl: string | undefined;

  const settingsEnv = (env: Record<string, string>) => ({
    ARCHIVE_CONFIG: TEST_ARCHIVE_YAML,
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
  /**
   * `restore --from backup` into `target` as a real process, killed (SIGKILL) when it flushes the folder
   * with `sync -f` once the database is loaded and the files are copied: a power cut at that moment.
   */
  const restoreKilledAtFlush = async (target: string, targetUrl: string | undefined) => {
    const fakeBin = mkdtempSync(join(tmp, 'fake-bin-'));
    writeFileSync(join(fakeBin, 'sync'), '#!/bin/sh\nkill -KILL $PPID\n', { mode: 0o755 });
    return cli('main.js', ['restore', '--from', backup], {
      ...envFor(target, targetUrl),
      PATH: `${fakeBin}:${process.env.PATH ?? ''}`,
    });
  };
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
      env: { DATA_DIR: dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML },
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
      // What the 四性 check counts is recorded and said: README's 「the same counts as before」 has
      // something to compare with (the backup said only 「文件：N 个」, the check counts 条 and 文件).
      const counted = JSON.parse(readFileSync(join(backup, 'backup.json'), 'utf8')).archive;
      expect(counted).toEqual({ records: 2, files: 2 });
      expect(before[0]).toContain('（2 条，2 个文件）');
      expect(res.stdout).toContain(
        '\n  档案：2 条，2 个文件（四性检测 npm run verify 数的条数和文件数，恢复后用来对照）\n',
      );
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
      const targetUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
      const restored = await cliHere(['restore', '--from', backup], envFor(target, targetUrl));
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.stdout).toContain('恢复完成');
      expect(restored.stdout).toContain(
        '\n  档案：备份时 2 条，2 个文件（四性检测 npm run verify 数的条数和文件数：恢复后应数出同样的数）\n',
      );
      // What to run next, as the service runs it on a server (verify elsewhere reads no database).
      expect(restored.stdout).toContain(
        '下一步：做四性检测（服务器上：sudo -u archive-bot node --env-file=/etc/archive-bot/archive-bot.env dist/cli/verify.js；电脑上：npm run verify），然后启动机器人',
      );
      // When the backup was made, in the configured time zone (Asia/Shanghai), not UTC's ISO text.
      const made = new Date(JSON.parse(readFileSync(join(backup, 'backup.json'), 'utf8')).createdAt);
      const beijing = new Date(made.getTime() + 8 * 3600_000).toISOString();
      expect(restored.stdout).toContain(`（备份时间 ${beijing.slice(0, 10)} ${beijing.slice(11, 19)}，版本 `);
      expect(await fourProperties(target, targetUrl, 'here')).toEqual(before);
      // Blobs stay read-only, in the backup and restored (as the store places them).
      for (const line of manifest.filter((l) => / {2}files\/blobs\//.test(l))) {
        const rel = line.split('  ')[1]!;
        expect(statSync(join(backup, rel)).mode & 0o777, rel).toBe(0o444);
        expect(statSync(join(target, rel)).mode & 0o777, rel).toBe(0o444);
      }

      // Restoring over it again is refused: nothing is overwritten.
      const over = await cliHere(['restore', '--from', backup], envFor(target, targetUrl));
      expect(over.code).toBe(1);
      expect(over.stderr).toMatch(/不是空的.*不会覆盖现有数据/);
      // And says how to go on: set it aside, keeping it, and restore again.
      if (over.stderr.includes(`数据目录 ${target} 不是空的`))
        expect(over.stderr).toContain(
          `先把它移开保留（mv ${target} ${target}.before-restore；服务的数据目录再用 install -d -o archive-bot -g archive-bot -m 750 ${target} 建回空目录），再运行一次 restore`,
        );
      else {
        const name = new URL(targetUrl!).pathname.slice(1);
        expect(over.stderr).toContain(
          `先把它改名保留，再建一个同名的空数据库：sudo -u postgres psql -c 'ALTER DATABASE ${name} RENAME TO ${name}_before_restore'`,
        );
      }
    },
  );

  /**
   * A backup held the database and the files only: on a new machine the reminders fell back to the
   * shipped schedules, 确认归档 was refused (the sample 全宗号), the holiday table was gone and everyone
   * was signed out (a new session key).
   */
  it(
    "keeps the county's settings files and the session key; restore puts them where the new machine's settings say, never over a different file, and a signed-in session stays valid",
    { timeout: 300_000 },
    async () => {
      const oldEtc = join(tmp, 'old-etc');
      mkdirSync(oldEtc);
      const schedules = `${readFileSync(join(repoRoot, 'config/schedules.yaml'), 'utf8')}\n# 县里改过的提醒时间\n`;
      writeFileSync(join(oldEtc, 'schedules.yaml'), schedules);
      writeFileSync(join(oldEtc, 'archive.yaml'), readFileSync(TEST_ARCHIVE_YAML));
      writeFileSync(
        join(oldEtc, 'holidays.yaml'),
        readFileSync(join(repoRoot, 'config/holidays.example.yaml')),
      );
      const source = join(tmp, 'with-settings');
      cpSync(dataDir, source, { recursive: true });
      const secret = sessionSecret(undefined, source);
      const cookie = signValue(
        secret,
        'ab_session',
        { o: 1, n: 'x', s: 'x' },
        new Date(Date.now() + 3600_000),
      );
      const out = join(tmp, 'backup-with-settings');
      const made = await cliInProcess(['backup', '--out', out], {
        ...envFor(source, sourceUrl),
        TZ: 'Asia/Shanghai',
        SCHEDULES_FILE: join(oldEtc, 'schedules.yaml'),
        ARCHIVE_CONFIG: join(oldEtc, 'archive.yaml'),
        HOLIDAYS_FILE: join(oldEtc, 'holidays.yaml'),
      });
      expect(made.stderr).toBe('');
      expect(made.code).toBe(0);
      expect(made.stdout).toContain(
        '  设置：schedules.yaml、archive.yaml、holidays.yaml、session-secret（settings/）',
      );
      const notSaved =
        '机器人的设置文件 /etc/archive-bot/archive-bot.env（PC 上：程序目录的 .env）（飞书应用密钥、DATABASE_URL 的密码等）不在备份里：请另外保存一份';
      expect(made.stdout).toContain(`  注意：${notSaved}`);
      const info = JSON.parse(readFileSync(join(out, 'backup.json'), 'utf8'));
      expect(info.notInBackup).toContain(notSaved);
      expect(info.settings.map((s: { path: string }) => s.path)).toEqual([
        'settings/schedules.yaml',
        'settings/archive.yaml',
        'settings/holidays.yaml',
        'settings/session-secret',
      ]);
      const manifest = readFileSync(join(out, 'manifest-sha256.txt'), 'utf8');
      for (const s of info.settings) expect(manifest).toContain(`  ${s.path}\n`);
      expect(statSync(join(out, 'settings/session-secret')).mode & 0o777).toBe(0o600);

      // A backup whose settings file was changed is refused like any other damaged backup.
      const altered = join(tmp, 'backup-settings-altered');
      cpSync(out, altered, { recursive: true });
      writeFileSync(join(altered, 'settings/archive.yaml'), 'fonds: X999\n');
      const refused = await cliInProcess(['restore', '--from', altered], {
        ...envFor(join(tmp, 'restored-altered'), pgUrl ? await emptyPgDatabase(pgUrl) : undefined),
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('文件已损坏（SHA-256 不符）：settings/archive.yaml');

      // The new machine: its settings name another folder, where the shipped archive.yaml already is.
      const newEtc = join(tmp, 'new-etc');
      mkdirSync(newEtc);
      const shipped = readFileSync(join(repoRoot, 'config/archive.yaml'));
      writeFileSync(join(newEtc, 'archive.yaml'), shipped);
      const target = join(tmp, 'restored-with-settings');
      const restored = await cliInProcess(['restore', '--from', out], {
        ...envFor(target, pgUrl ? await emptyPgDatabase(pgUrl) : undefined),
        TZ: 'Asia/Shanghai',
        SCHEDULES_FILE: join(newEtc, 'schedules.yaml'),
        ARCHIVE_CONFIG: join(newEtc, 'archive.yaml'),
        HOLIDAYS_FILE: join(newEtc, 'county', 'holidays.yaml'),
      });
      // The county's archive.yaml was not put back: the restore is not simply done (it said 「恢复完成」, exit 0,
      // the notice only on standard error above it). Exit 4, and the summary, last, repeats what is left.
      expect(restored.code).toBe(4);
      expect(readFileSync(join(newEtc, 'schedules.yaml'), 'utf8')).toBe(schedules);
      expect(readFileSync(join(newEtc, 'county', 'holidays.yaml'))).toEqual(
        readFileSync(join(oldEtc, 'holidays.yaml')),
      );
      expect(restored.stdout).toContain(
        `  提醒时间表（SCHEDULES_FILE）：已放回 ${join(newEtc, 'schedules.yaml')}\n`,
      );
      expect(readFileSync(join(newEtc, 'archive.yaml'))).toEqual(shipped);
      const group = spawnSync('id', ['-gn']).stdout.toString().trim();
      expect(restored.stderr).toBe(
        `注意：档案设置（ARCHIVE_CONFIG，含全宗号） ${join(newEtc, 'archive.yaml')} 已存在，和备份的不同，没有覆盖。` +
          `要用备份的（原来机器的 ${join(oldEtc, 'archive.yaml')}）：install -D -m 640 -g ${group} ${join(out, 'settings/archive.yaml')} ${join(newEtc, 'archive.yaml')}（以 root 运行）\n`,
      );
      expect(restored.stdout).toMatch(new RegExp(`^恢复完成（设置没有全部放回）：${target}（`));
      expect(restored.stdout).toContain(
        '  还没有放回的设置（1 项，启动机器人前先照做）：\n' +
          `    - ${restored.stderr.slice('注意：'.length)}`,
      );
      expect(restored.stdout.trim().split('\n').at(-1)).toMatch(
        /然后启动机器人（退出码 4：有设置没有放回）$/,
      );
      // The session key is back: the cookie signed before the backup is still a session.
      expect(statSync(join(target, 'session-secret')).mode & 0o777).toBe(0o600);
      expect(verifyValue(sessionSecret(undefined, target), 'ab_session', cookie, new Date())).toMatchObject({
        o: 1,
      });
    },
  );

  /**
   * A freshly formatted disk mounted at DATA_DIR holds only an empty lost+found: the restore refused it as
   * not empty and suggested an `mv`, which fails on a mount point (EBUSY).
   */
  it(
    'restores into a data folder holding only an empty lost+found (a new disk mounted there)',
    { timeout: 300_000 },
    async () => {
      const fresh = join(tmp, 'fresh-disk');
      mkdirSync(join(fresh, 'lost+found'), { recursive: true, mode: 0o700 });
      const restored = await cliHere(
        ['restore', '--from', backup],
        envFor(fresh, pgUrl ? await emptyPgDatabase(pgUrl) : undefined),
      );
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.stdout).toContain('恢复完成');
      expect(readdirSync(join(fresh, 'lost+found'))).toEqual([]);

      // One that fsck filled is another matter: refused, nothing written.
      const used = join(tmp, 'used-disk');
      mkdirSync(join(used, 'lost+found'), { recursive: true });
      writeFileSync(join(used, 'lost+found', '#12345'), 'recovered');
      const refused = await cliHere(
        ['restore', '--from', backup],
        envFor(used, pgUrl ? await emptyPgDatabase(pgUrl) : undefined),
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`数据目录 ${used} 不是空的（有 lost+found）`);
      expect(readdirSync(used)).toEqual(['lost+found']);
    },
  );

  it(
    'onto a disk that fills up: says the backup disk is full, the df -h to run, and leaves nothing (a real ENOSPC)',
    { timeout: 300_000 },
    async (ctx) => {
      // A disk that fills up is a small tmpfs: mounting one needs root (CI and this machine run as root).
      const small = join(tmp, 'small-disk');
      mkdirSync(small);
      if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', small]).status !== 0) {
        console.warn('backup onto a full disk: skipped (mounting a small tmpfs needs root)');
        ctx.skip();
      }
      try {
        const out = join(small, 'backup');
        const res = await cliHere(['backup', '--out', out], envFor(dataDir, sourceUrl));
        expect(res.code).toBe(1);
        expect(res.stderr).toContain(
          `备份没有完成：备份目录 ${out} 所在的磁盘已满（ENOSPC）（用 df -h ${small} 查看）。没写完的备份已删除，什么也没有留下`,
        );
        expect(res.stderr).not.toMatch(/^出错了：ENOSPC/m);
        expect(readdirSync(small)).toEqual([]);
      } finally {
        spawnSync('umount', [small]);
      }
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
    chmodSync(join(damaged, blob), 0o644);
    writeFileSync(join(damaged, blob), bytes);
    const target = join(tmp, 'from-damaged');
    const res = await cliHere(
      ['restore', '--from', damaged],
      envFor(target, pgUrl ? await emptyPgDatabase(pgUrl) : undefined),
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('备份已损坏，什么也没有恢复');
    expect(res.stderr).toContain(`文件已损坏（SHA-256 不符）：${blob}`);
    expect(() => readdirSync(target)).toThrow();
  });

  it(
    'damaged files in DATA_DIR/files (cut short, one flipped byte, gone) are left out and listed: the backup completes with exit 3, and its restore restores the rest with the same warning',
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
      expect(res.code).toBe(3);
      expect(res.stdout).toContain(`备份完成（缺少 2 个已损坏或不见了的文件）：${out}`);
      expect(res.stderr).toContain('警告：2 个文件已损坏或不见了，没有进入这个备份');
      expect(res.stderr).toContain('npm run verify');
      for (const key of blobs) expect(res.stderr).toContain(key);
      expect(res.stderr).toContain('100 字节');
      // The list is in the backup, covered by its manifest; the damaged copies are not.
      const list = readFileSync(join(out, 'DAMAGED.txt'), 'utf8');
      for (const key of blobs)
        expect(list).toMatch(new RegExp(`^${key}\t已损坏：\\d+ 字节.*\t材料 \\d+`, 'm'));
      const info = JSON.parse(readFileSync(join(out, 'backup.json'), 'utf8'));
      expect(info.damaged.map((d: { key: string }) => d.key)).toEqual([...blobs].sort());
      expect(info.damaged[0].materials).toHaveLength(1);
      const manifest = readFileSync(join(out, 'manifest-sha256.txt'), 'utf8');
      expect(manifest).toContain('  DAMAGED.txt\n');
      expect(manifest).not.toContain('  files/blobs/');
      const restore = await cliHere(
        ['restore', '--from', out],
        envFor(join(tmp, 'from-rotted-restored'), pgUrl ? await emptyPgDatabase(pgUrl) : undefined),
      );
      expect(restore.code).toBe(3);
      expect(restore.stdout).toContain('恢复完成');
      expect(restore.stdout).not.toContain('全部核对无误');
      expect(restore.stderr).toContain('警告：这个备份缺少 2 个文件');
      for (const key of blobs) expect(restore.stderr).toContain(key);

      // A file the database records that is gone from the store: the other one is backed up and restored.
      rmSync(cut!);
      writeFileSync(flipped!, readFileSync(join(dataDir, 'files', blobs[1]!)));
      const goneOut = join(tmp, 'from-gone');
      const gone = await cliHere(['backup', '--out', goneOut], envFor(source, sourceUrl));
      expect(gone.code).toBe(3);
      expect(gone.stderr).toContain('警告：1 个文件已损坏或不见了');
      expect(gone.stderr).toMatch(new RegExp(`${blobs[0]}（不见了，数据库记录 \\d+ 字节，材料 \\d+）`));
      const goneTarget = join(tmp, 'from-gone-restored');
      const goneRestore = await cliHere(
        ['restore', '--from', goneOut],
        envFor(goneTarget, pgUrl ? await emptyPgDatabase(pgUrl) : undefined),
      );
      expect(goneRestore.code).toBe(3);
      expect(goneRestore.stderr).toContain(`警告：这个备份缺少 1 个文件`);
      expect(goneRestore.stderr).toContain(blobs[0]);
      expect(existsSync(join(goneTarget, 'files', blobs[0]!))).toBe(false);
      expect(statSync(join(goneTarget, 'files', blobs[1]!)).mode & 0o777).toBe(0o444);
      expect(readdirSync(goneTarget)).not.toContain('RESTORE-INCOMPLETE');

      // A file that cannot be read (here a symlink to a disk that is gone: ENOENT, for root too) is
      // named like a damaged one, with the read error: the backup completes with exit 3.
      symlinkSync(join(tmp, 'unmounted-disk', 'blob'), cut!);
      const unreadableOut = join(tmp, 'from-unreadable');
      const unreadable = await cliHere(['backup', '--out', unreadableOut], envFor(source, sourceUrl));
      expect(unreadable.code).toBe(3);
      expect(unreadable.stderr).toContain('警告：1 个文件已损坏或不见了');
      expect(unreadable.stderr).toContain(blobs[0]);
      expect(readFileSync(join(unreadableOut, 'DAMAGED.txt'), 'utf8')).toMatch(
        new RegExp(`^${blobs[0]}\t读取失败：.*ENOENT.*\t材料 \\d+`, 'm'),
      );
      expect(existsSync(join(unreadableOut, 'backup.json'))).toBe(true);
    },
  );

  it(
    'DATA_DIR/files missing while the database records files: one line saying so, exit 1, and no folder left behind',
    { timeout: 300_000 },
    async () => {
      const source = join(tmp, 'no-files-source');
      cpSync(dataDir, source, { recursive: true });
      rmSync(join(source, 'files'), { recursive: true, force: true });
      const out = join(tmp, 'from-no-files');
      const res = await cliHere(['backup', '--out', out], envFor(source, sourceUrl));
      expect(res.code).toBe(1);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`文件目录 ${join(source, 'files')} 不存在，而数据库记录了 2 个文件`);
      expect(res.stderr).not.toContain('不见了');
      // Removed: the folder was this backup's.
      expect(existsSync(out)).toBe(false);
      // An empty folder given to it is emptied again, and stays.
      const empty = join(tmp, 'empty-out');
      mkdirSync(empty);
      expect((await cliHere(['backup', '--out', empty], envFor(source, sourceUrl))).code).toBe(1);
      expect(readdirSync(empty)).toEqual([]);
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
      const targetUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
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
      envFor(target, pgUrl ? await emptyPgDatabase(pgUrl) : undefined),
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/备份来自更新版本的程序.*请先安装新版本/);
    expect(() => readdirSync(target)).toThrow();
  });

  it(
    'a restore killed after the database step leaves RESTORE-INCOMPLETE: the bot refuses to start, doctor reports it, and restoring again starts over and completes',
    { timeout: 300_000 },
    async () => {
      const target = join(tmp, 'interrupted');
      const targetUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
      const killed = await restoreKilledAtFlush(target, targetUrl);
      expect(killed.code).toBeNull();
      expect(killed.stdout).not.toContain('恢复完成');
      const marker = JSON.parse(readFileSync(join(target, 'RESTORE-INCOMPLETE'), 'utf8'));
      expect(marker.from).toBe(backup);
      expect(marker.created.entries).toEqual(
        pgUrl ? ['files'] : ['pglite', 'pglite.lock', 'pglite.owner', 'files'],
      );
      if (pgUrl) expect(marker.created.database).toMatchObject({ loaded: true });
      expect(readdirSync(target).sort()).toEqual(
        pgUrl ? ['RESTORE-INCOMPLETE', 'files'] : ['RESTORE-INCOMPLETE', 'files', 'pglite'],
      );

      // The bot refuses to start on it: one line, exit 2, before it opens anything.
      const bot = await runProcess(
        process.execPath,
        [join(repoRoot, 'dist/main.js')],
        settingsEnv({
          LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
          LARK_APP_SECRET: 'secret',
          LARK_DOMAIN: 'http://127.0.0.1:9',
          PORT: '0',
          LOG_LEVEL: 'silent',
          ...envFor(target, targetUrl),
        }),
        tmp,
      );
      expect(bot.code).toBe(2);
      const lines = bot.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(
        `数据目录 ${target} 里有一次没有完成的恢复（RESTORE-INCOMPLETE：从 ${backup} 恢复`,
      );
      expect(lines[0]).toContain(`请重新运行 npm run cli -- restore --from ${backup}`);
      expect(lines[0]).toMatch(
        /：机器人不在不完整的数据上启动，请重新运行 npm run cli -- restore --from .*。$/,
      );

      // The doctor reports it.
      const doctor = await cliHere(['doctor'], envFor(target, targetUrl));
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain(`✗ 恢复：数据目录 ${target} 里有一次没有完成的恢复`);

      // Restoring again clears what the killed restore wrote (on PostgreSQL the loaded database) and
      // completes; the marker is gone and the data is the source's. A marker's temporary file, as a
      // restore killed while it rewrites the marker leaves, is written over, not refused.
      writeFileSync(join(target, 'RESTORE-INCOMPLETE.tmp'), '{"from":');
      const again = await cliHere(['restore', '--from', backup], envFor(target, targetUrl));
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('恢复完成');
      expect(readdirSync(target)).not.toContain('RESTORE-INCOMPLETE');
      expect(await fourProperties(target, targetUrl, 'here')).toEqual(before);
      const doctorAfter = await cliHere(['doctor'], envFor(target, targetUrl));
      expect(doctorAfter.stdout).not.toContain('恢复：');
    },
  );

  it.skipIf(!pgUrl)(
    "a restore killed between pg_restore's commit and the marker saying so (loaded: false) is cleared by the next restore",
    { timeout: 300_000 },
    async () => {
      const target = join(tmp, 'interrupted-unmarked');
      const targetUrl = await emptyPgDatabase(pgUrl!);
      const killed = await restoreKilledAtFlush(target, targetUrl);
      expect(killed.code).toBeNull();
      // The state of a restore killed right after pg_restore committed, before the marker said so.
      const markerPath = join(target, 'RESTORE-INCOMPLETE');
      const marker = JSON.parse(readFileSync(markerPath, 'utf8'));
      // The dump's top-level objects, each of its real kind and schema (no `TABLE DATA`, `SEQUENCE SET`
      // or `SEQUENCE OWNED BY` line taken for a table or sequence in a schema named after a word of it).
      const objects = marker.created.database.objects as { kind: string; schema: string; name: string }[];
      expect(objects.some((o) => o.kind === 'TABLE' && o.name === 'blobs')).toBe(true);
      for (const o of objects) {
        if (o.kind === 'SCHEMA') expect(o.schema).toBe('-');
        else expect(['public', 'drizzle']).toContain(o.schema);
        if (o.kind === 'TABLE' || o.kind === 'SEQUENCE') expect(o.name).not.toMatch(/ /);
      }
      marker.created.database.loaded = false;
      writeFileSync(markerPath, JSON.stringify(marker));

      // Meanwhile someone else's table appeared there: the retry refuses and drops nothing.
      const sqlTarget = postgres(targetUrl, { max: 1, onnotice: () => {} });
      try {
        await sqlTarget`create table someone_elses (id int)`;
        await sqlTarget`insert into someone_elses values (7)`;
        const tablesBefore =
          await sqlTarget`select count(*)::int as n from information_schema.tables where table_schema = 'public'`;
        const refused = await cliHere(['restore', '--from', backup], envFor(target, targetUrl));
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain('public.someone_elses');
        expect(refused.stderr).toContain('恢复不会删除它们');
        expect(await sqlTarget`select id from someone_elses`).toEqual([{ id: 7 }]);
        expect(
          await sqlTarget`select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
        ).toEqual(tablesBefore);
        expect(existsSync(markerPath)).toBe(true);
        await sqlTarget`drop table someone_elses`;
      } finally {
        await sqlTarget.end();
      }

      const again = await cliHere(['restore', '--from', backup], envFor(target, targetUrl));
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('恢复完成');
      expect(await fourProperties(target, targetUrl, 'here')).toEqual(before);
    },
  );

  it.skipIf(!pgUrl)(
    'a restore killed while pg_restore runs leaves pg_restore holding its transaction: the next restore ends it and its connection, says so, and completes',
    { timeout: 300_000 },
    async () => {
      const target = join(tmp, 'killed-during-load');
      const targetUrl = await emptyPgDatabase(pgUrl!);
      const sqlTarget = postgres(targetUrl, { max: 2, onnotice: () => {} });
      // Another session's schema of the dump's name, not committed: pg_restore waits for it inside
      // its one transaction, as it would behind any lock.
      const blocker = await sqlTarget.reserve();
      const restoresWaiting = () =>
        sqlTarget<{ pid: number; app: string }[]>`
          select pid, application_name as app from pg_stat_activity
          where datname = current_database() and application_name like 'archive-bot-restore:%'
            and wait_event_type = 'Lock'`;
      try {
        await blocker`begin`;
        await blocker`create schema drizzle`;
        // The compiled CLI as a real process, killed (SIGKILL: no handler runs) while pg_restore waits.
        const first = startProcess(
          process.execPath,
          [join(repoRoot, 'dist/cli/main.js'), 'restore', '--from', backup],
          settingsEnv(envFor(target, targetUrl)),
          tmp,
        );
        // pg_restore waits on the lock, and the marker names it (its process and connection).
        const markerPath = join(target, 'RESTORE-INCOMPLETE');
        const { waiting, marker } = await waitFor(
          'the first pg_restore waiting on the lock, named in the marker',
          async () => ({
            waiting: await restoresWaiting(),
            marker: existsSync(markerPath) ? JSON.parse(readFileSync(markerPath, 'utf8')) : undefined,
          }),
          (s) => s.waiting.length === 1 && s.marker?.created.database.pgRestore.process !== undefined,
          { timeoutMs: 60_000 },
        ).then((s) => ({ waiting: s.waiting[0]!, marker: s.marker }));
        expect(marker.created.database.pgRestore.applicationName).toBe(waiting.app);
        const child = parseIdentity(marker.created.database.pgRestore.process)!;
        first.kill('SIGKILL');
        expect(await first.exit).toBeNull();
        // Its pg_restore is still there, in the database too.
        expect(processStartOf(child.pid)).toBe(child.start);
        expect((await restoresWaiting()).map((r) => r.pid)).toEqual([waiting.pid]);

        const retry = cliHere(['restore', '--from', backup], envFor(target, targetUrl));
        // The retry ended the old pg_restore and its connection; its own pg_restore now waits.
        await waitFor(
          "the retry's own pg_restore, alone",
          async () => ({ old: processStartOf(child.pid) === child.start, waiting: await restoresWaiting() }),
          (s) => !s.old && s.waiting.length === 1 && s.waiting[0]!.app !== waiting.app,
          { timeoutMs: 60_000 },
        );
        await blocker`rollback`;
        const again = await retry;
        expect(again.stderr).toBe('');
        expect(again.code).toBe(0);
        expect(again.stdout).toContain(
          `上次没有完成的恢复留下的 pg_restore（进程 ${child.pid}）还在运行：已结束它`,
        );
        expect(again.stdout).toContain('上次没有完成的恢复的 pg_restore 在数据库里还有 1 个连接：已断开');
        expect(again.stdout).toContain('恢复完成');
        expect(existsSync(join(target, 'RESTORE-INCOMPLETE'))).toBe(false);
      } finally {
        blocker.release();
        await sqlTarget.end();
      }
      expect(await fourProperties(target, targetUrl, 'here')).toEqual(before);
    },
  );

  it.skipIf(!pgUrl)(
    'a backup killed while pg_dump runs does not leave pg_dump dumping by itself: it stops at its first write, and no dump is written',
    { timeout: 300_000 },
    async () => {
      const out = join(tmp, 'killed-backup');
      const source = postgres(sourceUrl!, { max: 2, onnotice: () => {} });
      const dumps = (waiting: boolean) =>
        source<{ pid: number }[]>`
          select pid from pg_stat_activity
          where datname = current_database() and application_name = 'pg_dump'
            and (not ${waiting} or wait_event_type = 'Lock')`;
      // Another session's lock on a table: pg_dump waits for it, as it would behind a long migration.
      const holder = await source.reserve();
      try {
        await holder`begin`;
        await holder`lock table blobs in access exclusive mode`;
        // The compiled CLI as a real process, killed (SIGKILL: no handler runs) while pg_dump waits.
        const killed = startProcess(
          process.execPath,
          [join(repoRoot, 'dist/cli/main.js'), 'backup', '--out', out],
          settingsEnv(envFor(dataDir, sourceUrl)),
          tmp,
        );
        await waitFor(
          'pg_dump waiting on the lock',
          () => dumps(true),
          (w) => w.length === 1,
          {
            timeoutMs: 60_000,
          },
        );
        killed.kill('SIGKILL');
        expect(await killed.exit).toBeNull();
        await holder`rollback`;
        // pg_dump goes on once the lock is gone, and ends at its first write into the pipe nobody reads.
        await waitFor(
          'pg_dump gone',
          () => dumps(false),
          (d) => d.length === 0,
          { timeoutMs: 60_000 },
        );
      } finally {
        holder.release();
        await source.end();
      }
      // The killed backup's folder is no backup (no manifest), and holds no dump a restore could take.
      const dump = join(out, 'database/postgres.dump');
      expect(existsSync(join(out, 'manifest-sha256.txt'))).toBe(false);
      expect(statSync(dump).size).toBe(0);
      expect(spawnSync('pg_restore', ['--list', dump]).status).not.toBe(0);
    },
  );

  it.skipIf(!pgUrl)(
    'a pg_dump that fails (its message shown) or cannot be started fails the backup and leaves no folder',
    { timeout: 300_000 },
    async () => {
      // A `pg_dump` first on PATH that writes part of a dump, says why it fails, and exits 1.
      const bin = mkdtempSync(join(tmp, 'failing-pg-dump-'));
      writeFileSync(
        join(bin, 'pg_dump'),
        "#!/bin/sh\nprintf 'PGDMP partial'\necho 'pg_dump: error: query failed: out of memory' >&2\nexit 1\n",
        { mode: 0o755 },
      );
      const failed = join(tmp, 'pg-dump-failed');
      const res = await cli('main.js', ['backup', '--out', failed], {
        ...envFor(dataDir, sourceUrl),
        PATH: `${bin}:${process.env.PATH ?? ''}`,
      });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('pg_dump 失败：pg_dump: error: query failed: out of memory');
      expect(existsSync(failed)).toBe(false);

      // No pg_dump on PATH at all.
      const missing = join(tmp, 'pg-dump-missing');
      const none = await cli('main.js', ['backup', '--out', missing], {
        ...envFor(dataDir, sourceUrl),
        PATH: mkdtempSync(join(tmp, 'empty-bin-')),
      });
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('找不到 pg_dump');
      expect(existsSync(missing)).toBe(false);
    },
  );

  it(
    'a restore that fails after it began writing removes what it wrote (and nothing it did not)',
    { timeout: 300_000 },
    async () => {
      const target = join(tmp, 'failing');
      if (!pgUrl) {
        // An embedded database dump PGlite cannot load (gzip of no tar), consistent with its manifest.
        const broken = join(tmp, 'broken-dump');
        cpSync(backup, broken, { recursive: true });
        writeFileSync(join(broken, 'database/pglite.tar.gz'), gzipSync(randomBytes(4096)));
        const manifest = readFileSync(join(broken, 'manifest-sha256.txt'), 'utf8').replace(
          /^[0-9a-f]{64}( {2}database\/pglite\.tar\.gz)$/m,
          `${await sha256File(join(broken, 'database/pglite.tar.gz'))}$1`,
        );
        writeFileSync(join(broken, 'manifest-sha256.txt'), manifest);
        const res = await cliHere(['restore', '--from', broken], envFor(target));
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(/^恢复失败：.*\n这次恢复写入的内容已经清除，数据目录回到了恢复前的样子/);
        expect(() => readdirSync(target)).toThrow();
        return;
      }
      // An "empty" database (no tables) that already has a function the dump creates: pg_restore
      // fails part-way, in one transaction; the function, which this restore did not create, stays.
      const targetUrl = await emptyPgDatabase(pgUrl!);
      const sqlTarget = postgres(targetUrl, { max: 1, onnotice: () => {} });
      try {
        await sqlTarget.unsafe(
          `create function search_grams(doc text) returns text[] language sql as $$ select array[doc] $$`,
        );
        const res = await cliHere(['restore', '--from', backup], envFor(target, targetUrl));
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(/^恢复失败：pg_restore 失败：.*search_grams/s);
        expect(res.stderr).toContain('这次恢复写入的内容已经清除，数据目录和数据库回到了恢复前的样子');
        expect(() => readdirSync(target)).toThrow();
        const [left] = await sqlTarget<{ tables: number; fn: string }[]>`
          select (select count(*)::int from information_schema.tables where table_schema = 'public') as tables,
                 (select search_grams('x'))::text as fn`;
        expect(left).toEqual({ tables: 0, fn: '{x}' });
      } finally {
        await sqlTarget.end();
      }
    },
  );

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
