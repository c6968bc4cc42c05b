import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { loadBaseConfig } from '../../src/config.js';
import { queryRows } from '../../src/db/client.js';
import { thumbnailKeyOf } from '../../src/ports/blob-store.js';
import { openBlobStore } from '../../src/storage/open-blob-store.js';
import type { S3BlobStore } from '../../src/storage/s3-blob-store.js';
import { runCli } from '../support/bot-process.js';
import { cliInProcess, exportInProcess, verifyInProcess } from '../support/cli-in-process.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';
import { emptyPgDatabase } from '../support/test-db.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

const pgUrl = process.env.TEST_DATABASE_URL;
const hasPgTools = spawnSync('pg_dump', ['--version']).status === 0;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A deployment whose files are in an S3-compatible store (s3rver), through the CLI (one refused
 * restore as a compiled process; verify, export, backup and restore in this process): the
 * 移交 package is written from the bucket (every hash in 数字摘要清单 verifies, the originals byte for
 * byte; a damaged object makes a 预检包 naming it), the 四性 check passes, and backup works both ways —
 * by default the database plus a list of the bucket's blobs (restore needs that bucket and checks it
 * holds them), with --include-files the files copied into the backup (restored as a local store).
 */
describe.skipIf(pgUrl && !hasPgTools)('export and backup with BLOB_STORE=s3', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-s3-export-'));
  let s3: LocalS3;
  let f: ArchiveFixture<S3BlobStore>;
  let env: Record<string, string>;
  const originals: Record<string, Buffer> = {};

  const cliEnv = (over: Record<string, string>) => ({
    ARCHIVE_CONFIG: TEST_ARCHIVE_YAML,
    TZ: 'Asia/Shanghai',
    ...env,
    ...over,
  });
  /** The compiled CLI as a real process: one `restore` through main.js. */
  const cli = (args: string[], over: Record<string, string> = {}) => runCli(args, cliEnv(over), { cwd: tmp });
  /**
   * `npm run cli -- backup | restore`, `npm run verify` and `npm run export` in this process through
   * the same runCli, runVerify and runExport as dist/cli/main.js, verify.js and export.js: no process
   * start and no module load per command (each still opens its own database, as the process does).
   */
  const cliHere = (args: string[], over: Record<string, string> = {}) => cliInProcess(args, cliEnv(over));
  const exportHere = (args: string[]) => exportInProcess(args, cliEnv({}));
  const fourProperties = async (over: Record<string, string>) => {
    const res = await verifyInProcess(
      ['--out', join(tmp, `report-${randomBytes(3).toString('hex')}`)],
      cliEnv(over),
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    return res.stdout.split('\n').filter((l) => l.startsWith('四性检测'));
  };
  const storageKeys = () =>
    queryRows<{ key: string; kind: string }>(
      f.db,
      sql`select storage_key as key, kind from materials where status = 'stored' order by id`,
    );
  let before: string[];

  beforeAll(async () => {
    s3 = await startLocalS3();
    f = await createArchiveFixture({
      openStore: async (dataDir) =>
        (
          await openBlobStore({
            dataDir,
            blobStore: loadBaseConfig({ ...s3.env('county/'), DATA_DIR: dataDir }).blobStore,
          })
        ).blobs as S3BlobStore,
    });
    env = { ...s3.env('county/'), DATA_DIR: f.dataDir, ...(pgUrl ? { DATABASE_URL: f.tdb.url! } : {}) };
    originals.pdf = minimalPdf(2);
    originals.photo = await photoJpeg();
    await f.fileItem(f.task.doc, [{ bytes: originals.pdf, kind: 'document', mime: 'application/pdf' }]);
    await f.fileItem(f.task.photo, [{ bytes: originals.photo, kind: 'photo', mime: 'image/jpeg' }]);
    await f.blobs.putDerived(thumbnailKeyOf(sha256(originals.photo)), Buffer.from('thumbnail bytes'));
    await runArchiveCommand(['confirm', '--unit', 'V1', '--year', '2025'], {
      db: f.db,
      env: { ...env, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML },
      out: () => {},
    });
    if (!pgUrl) {
      const dump = await (f.db as any).$client.dumpDataDir('none');
      const onDisk = await PGlite.create(join(f.dataDir, 'pglite'), {
        loadDataDir: new Blob([await dump.arrayBuffer()]),
      });
      await onDisk.close();
    }
    // Nothing of the files is on this machine: DATA_DIR/files does not exist.
    expect(existsSync(join(f.dataDir, 'files'))).toBe(false);
    before = await fourProperties({});
    expect(before[0]).toMatch(/^四性检测：通过（2 条，2 个文件）/);
  }, 300_000);
  afterAll(async () => {
    await f?.close();
    await s3?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it(
    'exports a 移交 package from the bucket: every hash in 数字摘要清单 verifies, originals byte for byte',
    {
      timeout: 120_000,
    },
    async () => {
      const out = join(tmp, 'package');
      const res = await exportHere(['--unit', 'V1', '--year', '2025', '--out', out]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('四性检测：通过');
      const list = readFileSync(join(out, '其他', '数字摘要清单.TXT'), 'utf8')
        .split('\r\n')
        .filter((l) => /^[0-9a-f]{64} {2}/.test(l))
        .map((l) => [l.slice(0, 64), l.slice(66)] as const);
      const packaged = list.filter(([, rel]) => rel.startsWith('电子档案/') && !rel.endsWith('.xml'));
      expect(packaged.map(([hash]) => hash).sort()).toEqual(
        [sha256(originals.pdf!), sha256(originals.photo!)].sort(),
      );
      for (const [hash, rel] of list) expect(sha256(readFileSync(join(out, rel))), rel).toBe(hash);
    },
  );

  it(
    "backs up the database and the list of the bucket's blobs; restores against the same bucket",
    {
      timeout: 300_000,
    },
    async () => {
      const backup = join(tmp, 'backup-listed');
      const res = await cliHere(['backup', '--out', backup]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/文件：2 个，留在存储桶 s3:\/\/archive\/county\//);
      expect(existsSync(join(backup, 'files'))).toBe(false);
      const keys = (await storageKeys()).map((k) => k.key).sort();
      expect(readFileSync(join(backup, 'blobs-sha256.txt'), 'utf8')).toBe(
        keys.map((k) => `${k.slice(-64)}  ${k}\n`).join(''),
      );
      expect(readFileSync(join(backup, 'manifest-sha256.txt'), 'utf8')).toContain('  blobs-sha256.txt\n');
      // Each blob's size as the bucket holds it, which is the size the database records.
      const recorded = await queryRows<{ key: string; size: number }>(
        f.db,
        sql`select storage_key as key, size_bytes::int as size from blobs order by storage_key`,
      );
      expect(readFileSync(join(backup, 'blobs-size.txt'), 'utf8')).toBe(
        recorded.map((r) => `${r.size}  ${r.key}\n`).join(''),
      );
      expect(readFileSync(join(backup, 'manifest-sha256.txt'), 'utf8')).toContain('  blobs-size.txt\n');
      expect(JSON.parse(readFileSync(join(backup, 'backup.json'), 'utf8'))).toMatchObject({
        format: 2,
        files: 2,
        store: { kind: 's3', filesIncluded: false },
      });

      // Without the bucket configured the restore says where the files are and writes nothing.
      const target = join(tmp, 'restored-listed');
      const targetUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
      const targetEnv = { DATA_DIR: target, ...(targetUrl ? { DATABASE_URL: targetUrl } : {}) };
      // The compiled CLI as a real process: its exit code and standard error.
      const local = await cli(['restore', '--from', backup], { ...targetEnv, BLOB_STORE: 'local' });
      expect(local.code).toBe(1);
      expect(local.stderr).toContain('这个备份不含文件，文件在存储桶 s3://archive/county/');
      expect(existsSync(target)).toBe(false);

      const restored = await cliHere(['restore', '--from', backup], targetEnv);
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.stdout).toContain('文件：2 个，都在存储桶');
      expect(await fourProperties(targetEnv)).toEqual(before);
    },
  );

  it(
    'with --include-files copies every blob and thumbnail, verified; restored as a local store',
    {
      timeout: 300_000,
    },
    async () => {
      const backup = join(tmp, 'backup-files');
      const res = await cliHere(['backup', '--out', backup, '--include-files']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const manifest = readFileSync(join(backup, 'manifest-sha256.txt'), 'utf8');
      for (const { key } of await storageKeys())
        expect(manifest).toContain(`${key.slice(-64)}  files/${key}\n`);
      expect(manifest).toContain(`  files/${thumbnailKeyOf(sha256(originals.photo!))}\n`);

      const target = join(tmp, 'restored-files');
      const targetUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
      const targetEnv = { DATA_DIR: target, ...(targetUrl ? { DATABASE_URL: targetUrl } : {}) };
      // Files in the backup go to DATA_DIR/files: restoring them "into" a bucket is refused.
      const intoBucket = await cliHere(['restore', '--from', backup], targetEnv);
      expect(intoBucket.code).toBe(1);
      expect(intoBucket.stderr).toContain('这个备份里有文件：请用 BLOB_STORE=local');
      const restored = await cliHere(['restore', '--from', backup], { ...targetEnv, BLOB_STORE: 'local' });
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(readdirSync(join(target, 'files'))).toEqual(expect.arrayContaining(['blobs', 'thumbs']));
      expect(await fourProperties({ ...targetEnv, BLOB_STORE: 'local' })).toEqual(before);
    },
  );

  it(
    'a stub of another size under a key (a PUT cut off) is left out of the backup and listed (exit 3; its restore warns), and the restore of a backup listing the blob refuses',
    { timeout: 300_000 },
    async () => {
      const listed = join(tmp, 'backup-before-stub');
      expect((await cliHere(['backup', '--out', listed])).code).toBe(0);
      const photoKey = (await storageKeys()).find((k) => k.kind === 'photo')!.key;
      const put = (body: Buffer) =>
        f.blobs.client.send(
          new PutObjectCommand({ Bucket: s3.bucket, Key: `county/${photoKey}`, Body: body }),
        );
      await put(Buffer.alloc(0));
      try {
        const stubbed = join(tmp, 'backup-stub');
        const res = await cliHere(['backup', '--out', stubbed]);
        expect(res.code).toBe(3);
        expect(res.stdout).toContain('备份完成（缺少 1 个已损坏或不见了的文件）');
        expect(res.stderr).toContain('警告：1 个文件已损坏或不见了，没有进入这个备份');
        expect(res.stderr).toMatch(
          new RegExp(`${photoKey}（0 字节，数据库记录 ${originals.photo!.length} 字节，材料 \\d+）`),
        );
        expect(res.stderr).toContain('npm run verify');
        expect(readFileSync(join(stubbed, 'DAMAGED.txt'), 'utf8')).toContain(`${photoKey}\t0 字节`);
        // The stub is not in the list a restore checks the bucket against; the other blob is.
        expect(readFileSync(join(stubbed, 'blobs-sha256.txt'), 'utf8')).not.toContain(photoKey);
        expect(readFileSync(join(stubbed, 'blobs-size.txt'), 'utf8').trim().split('\n')).toHaveLength(1);
        expect(JSON.parse(readFileSync(join(stubbed, 'backup.json'), 'utf8')).damaged).toEqual([
          expect.objectContaining({ key: photoKey }),
        ]);
        const fromStubbed = join(tmp, 'restored-from-stubbed');
        const fromStubbedUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
        const partial = await cliHere(['restore', '--from', stubbed], {
          DATA_DIR: fromStubbed,
          ...(fromStubbedUrl ? { DATABASE_URL: fromStubbedUrl } : {}),
        });
        expect(partial.code).toBe(3);
        expect(partial.stdout).toContain('文件：1 个，都在存储桶');
        expect(partial.stderr).toContain('警告：这个备份缺少 1 个文件');
        expect(partial.stderr).toContain(photoKey);
        expect(existsSync(join(fromStubbed, 'RESTORE-INCOMPLETE'))).toBe(false);

        const target = join(tmp, 'restored-stub');
        const targetUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
        const targetEnv = { DATA_DIR: target, ...(targetUrl ? { DATABASE_URL: targetUrl } : {}) };
        const restored = await cliHere(['restore', '--from', listed], targetEnv);
        expect(restored.code).toBe(1);
        expect(restored.stderr).toContain('里缺少备份清单上的 1 个文件，什么也没有恢复');
        expect(restored.stderr).toContain(
          `${photoKey}（存储桶里是 0 字节，备份时是 ${originals.photo!.length} 字节）`,
        );
        expect(existsSync(target)).toBe(false);
      } finally {
        await put(originals.photo!);
      }

      // A backup made before sizes were recorded (no blobs-size.txt) still restores: its keys are checked.
      const older = join(tmp, 'backup-without-sizes');
      cpSync(listed, older, { recursive: true });
      rmSync(join(older, 'blobs-size.txt'));
      const manifest = join(older, 'manifest-sha256.txt');
      writeFileSync(
        manifest,
        readFileSync(manifest, 'utf8')
          .split('\n')
          .filter((l) => !l.endsWith('  blobs-size.txt'))
          .join('\n'),
      );
      const target = join(tmp, 'restored-older');
      const targetUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
      const res = await cliHere(['restore', '--from', older], {
        DATA_DIR: target,
        ...(targetUrl ? { DATABASE_URL: targetUrl } : {}),
      });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('文件：2 个，都在存储桶');
    },
  );

  it(
    'with --include-files, the store going down while objects are read fails the backup (exit 1, the store named, nothing left behind); one object whose read fails is named in DAMAGED.txt (exit 3)',
    { timeout: 300_000 },
    async () => {
      const objectRead = (folder: string) => (r: { method: string; key: string }) =>
        r.method === 'GET' && r.key.startsWith(`county/${folder}/`);
      const keys = (await storageKeys()).map((k) => k.key);

      // One object deleted after it was listed (404 on its read): named, the rest backed up.
      s3.failNext(objectRead('blobs'), 'gone');
      const one = join(tmp, 'backup-one-unreadable');
      const res = await cliHere(['backup', '--out', one, '--include-files']);
      expect(res.code).toBe(3);
      expect(res.stderr).toContain('警告：1 个文件已损坏或不见了，没有进入这个备份');
      const named = readFileSync(join(one, 'DAMAGED.txt'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split('\t'));
      expect(named).toHaveLength(1);
      expect(keys).toContain(named[0]![0]);
      expect(named[0]![1]).toBe('已损坏或不见了');
      const other = keys.find((k) => k !== named[0]![0])!;
      expect(readFileSync(join(one, 'manifest-sha256.txt'), 'utf8')).toContain(`  files/${other}\n`);

      // The store stops answering while the thumbnail, the last object, is read (every listing done):
      // not a damaged thumbnail in a finished backup, a failed backup.
      s3.failNext(objectRead('thumbs'), 'down');
      const out = join(tmp, 'backup-store-down');
      try {
        const down = await cliHere(['backup', '--out', out, '--include-files']);
        expect(down.code).toBe(1);
        expect(down.stderr).toContain(`连不上对象存储 ${s3.endpoint}`);
        expect(down.stderr).not.toContain('已损坏或不见了');
        expect(down.stdout).not.toContain('备份完成');
        expect(existsSync(out)).toBe(false);
      } finally {
        await s3.resume();
      }
      // The same backup with the store back completes.
      const again = await cliHere(['backup', '--out', out, '--include-files']);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
    },
  );

  it(
    'a damaged object: the export is a 预检包 naming it, --include-files leaves it out and lists it (exit 3); a vanished one stops the restore',
    {
      timeout: 300_000,
    },
    async () => {
      const listed = join(tmp, 'backup-before-damage');
      expect((await cliHere(['backup', '--out', listed])).code).toBe(0);
      const pdfKey = (await storageKeys()).find((k) => k.kind === 'document')!.key;
      const damaged = Buffer.from(originals.pdf!);
      damaged[20] = damaged[20]! ^ 0x01;
      await f.blobs.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: `county/${pdfKey}`, Body: damaged }),
      );

      const out = join(tmp, 'package-damaged');
      const exported = await exportHere(['--unit', 'V1', '--year', '2025', '--out', out]);
      expect(exported.code).toBe(1);
      expect(exported.stdout).toContain('预检包');
      const report = JSON.parse(readFileSync(join(out, '其他', '四性检测报告.json'), 'utf8'));
      const mismatch = report.failures.filter((x: any) => x.check === 'hash_mismatch');
      expect(mismatch).toHaveLength(1);
      expect(mismatch[0].message).toContain(sha256(damaged));
      expect(mismatch[0].archivalCode).toMatch(/WS/);

      const copied = join(tmp, 'backup-damaged');
      const copy = await cliHere(['backup', '--out', copied, '--include-files']);
      expect(copy.code).toBe(3);
      expect(copy.stderr).toContain('警告：1 个文件已损坏或不见了，没有进入这个备份');
      expect(copy.stderr).toContain(pdfKey);
      expect(readFileSync(join(copied, 'DAMAGED.txt'), 'utf8')).toMatch(
        new RegExp(`^${pdfKey}\t已损坏或不见了\t材料 \\d+$`, 'm'),
      );
      expect(existsSync(join(copied, 'files', pdfKey))).toBe(false);

      await f.blobs.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: `county/${pdfKey}` }));
      const target = join(tmp, 'restored-vanished');
      const targetUrl = pgUrl ? await emptyPgDatabase(pgUrl) : undefined;
      const res = await cliHere(['restore', '--from', listed], {
        DATA_DIR: target,
        ...(targetUrl ? { DATABASE_URL: targetUrl } : {}),
      });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('里缺少备份清单上的 1 个文件，什么也没有恢复');
      expect(res.stderr).toContain(pdfKey);
      expect(existsSync(target)).toBe(false);
    },
  );
});
