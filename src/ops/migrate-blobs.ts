import { createHash } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { runPool } from '../archive/run-pool.js';
import type { S3Settings } from '../config.js';
import { AppError, errorMessage } from '../errors.js';
import { sha256OfBlobKey, type BlobStore } from '../ports/blob-store.js';
import { LocalBlobStore } from '../storage/local-blob-store.js';
import { MOVED_MARKER } from '../storage/open-blob-store.js';
import { S3BlobStore } from '../storage/s3-blob-store.js';

export interface MigrateResult {
  files: number;
  thumbnails: number;
  bytes: number;
  /** Verified by an earlier, interrupted run (the journal). */
  alreadyVerified: number;
  copied: number;
  /** Keys that could not be copied or verified, with why. */
  failed: { key: string; error: string }[];
  switched: boolean;
}

/** Where a store's files are, as the journal and the marker name it (never the credentials). */
/** How a bucket is named to operators: s3://bucket/prefix at the endpoint. */
export const s3TargetName = (s: S3Settings) =>
  `s3://${s.bucket}/${s.prefix} at ${s.endpoint ?? `AWS ${s.region}`}`;

/**
 * Copies every stored file of DATA_DIR/files (blobs and thumbnails) into the bucket, verifying each:
 * the local bytes are checked against their hash as they are read, uploaded through the S3 store
 * (same key, conditional put: an object already there is kept), then read back from the bucket and
 * hashed again. Each verified key is appended to a journal (DATA_DIR/files/migrate-s3.journal), so a
 * run that was interrupted goes on where it stopped. Only when every file is verified is the switch
 * recorded: MOVED-TO-S3.json in DATA_DIR/files, after which a bot still set to BLOB_STORE=local
 * refuses to start (openBlobStore). `dryRun` only counts.
 */
export async function migrateBlobsToS3(o: {
  dataDir: string;
  s3: S3Settings;
  dryRun: boolean;
  concurrency?: number;
  progress?: (line: string) => void;
}): Promise<MigrateResult> {
  const root = join(o.dataDir, 'files');
  const source = new LocalBlobStore(root, { minFreeBytes: 0 });
  const keys: string[] = [];
  for await (const page of source.listBlobs()) keys.push(...page);
  const thumbs: string[] = [];
  for await (const page of source.listDerived()) thumbs.push(...page);
  let bytes = 0;
  for (const k of [...keys, ...thumbs]) bytes += (await source.stat(k))?.sizeBytes ?? 0;
  const journalPath = join(root, 'migrate-s3.journal');
  const journal = await readJournal(journalPath, s3TargetName(o.s3));
  const result: MigrateResult = {
    files: keys.length,
    thumbnails: thumbs.length,
    bytes,
    alreadyVerified: [...keys, ...thumbs].filter((k) => journal.has(k)).length,
    copied: 0,
    failed: [],
    switched: false,
  };
  if (o.dryRun) return result;

  const target = new S3BlobStore(o.s3, { spoolDir: join(o.dataDir, 's3-spool'), minFreeBytes: 0 });
  await target.checkReachable();
  if (journal.size === 0) await writeFile(journalPath, `# ${s3TargetName(o.s3)}\n`);
  const todo = [...keys, ...thumbs].filter((k) => !journal.has(k));
  await runPool(todo, o.concurrency ?? 4, async (key) => {
    try {
      await (sha256OfBlobKey(key) ? copyBlob(source, target, key) : copyDerived(source, target, key));
      await appendFile(journalPath, `${key}\n`);
      result.copied++;
      if (result.copied % 100 === 0) o.progress?.(`已核对 ${result.copied} / ${todo.length}`);
    } catch (err) {
      result.failed.push({ key, error: errorMessage(err) });
    }
  });
  if (result.failed.length === 0) {
    await writeFile(
      join(root, MOVED_MARKER),
      `${JSON.stringify({ to: s3TargetName(o.s3), files: keys.length, thumbnails: thumbs.length, at: new Date().toISOString() }, null, 2)}\n`,
    );
    result.switched = true;
  }
  return result;
}

/** A blob: read verified, written through the S3 store under the same key, read back verified. */
async function copyBlob(source: BlobStore, target: S3BlobStore, key: string): Promise<void> {
  const w = target.beginWrite();
  try {
    for await (const chunk of source.openRead(key)) await w.write(chunk as Buffer);
  } catch (err) {
    await w.abort();
    throw err;
  }
  const c = await w.commit();
  if (c.storageKey !== key)
    throw new AppError('migrate_key_mismatch', `${key} was stored as ${c.storageKey}`);
  await pipeline(target.openRead(key), sink());
}

/** A thumbnail (named by its original's hash, not its own): copied, read back byte for byte. */
async function copyDerived(source: LocalBlobStore, target: S3BlobStore, key: string): Promise<void> {
  const bytes = await readFile(source.pathOf(key));
  await target.putDerived(key, bytes);
  const back = createHash('sha256');
  await pipeline(target.openRead(key), sink(back));
  if (back.digest('hex') !== createHash('sha256').update(bytes).digest('hex'))
    throw new AppError('migrate_verify_failed', `${key} reads back different bytes from the bucket`);
}

const sink = (hash?: ReturnType<typeof createHash>) =>
  new Writable({
    write(chunk: Buffer, _enc, done) {
      hash?.update(chunk);
      done();
    },
  });

async function readJournal(path: string, target: string): Promise<Set<string>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const [head, ...lines] = text.split('\n');
  // A journal for another bucket (or none) starts over.
  if (head !== `# ${target}`) return new Set();
  return new Set(lines.filter(Boolean));
}
