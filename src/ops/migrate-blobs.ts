import { createHash } from 'node:crypto';
import { appendFile, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { inArray, sql } from 'drizzle-orm';
import { runPool } from '../archive/run-pool.js';
import type { S3Settings } from '../config.js';
import { openDb, queryRows, type Database, type Db } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { enqueueJobs } from '../db/repos/jobs.js';
import { materials } from '../db/schema/materials.js';
import { MAKE_THUMBNAIL_JOB } from '../domain/job-types.js';
import { AppError, errorMessage } from '../errors.js';
import { sha256OfBlobKey, type BlobStore } from '../ports/blob-store.js';
import { LocalBlobStore, MOVED_MARKER } from '../storage/local-blob-store.js';
import { S3BlobStore } from '../storage/s3-blob-store.js';
import { runningBotOnPostgres } from './bot-running.js';

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
  /** Every file was copied but the bot is running (what shows it): no switch. */
  botRunning?: string;
  /** Files (originals) the database names that are not verified in the bucket (no switch); `local`: DATA_DIR/files has it (written after the last listing). */
  missing?: { key: string; local: boolean }[];
  /**
   * At the switch: thumbnails the database names that were not in the bucket. Nothing blocks on them:
   * their materials' thumbnail_key is cleared and a make-thumbnail job queued for each, so the bot
   * on the bucket makes them again from the originals.
   */
  thumbnailsCleared?: { thumbnails: number; materials: number };
}

/** Where a store's files are, as the journal and the marker name it (never the credentials). */
/** How a bucket is named to operators: s3://bucket/prefix at the endpoint. */
export const s3TargetName = (s: S3Settings) =>
  `s3://${s.bucket}/${s.prefix} at ${s.endpoint ?? `AWS ${s.region}`}`;

/** Rounds of "list again, copy what is new" before the switch; files still arriving after them mean a writer is at work. */
const SETTLE_ROUNDS = 5;

/**
 * Copies every stored file of DATA_DIR/files (blobs and thumbnails) into the bucket, verifying each:
 * the local bytes are checked against their hash as they are read, uploaded through the S3 store
 * (same key, conditional put: an object already there is kept), then read back from the bucket and
 * hashed again. Each verified key is appended to a journal (DATA_DIR/files/migrate-s3.journal), so a
 * run that was interrupted goes on where it stopped.
 *
 * The switch (MOVED-TO-S3.json in DATA_DIR/files, after which a bot set to BLOB_STORE=local refuses to
 * start, and one already running refuses every write) is recorded only when, after every file copied:
 * the bot is not running (PGlite: this run takes the data-folder lock and holds it to the end, so the
 * bot cannot start meanwhile; PostgreSQL: no live worker holds queue rows and nothing answers on
 * HOST:PORT); listing the folder again finds nothing new (what is new is copied, again until nothing
 * is); and every original the database names (blobs.storage_key, materials.storage_key) is in the
 * journal. A thumbnail (materials.thumbnail_key) that is not does not block: it can be made again from
 * its original, so just before the marker its materials' thumbnail_key is cleared and a make-thumbnail
 * job queued for each (one transaction). After the marker the folder is listed once more, for a write
 * that was already past its check. `dryRun` only counts.
 */
export async function migrateBlobsToS3(o: {
  dataDir: string;
  /** PostgreSQL; absent: the embedded database in DATA_DIR/pglite. */
  databaseUrl?: string;
  /** How to tell the bot is running on PostgreSQL (HOST, PORT, WORKER_LEASE_SECONDS). */
  bot: { host: string; port: number; worker: { leaseSeconds: number } };
  s3: S3Settings;
  dryRun: boolean;
  concurrency?: number;
  /** Progress lines (awaited). */
  progress?: (line: string) => void | Promise<void>;
}): Promise<MigrateResult> {
  const root = join(o.dataDir, 'files');
  const source = new LocalBlobStore(root, { minFreeBytes: 0 });
  const { keys, thumbs } = await listLocal(source);
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
  const copyAll = async (todo: string[]) => {
    let done = 0;
    await runPool(todo, o.concurrency ?? 4, async (key) => {
      try {
        await (sha256OfBlobKey(key) ? copyBlob(source, target, key) : copyDerived(source, target, key));
        await appendFile(journalPath, `${key}\n`);
        journal.add(key);
        result.copied++;
        if (++done % 100 === 0) await o.progress?.(`已核对 ${done} / ${todo.length}`);
      } catch (err) {
        result.failed.push({ key, error: errorMessage(err) });
      }
    });
  };
  /** Lists the folder again and copies what is not journaled yet; true when nothing was new. */
  const copyNew = async () => {
    const now = await listLocal(source);
    const todo = [...now.keys, ...now.thumbs].filter((k) => !journal.has(k));
    result.files = now.keys.length;
    result.thumbnails = now.thumbs.length;
    if (todo.length > 0) await copyAll(todo);
    return todo.length === 0;
  };

  await copyAll([...keys, ...thumbs].filter((k) => !journal.has(k)));
  if (result.failed.length > 0) return result;

  const gate = await openUnlessRunning(o);
  if ('running' in gate) {
    result.botRunning = gate.running;
    return result;
  }
  try {
    await o.progress?.('机器人未在运行：再列一遍本地文件，核对数据库记录后切换');
    let settled = false;
    for (let round = 0; round < SETTLE_ROUNDS && !settled && result.failed.length === 0; round++)
      settled = await copyNew();
    if (result.failed.length > 0) return result;
    if (!settled) {
      result.botRunning = '复制期间仍不断有新文件写入';
      return result;
    }
    await o.progress?.('已无新文件：核对数据库记录的文件是否都在对象存储里');
    const missing = await unverifiedKeys(gate.database.db, journal);
    const files = missing.filter((m) => m.kind === 'file');
    if (files.length > 0) {
      result.missing = await Promise.all(
        files.map(async (m) => ({ key: m.key, local: await source.exists(m.key).catch(() => false) })),
      );
      return result;
    }
    const thumbs = missing.filter((m) => m.kind === 'thumbnail').map((m) => m.key);
    if (thumbs.length > 0)
      result.thumbnailsCleared = {
        thumbnails: thumbs.length,
        materials: await clearThumbnails(gate.database.db, thumbs, new Date()),
      };
    const marker = join(root, MOVED_MARKER);
    await writeFile(
      marker,
      `${JSON.stringify({ to: s3TargetName(o.s3), files: result.files, thumbnails: result.thumbnails, at: new Date().toISOString() }, null, 2)}\n`,
    );
    // A write already past its check of the marker (PostgreSQL, a bot we could not see) lands now.
    await copyNew();
    if (result.failed.length > 0) {
      await unlink(marker);
      return result;
    }
    result.switched = true;
    return result;
  } finally {
    await gate.database.close();
  }
}

async function listLocal(source: LocalBlobStore): Promise<{ keys: string[]; thumbs: string[] }> {
  const keys: string[] = [];
  for await (const page of source.listBlobs()) keys.push(...page);
  const thumbs: string[] = [];
  for await (const page of source.listDerived()) thumbs.push(...page);
  return { keys, thumbs };
}

/**
 * The database, unless the bot is running. PGlite: the data-folder lock the bot holds while it runs
 * (taken here, so the bot cannot start until the database is closed). PostgreSQL: runningBotOnPostgres.
 */
async function openUnlessRunning(o: {
  dataDir: string;
  databaseUrl?: string;
  bot: { host: string; port: number; worker: { leaseSeconds: number } };
}): Promise<{ database: Database } | { running: string }> {
  let database: Database;
  try {
    database = await openDb({ dataDir: o.dataDir, databaseUrl: o.databaseUrl, maxConnections: 2 });
  } catch (err) {
    if (err instanceof AppError && err.code === 'data_dir_locked')
      return { running: '内置数据库正被机器人使用（数据目录已加锁）' };
    throw err;
  }
  try {
    await migrate(database, o.databaseUrl);
    const running = database.kind === 'postgres' ? await runningBotOnPostgres(database.db, o.bot) : undefined;
    if (running === undefined) return { database };
    await database.close();
    return { running };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** Keys the database names (blobs, materials, thumbnails) that the journal does not hold. */
async function unverifiedKeys(
  db: Db,
  journal: Set<string>,
): Promise<{ key: string; kind: 'file' | 'thumbnail' }[]> {
  const rows = await queryRows<{ key: string; kind: 'file' | 'thumbnail' }>(
    db,
    sql`select storage_key as key, 'file' as kind from blobs
        union select storage_key, 'file' from materials where storage_key is not null
        union select thumbnail_key, 'thumbnail' from materials where thumbnail_key is not null`,
  );
  return rows.filter((r) => !journal.has(r.key)).sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * Materials whose thumbnail is not in the bucket: thumbnail_key cleared and a make-thumbnail job
 * queued for each (as the capture path queues it; keyed apart from that first job, which may still be
 * kept as done), in one transaction. Returns how many materials.
 */
async function clearThumbnails(db: Db, keys: string[], now: Date): Promise<number> {
  let count = 0;
  await db.transaction(async (tx) => {
    for (let i = 0; i < keys.length; i += 1000) {
      const ids = await tx
        .update(materials)
        .set({ thumbnailKey: null })
        .where(inArray(materials.thumbnailKey, keys.slice(i, i + 1000)))
        .returning({ id: materials.id });
      for (let j = 0; j < ids.length; j += 1000)
        await enqueueJobs(
          tx,
          ids.slice(j, j + 1000).map(({ id }) => ({
            type: MAKE_THUMBNAIL_JOB,
            key: `${id}:remake`,
            payload: { materialId: id },
            runAt: now,
          })),
          now,
        );
      count += ids.length;
    }
  });
  return count;
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
    throw new AppError('migrate_key_mismatch', `${key} 在对象存储里存成了 ${c.storageKey}，与原件不符`);
  await pipeline(target.openRead(key), sink());
}

/** A thumbnail (named by its original's hash, not its own): copied, read back byte for byte. */
async function copyDerived(source: LocalBlobStore, target: S3BlobStore, key: string): Promise<void> {
  const bytes = await readFile(source.pathOf(key));
  await target.putDerived(key, bytes);
  const back = createHash('sha256');
  await pipeline(target.openRead(key), sink(back));
  if (back.digest('hex') !== createHash('sha256').update(bytes).digest('hex'))
    throw new AppError('migrate_verify_failed', `${key} 从对象存储读回的内容与本地的不同`);
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
