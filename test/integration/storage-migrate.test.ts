import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliDb } from '../../src/cli/open-cli-db.js';
import { loadBaseConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { lockDataDir } from '../../src/db/lock-data-dir.js';
import { blobs as blobRows, jobs, materials } from '../../src/db/schema/index.js';
import { resourceProblem } from '../../src/errors.js';
import { migrateBlobsToS3 } from '../../src/ops/migrate-blobs.js';
import { identityText, selfIdentity } from '../../src/process-identity.js';
import { loadCliSettings } from '../../src/settings.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { openBlobStore } from '../../src/storage/open-blob-store.js';
import { runCli } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * `npm run cli -- storage migrate --to s3`: counts with --dry-run; copies and verifies every blob and
 * thumbnail; a damaged local file stops the switch (the others are journaled); a run while the bot
 * runs (PGlite: its folder lock held; PostgreSQL: a worker holding a job) copies but does not switch; a
 * database row whose file is not in the bucket stops the switch, naming it; a file stored after the
 * first listing is copied before the switch (MOVED-TO-S3.json), after which BLOB_STORE=local refuses
 * to start and a local store still open refuses writes. On PGlite (DATA_DIR/pglite) or PostgreSQL
 * (TEST_DATABASE_URL: the file's own database).
 */
describe('storage migrate --to s3', () => {
  let s3: LocalS3;
  let dataDir: string;
  let env: Record<string, string>;
  let tdb: TestDb | undefined;
  const blobs: { key: string; bytes: Buffer }[] = [];
  const thumb = `thumbs/${'a'.repeat(64)}.jpg`;
  /** The database the CLI uses: PostgreSQL's stays open; PGlite's folder is opened for each use (the CLI locks it). */
  const withDb = async (fn: (db: Db) => Promise<unknown>) => {
    if (tdb) return void (await fn(tdb.db));
    const database = await openCliDb({ dataDir });
    try {
      await fn(database.db);
    } finally {
      await database.close();
    }
  };
  beforeAll(async () => {
    if (process.env.TEST_DATABASE_URL) tdb = await createTestDb();
    s3 = await startLocalS3();
    dataDir = await mkdtemp(join(tmpdir(), 'storage-migrate-'));
    const local = new LocalBlobStore(join(dataDir, 'files'), { minFreeBytes: 0 });
    for (const size of [1000, 200_000, 6 * 1024 * 1024]) {
      const bytes = randomBytes(size);
      const w = local.beginWrite();
      await w.write(bytes);
      blobs.push({ key: (await w.commit()).storageKey, bytes });
    }
    await local.putDerived(thumb, Buffer.from('thumbnail'));
    // BLOB_STORE stays local: S3_* name only the target. PORT=0: no bot to ask on HOST:PORT.
    env = {
      DATA_DIR: dataDir,
      ...s3.env('county/'),
      BLOB_STORE: 'local',
      PORT: '0',
      ...(tdb?.url ? { DATABASE_URL: tdb.url } : {}),
    };
    // What the bot recorded: the blobs, and a photo with its thumbnail.
    const now = new Date();
    await withDb(async (db) => {
      await db.insert(blobRows).values(
        blobs.map((b) => ({
          sha256: b.key.split('/').pop()!,
          sizeBytes: b.bytes.length,
          storageKey: b.key,
          storedAt: now,
        })),
      );
      await db.insert(materials).values({
        messageId: 'om_1',
        resourceKey: 'img_1',
        resourceType: 'image',
        chatId: 'oc_village',
        sentAt: now,
        kind: 'photo',
        status: 'stored',
        sha256: blobs[0]!.key.split('/').pop()!,
        storageKey: blobs[0]!.key,
        thumbnailKey: thumb,
        createdAt: now,
      });
    });
  });
  afterAll(async () => {
    await tdb?.close();
    await s3?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const bucket = async () =>
    (
      await openBlobStore({
        dataDir,
        blobStore: loadBaseConfig({ ...env, BLOB_STORE: 's3' }).blobStore,
      })
    ).blobs;
  const readAll = async (s: Readable) => {
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    return Buffer.concat(parts);
  };
  /** The compiled CLI as a real process: the run a damaged file stops (its exit code and stderr). */
  const cli = (...args: string[]) => runCli(['storage', ...args], env);
  /** The same runCli in this process (the dry run, the resumed run): no process start and no module load. */
  const cliHere = (...args: string[]) => cliInProcess(['storage', ...args], env);
  const inBucket = async () => {
    const keys: string[] = [];
    for await (const page of (await bucket()).listBlobs()) keys.push(...page);
    return keys.sort();
  };

  /**
   * The bot, as `storage migrate` sees it: PGlite, its data-folder lock held; PostgreSQL, a live
   * worker (this process) holding a job. Returns how to stop it.
   */
  const botRunning = async (): Promise<() => Promise<void>> => {
    if (!tdb) return lockDataDir(join(dataDir, 'pglite'));
    const now = new Date();
    const [job] = await tdb.db
      .insert(jobs)
      .values({
        kind: 'download-material',
        key: 'm1',
        payload: {},
        status: 'processing',
        runAt: now,
        lockedAt: now,
        lockedBy: `${identityText(selfIdentity())}:abc123`,
        createdAt: now,
      })
      .returning();
    return async () => void (await tdb!.db.delete(jobs).where(eq(jobs.id, job!.id)));
  };

  it('--dry-run counts and copies nothing', { timeout: 120_000 }, async () => {
    const res = await cliHere('migrate', '--to', 's3', '--dry-run');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/文件 3 个，缩略图 1 个/);
    expect(await inBucket()).toEqual([]);
  });

  it(
    'a damaged file stops the switch; the next run, with the bot running, resumes from the journal but does not switch',
    { timeout: 120_000 },
    async () => {
      const damaged = blobs[1]!;
      const path = join(dataDir, 'files', damaged.key);
      const flipped = Buffer.from(damaged.bytes);
      flipped[10] = flipped[10]! ^ 0xff;
      await chmod(path, 0o644);
      await writeFile(path, flipped);

      const first = await cli('migrate', '--to', 's3');
      expect(first.code).toBe(1);
      expect(first.stdout).toContain(`失败 ${damaged.key}`);
      expect(first.stderr).toMatch(/1 个文件未能复制或核对，未切换/);
      expect(existsSync(join(dataDir, 'files', 'MOVED-TO-S3.json'))).toBe(false);
      expect(await inBucket()).toEqual([blobs[0]!.key, blobs[2]!.key].sort());

      // Repaired (e.g. from a backup): only what is left is copied, but the bot is running: no switch.
      await writeFile(path, damaged.bytes);
      const stopBot = await botRunning();
      let second;
      try {
        second = await cliHere('migrate', '--to', 's3');
      } finally {
        await stopBot();
      }
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/此前已核对 3 个/);
      expect(second.stdout).toMatch(/本次复制并核对 1 个/);
      expect(second.stdout).toMatch(/机器人正在运行（.+），未切换/);
      expect(second.stdout).toMatch(/停止机器人.*后再运行一次/);
      expect(second.stdout).not.toMatch(/已切换/);
      expect(existsSync(join(dataDir, 'files', 'MOVED-TO-S3.json'))).toBe(false);
      expect(await inBucket()).toEqual(blobs.map((b) => b.key).sort());
    },
  );

  it(
    'a database row whose file is not in the bucket stops the switch, naming it',
    { timeout: 120_000 },
    async () => {
      const lost = `blobs/ee/ee/${'e'.repeat(64)}`;
      await withDb((db) =>
        db
          .insert(blobRows)
          .values({ sha256: 'e'.repeat(64), sizeBytes: 5, storageKey: lost, storedAt: new Date() }),
      );
      const res = await cliHere('migrate', '--to', 's3');
      expect(res.code).toBe(1);
      expect(res.stdout).toContain(`缺少 ${lost}（数据库记录的文件；本地 DATA_DIR/files 也没有）`);
      expect(res.stderr).toMatch(/数据库记录的 1 个文件不在对象存储里，未切换/);
      expect(existsSync(join(dataDir, 'files', 'MOVED-TO-S3.json'))).toBe(false);
      await withDb((db) => db.delete(blobRows).where(eq(blobRows.storageKey, lost)));
    },
  );

  it(
    'a file stored after the first listing is copied before the switch; then the folder refuses writes',
    { timeout: 120_000 },
    async () => {
      const late = randomBytes(3000);
      let lateKey = '';
      const settings = loadCliSettings(env);
      const store = settings.blobStore;
      if (store.kind !== 'local' || !store.migrateTo) throw new Error('S3_* should name the target');
      const r = await migrateBlobsToS3({
        dataDir,
        databaseUrl: settings.databaseUrl,
        bot: settings,
        s3: store.migrateTo,
        dryRun: false,
        // After the first listing and the copy: a file the bot stored just before it stopped.
        progress: async (line) => {
          if (lateKey || !/再列一遍/.test(line)) return;
          const w = new LocalBlobStore(join(dataDir, 'files'), { minFreeBytes: 0 }).beginWrite();
          await w.write(late);
          lateKey = (await w.commit()).storageKey;
        },
      });
      expect(lateKey).not.toBe('');
      expect(r).toMatchObject({ switched: true, copied: 1, failed: [], files: 4, thumbnails: 1 });
      expect(await inBucket()).toEqual([...blobs.map((b) => b.key), lateKey].sort());
      expect((await readAll((await bucket()).openRead(lateKey))).equals(late)).toBe(true);
      for (const b of blobs)
        expect((await readAll((await bucket()).openRead(b.key))).equals(b.bytes)).toBe(true);
      expect((await readAll((await bucket()).openRead(thumb))).toString()).toBe('thumbnail');
      const marker = JSON.parse(await readFile(join(dataDir, 'files', 'MOVED-TO-S3.json'), 'utf8'));
      expect(marker).toMatchObject({
        to: expect.stringMatching(/^s3:\/\/archive\/county\//),
        files: 4,
        thumbnails: 1,
      });
      expect(JSON.stringify(marker)).not.toContain('S3RVER');

      // The folder is no longer the store: a bot set to BLOB_STORE=local refuses to start, and one
      // that was still running finds every write refused as a resource problem (downloads wait).
      const local = await openBlobStore({ dataDir, blobStore: loadBaseConfig(env).blobStore });
      await expect(local.check()).rejects.toThrow(/moved to s3:\/\/archive\/county\/ .*set BLOB_STORE=s3/);
      const refused = await local.blobs.ensureWritable().catch((err: unknown) => err);
      expect(resourceProblem(refused)?.reason).toBe('store_unwritable');
      expect(String(refused)).toMatch(/moved to the object store/);
      const w = local.blobs.beginWrite();
      await w.write(randomBytes(100));
      expect(resourceProblem(await w.commit().catch((err: unknown) => err))?.reason).toBe('store_unwritable');
      expect(
        resourceProblem(
          await local.blobs
            .putDerived(`thumbs/${'b'.repeat(64)}.jpg`, Buffer.from('x'))
            .catch((err: unknown) => err),
        )?.reason,
      ).toBe('store_unwritable');
      await (
        await openBlobStore({
          dataDir,
          blobStore: loadBaseConfig({ ...env, BLOB_STORE: 's3' }).blobStore,
        })
      ).check();
      expect(createHash('sha256').update(blobs[2]!.bytes).digest('hex')).toBe(blobs[2]!.key.split('/').pop());

      // Run again through the CLI: nothing left to copy, still switched.
      const again = await cliHere('migrate', '--to', 's3');
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/本次复制并核对 0 个/);
      expect(again.stdout).toMatch(/全部核对无误，已切换/);
    },
  );
});
