import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseConfig } from '../../src/config.js';
import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { openBlobStore } from '../../src/storage/open-blob-store.js';
import { runCli } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';

/**
 * `npm run cli -- storage migrate --to s3`: counts with --dry-run; copies and verifies every blob and
 * thumbnail; a damaged local file stops the switch (the others are journaled); the next run goes on
 * from the journal and switches (MOVED-TO-S3.json), after which BLOB_STORE=local refuses to start.
 */
describe('storage migrate --to s3', () => {
  let s3: LocalS3;
  let dataDir: string;
  let env: Record<string, string>;
  const blobs: { key: string; bytes: Buffer }[] = [];
  beforeAll(async () => {
    s3 = await startLocalS3();
    dataDir = await mkdtemp(join(tmpdir(), 'storage-migrate-'));
    const local = new LocalBlobStore(join(dataDir, 'files'), { minFreeBytes: 0 });
    for (const size of [1000, 200_000, 6 * 1024 * 1024]) {
      const bytes = randomBytes(size);
      const w = local.beginWrite();
      await w.write(bytes);
      blobs.push({ key: (await w.commit()).storageKey, bytes });
    }
    await local.putDerived(`thumbs/${'a'.repeat(64)}.jpg`, Buffer.from('thumbnail'));
    // BLOB_STORE stays local: S3_* name only the target.
    env = { DATA_DIR: dataDir, ...s3.env('county/'), BLOB_STORE: 'local' };
  });
  afterAll(async () => {
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

  it('--dry-run counts and copies nothing', { timeout: 120_000 }, async () => {
    const res = await cliHere('migrate', '--to', 's3', '--dry-run');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/文件 3 个，缩略图 1 个/);
    expect(await inBucket()).toEqual([]);
  });

  it(
    'a damaged file stops the switch; the next run resumes from the journal and switches',
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

      // Repaired (e.g. from a backup): only what is left is copied.
      await writeFile(path, damaged.bytes);
      const second = await cliHere('migrate', '--to', 's3');
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/此前已核对 3 个/);
      expect(second.stdout).toMatch(/本次复制并核对 1 个/);
      expect(second.stdout).toMatch(/已切换/);
      expect(await inBucket()).toEqual(blobs.map((b) => b.key).sort());
      for (const b of blobs)
        expect((await readAll((await bucket()).openRead(b.key))).equals(b.bytes)).toBe(true);
      expect((await readAll((await bucket()).openRead(`thumbs/${'a'.repeat(64)}.jpg`))).toString()).toBe(
        'thumbnail',
      );
      const marker = JSON.parse(await readFile(join(dataDir, 'files', 'MOVED-TO-S3.json'), 'utf8'));
      expect(marker).toMatchObject({
        to: expect.stringMatching(/^s3:\/\/archive\/county\//),
        files: 3,
        thumbnails: 1,
      });
      expect(JSON.stringify(marker)).not.toContain('S3RVER');

      // The folder is no longer the store: a bot set to BLOB_STORE=local refuses to start.
      const local = await openBlobStore({ dataDir, blobStore: loadBaseConfig(env).blobStore });
      await expect(local.check()).rejects.toThrow(/moved to s3:\/\/archive\/county\/ .*set BLOB_STORE=s3/);
      await (
        await openBlobStore({
          dataDir,
          blobStore: loadBaseConfig({ ...env, BLOB_STORE: 's3' }).blobStore,
        })
      ).check();
      expect(createHash('sha256').update(blobs[2]!.bytes).digest('hex')).toBe(blobs[2]!.key.split('/').pop());
    },
  );
});
