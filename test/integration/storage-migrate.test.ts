import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliDb } from '../../src/cli/open-cli-db.js';
import { runCli as runCliHere } from '../../src/cli/run-cli.js';
import { loadBaseConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { lockDataDir } from '../../src/db/lock-data-dir.js';
import { blobs as blobRows, jobs, materials } from '../../src/db/schema/index.js';
import { MAKE_THUMBNAIL_JOB } from '../../src/domain/job-types.js';
import { resourceProblem } from '../../src/errors.js';
import { thumbnailKeyOf } from '../../src/ports/blob-store.js';
import { identityText, selfIdentity } from '../../src/process-identity.js';
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
 * database row whose file is not in the bucket stops the switch, naming it (to be put back, or, when
 * the folder has it, copied by running again); a file stored after the first listing is copied before
 * the switch (MOVED-TO-S3.json), a thumbnail missing everywhere does not stop it (its key is cleared
 * and the make-thumbnail job queued), after which BLOB_STORE=local refuses to start and a local store
 * still open refuses writes. On PGlite (DATA_DIR/pglite) or PostgreSQL (TEST_DATABASE_URL: the file's
 * own database).
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
  /**
   * `storage migrate --to s3` through the same runCli in this process, `onLine` called with each
   * output line as it is written (a writer acting at that point of the run).
   */
  const migrateWatching = async (onLine: (line: string) => void) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCliHere(['storage', 'migrate', '--to', 's3'], {
      env,
      out: (line) => {
        out.push(line);
        onLine(line);
      },
      err: (line) => err.push(line),
    });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };
  /** A blob written into DATA_DIR/files the way the local store lays it out (synchronously, from an output line). */
  const placeLocal = (bytes: Buffer) => {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const key = `blobs/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;
    const path = join(dataDir, 'files', key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    return key;
  };
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
      // The line the county IT person reads, in Chinese (it said "stored file … is damaged: its bytes hash to …").
      const actual = createHash('sha256').update(flipped).digest('hex');
      expect(first.stdout.split('\n')).toContain(
        `  失败 ${damaged.key}：存储的文件 ${damaged.key} 已损坏：内容的 SHA-256 是 ${actual}，与文件名不符`,
      );
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
    'a file the folder has but that arrived after the last listing stops the switch, saying to run again; running again copies it',
    { timeout: 120_000 },
    async () => {
      const bytes = randomBytes(4000);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const key = `blobs/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;
      await withDb((db) =>
        db
          .insert(blobRows)
          .values({ sha256: sha, sizeBytes: bytes.length, storageKey: key, storedAt: new Date() }),
      );
      // The file lands once the folder was listed for the last time, before the database is checked.
      const res = await migrateWatching((line) => {
        if (/^已无新文件/.test(line)) placeLocal(bytes);
      });
      expect(res.code).toBe(1);
      expect(res.stdout).toContain(`缺少 ${key}（数据库记录的文件；本地 DATA_DIR/files 里有，尚未复制）`);
      expect(res.stderr).toMatch(
        /数据库记录的 1 个文件不在对象存储里，未切换；.*再运行一次本命令即可复制并切换/,
      );
      expect(res.stderr).not.toMatch(/补回/);
      expect(existsSync(join(dataDir, 'files', 'MOVED-TO-S3.json'))).toBe(false);

      // Running again copies it (the bot is up, so this run stops before switching).
      const stopBot = await botRunning();
      let again;
      try {
        again = await cliHere('migrate', '--to', 's3');
      } finally {
        await stopBot();
      }
      expect(again.stderr).toBe('');
      expect(again.stdout).toMatch(/本次复制并核对 1 个/);
      expect(await inBucket()).toContain(key);
      blobs.push({ key, bytes });
    },
  );

  it(
    'a file stored after the first listing is copied before the switch; a thumbnail missing everywhere does not stop it; then the folder refuses writes',
    { timeout: 120_000 },
    async () => {
      // Two photos with the same bytes whose thumbnail is neither in the folder nor in the bucket.
      const sha1 = blobs[1]!.key.split('/').pop()!;
      const lostThumb = thumbnailKeyOf(sha1);
      let photoIds: number[] = [];
      await withDb(async (db) => {
        const rows = await db
          .insert(materials)
          .values(
            ['img_2', 'img_3'].map((resourceKey, i) => ({
              messageId: `om_${i + 2}`,
              resourceKey,
              resourceType: 'image',
              chatId: 'oc_village',
              sentAt: new Date(),
              kind: 'photo' as const,
              status: 'stored' as const,
              sha256: sha1,
              storageKey: blobs[1]!.key,
              thumbnailKey: lostThumb,
              createdAt: new Date(),
            })),
          )
          .returning({ id: materials.id });
        photoIds = rows.map((r) => r.id);
      });
      const late = randomBytes(3000);
      let lateKey = '';
      // After the first listing and the copy: a file the bot stored just before it stopped.
      const res = await migrateWatching((line) => {
        if (!lateKey && /再列一遍/.test(line)) lateKey = placeLocal(late);
      });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(lateKey).not.toBe('');
      expect(res.stdout).toMatch(/本次复制并核对 1 个/);
      expect(res.stdout).toContain(
        '1 个缩略图不在对象存储里：已清除 2 个文件的缩略图记录，机器人启动后按原件重新生成。',
      );
      expect(res.stdout).toMatch(/全部核对无误，已切换/);
      expect(res.stdout).toMatch(new RegExp(`文件 ${blobs.length + 1} 个，缩略图 1 个`));
      await withDb(async (db) => {
        const rows = await db
          .select({ id: materials.id, thumbnailKey: materials.thumbnailKey })
          .from(materials)
          .where(eq(materials.sha256, sha1));
        expect(rows.map((r) => r.thumbnailKey)).toEqual([null, null]);
        const queued = await db
          .select({ key: jobs.key, payload: jobs.payload, status: jobs.status })
          .from(jobs)
          .where(
            and(
              eq(jobs.kind, MAKE_THUMBNAIL_JOB.name),
              inArray(
                jobs.key,
                photoIds.map((id) => `${id}:remake`),
              ),
            ),
          );
        expect(queued.map((j) => j.payload)).toEqual(
          expect.arrayContaining(photoIds.map((id) => ({ materialId: id }))),
        );
        expect(queued.map((j) => j.status)).toEqual(['pending', 'pending']);
        // The photo whose thumbnail is in the bucket keeps it.
        const [kept] = await db
          .select({ thumbnailKey: materials.thumbnailKey })
          .from(materials)
          .where(eq(materials.resourceKey, 'img_1'));
        expect(kept?.thumbnailKey).toBe(thumb);
      });
      expect(await inBucket()).toEqual([...blobs.map((b) => b.key), lateKey].sort());
      expect((await readAll((await bucket()).openRead(lateKey))).equals(late)).toBe(true);
      for (const b of blobs)
        expect((await readAll((await bucket()).openRead(b.key))).equals(b.bytes)).toBe(true);
      expect((await readAll((await bucket()).openRead(thumb))).toString()).toBe('thumbnail');
      const marker = JSON.parse(await readFile(join(dataDir, 'files', 'MOVED-TO-S3.json'), 'utf8'));
      expect(marker).toMatchObject({
        to: expect.stringMatching(/^s3:\/\/archive\/county\//),
        files: blobs.length + 1,
        thumbnails: 1,
      });
      expect(JSON.stringify(marker)).not.toContain('S3RVER');

      // The folder is no longer the store: a bot set to BLOB_STORE=local refuses to start, and one
      // that was still running finds every write refused as a resource problem (downloads wait).
      const local = await openBlobStore({ dataDir, blobStore: loadBaseConfig(env).blobStore });
      await expect(local.check()).rejects.toThrow(/搬到 s3:\/\/archive\/county\/ .*：请设置 BLOB_STORE=s3/);
      const refused = await local.blobs.ensureWritable().catch((err: unknown) => err);
      expect(resourceProblem(refused)?.reason).toBe('store_unwritable');
      expect(String(refused)).toMatch(/已由 storage migrate 搬到对象存储/);
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
