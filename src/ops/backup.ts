import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { flushToDisk } from '../archive/flush-to-disk.js';
import { fromPglite, openPostgres, queryRows, type Db } from '../db/client.js';
import { lockDataDir } from '../db/lock-data-dir.js';
import { appliedMigrations, type AppliedMigrations } from '../db/migration-state.js';
import { libpqConnection } from '../child-environment.js';
import { AppError, errorMessage } from '../errors.js';
import { BlobDamagedError, sha256OfBlobKey, type BlobStore } from '../ports/blob-store.js';
import { verifyBlob } from '../storage/verified-read.js';
import { APP_VERSION } from '../version.js';
import { listFiles, writeManifest } from './backup-manifest.js';
import { BLOB_MODE, copyStoreFiles, storeBlobSizes, writeBlobList } from './backup-object-store.js';

/** backup.json: what a backup holds, read by restore before anything is written. */
export interface BackupInfo {
  /**
   * 2: the files are not in the backup, they stay in the object store (older programs refuse it);
   * listed in blobs-sha256.txt, with their sizes in blobs-size.txt (added within format 2: a format 2
   * backup without it is restored on its keys alone, and older programs ignore the file).
   */
  format: 1 | 2;
  version: string;
  createdAt: string;
  database: 'pglite' | 'postgres';
  migrations: AppliedMigrations;
  files: number;
  bytes: number;
  /** Set when the files were in an object store (BLOB_STORE=s3); absent: DATA_DIR/files. */
  store?: { kind: 's3'; name: string; filesIncluded: boolean };
}

export const BACKUP_INFO = 'backup.json';
export const PGLITE_DUMP = 'database/pglite.tar.gz';
export const POSTGRES_DUMP = 'database/postgres.dump';

export interface BackupInput {
  dataDir: string;
  databaseUrl?: string;
  out: string;
  now: Date;
  /** The configured store when it is an object store (BLOB_STORE=s3), and a name for it. */
  objectStore?: { blobs: BlobStore; name: string };
  /** Object store only: copy every file into the backup (else only list the blobs). */
  includeFiles?: boolean;
}

/**
 * Writes a backup folder: the database (PGlite: its own dump of the data folder, taken while this
 * process holds the folder lock, so the bot must be stopped; PostgreSQL: `pg_dump`, a consistent
 * snapshot while the bot runs), then the stored files (DATA_DIR/files copied, each blob checked
 * against its hash as it is copied; an object store's blobs listed with their sizes, or copied with
 * `includeFiles`, verified), then backup.json and a SHA-256 manifest, and flushes it all to its disk.
 * The database comes first: every file a dumped row names is already stored when it is copied or
 * listed, and every row of `blobs` must find its file there at the recorded size. A damaged, missing
 * or short file fails the backup naming every one, before backup.json and the manifest are written:
 * a folder without them is no backup (restore refuses it).
 */
export async function backupData(input: BackupInput): Promise<BackupInfo> {
  if (existsSync(input.out) && (await readdir(input.out)).length > 0)
    throw new AppError(
      'backup_out_not_empty',
      `备份目录 ${input.out} 不是空的：请换一个新目录（备份不覆盖已有内容）`,
    );
  await mkdir(join(input.out, 'database'), { recursive: true });
  const { migrations, blobRows } = input.databaseUrl
    ? await dumpPostgres(input.databaseUrl, join(input.out, POSTGRES_DUMP))
    : await dumpPglite(join(input.dataDir, 'pglite'), join(input.out, PGLITE_DUMP));
  const store = input.objectStore;
  const copied = store
    ? await backupObjectStore(store.blobs, input.out, input.includeFiles ?? false)
    : await copyStoredFiles(join(input.dataDir, 'files'), join(input.out, 'files'));
  const problems = [...copied.damaged, ...unmatchedRows(blobRows, copied.sizes, copied.damaged)];
  if (problems.length > 0)
    throw new AppError(
      'backup_store_damaged',
      `备份未完成：${store ? '存储桶' : '文件存储'}里 ${problems.length} 个文件已损坏或不见了（npm run verify 可查出对应的件）：\n${problems
        .slice(0, 20)
        .map((k) => `  - ${k}`)
        .join('\n')}${problems.length > 20 ? `\n  …（共 ${problems.length} 个）` : ''}`,
    );
  const listedOnly = store !== undefined && !input.includeFiles;
  const info: BackupInfo = {
    format: listedOnly ? 2 : 1,
    version: APP_VERSION,
    createdAt: input.now.toISOString(),
    database: input.databaseUrl ? 'postgres' : 'pglite',
    migrations,
    files: copied.files,
    bytes: copied.bytes,
    ...(store ? { store: { kind: 's3', name: store.name, filesIncluded: !listedOnly } } : {}),
  };
  await writeFile(join(input.out, BACKUP_INFO), `${JSON.stringify(info, null, 2)}\n`);
  await writeManifest(input.out, copied.hashes);
  // The backup often goes to a disk that is unplugged (or a machine switched off) as soon as the
  // command says it is done.
  await flushToDisk(input.out);
  return info;
}

/** What the store holds of the files: counts, blob key -> size, and the keys found damaged (`key（why）`). */
interface StoredFiles {
  files: number;
  bytes: number;
  sizes: Map<string, number>;
  damaged: string[];
  /** Manifest lines already known (`files/…` -> SHA-256): a verified blob's hash is its name. */
  hashes?: Map<string, string>;
}

/** The rows of `blobs` whose file is not in `sizes` at the recorded size (but those already named damaged). */
function unmatchedRows(rows: Map<string, number>, sizes: Map<string, number>, damaged: string[]): string[] {
  const named = new Set(damaged.map((d) => d.replace(/（.*$/, '')));
  const out: string[] = [];
  for (const [key, expected] of rows) {
    if (named.has(key)) continue;
    const size = sizes.get(key);
    if (size === undefined) out.push(`${key}（不见了，数据库记录 ${expected} 字节）`);
    else if (size !== expected) out.push(`${key}（${size} 字节，数据库记录 ${expected} 字节）`);
  }
  return out.sort();
}

/** Every row of `blobs`: storage key -> recorded size (none before the table existed). */
async function blobRowsOf(db: Db): Promise<Map<string, number>> {
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('blobs') is not null as present`,
  );
  const rows = new Map<string, number>();
  if (!exists?.present) return rows;
  for (const r of await queryRows<{ key: string; size: number }>(
    db,
    sql`select storage_key as key, size_bytes::float8 as size from blobs`,
  ))
    rows.set(r.key, Number(r.size));
  return rows;
}

interface Dumped {
  migrations: AppliedMigrations;
  blobRows: Map<string, number>;
}

async function dumpPglite(dir: string, file: string): Promise<Dumped> {
  if (!existsSync(dir)) throw new AppError('backup_no_database', `${dir} 里没有数据库，没有可备份的内容`);
  const release = await lockDataDir(dir).catch((err) => {
    if (err instanceof AppError && err.code === 'data_dir_locked')
      throw new AppError(
        'data_dir_locked',
        `数据库 ${dir} 正在被使用：请先停止机器人（systemctl stop archive-bot），再备份`,
      );
    throw err;
  });
  try {
    const client = await PGlite.create(dir);
    try {
      const { db } = fromPglite(client);
      const migrations = await appliedMigrations(db);
      const dump = await client.dumpDataDir('gzip');
      await writeFile(file, Buffer.from(await dump.arrayBuffer()));
      return { migrations, blobRows: await blobRowsOf(db) };
    } finally {
      await client.close();
    }
  } finally {
    await release();
  }
}

async function dumpPostgres(url: string, file: string): Promise<Dumped> {
  const database = openPostgres(url, 1);
  let migrations: AppliedMigrations;
  try {
    migrations = await appliedMigrations(database.db as Db);
  } finally {
    await database.close();
  }
  const conn = libpqConnection(url);
  const res = spawnSync(
    'pg_dump',
    ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${conn.dbname}`],
    {
      encoding: 'utf8',
      env: conn.env,
    },
  );
  if (res.error)
    throw new AppError(
      'pg_dump_missing',
      `找不到 pg_dump（${errorMessage(res.error)}）：请安装与数据库服务器同版本的 PostgreSQL 客户端工具（Debian: apt-get install postgresql-client）`,
    );
  if (res.status !== 0) throw new AppError('pg_dump_failed', `pg_dump 失败：${res.stderr.trim()}`);
  // Read after the dump: every row it holds is here (rows are never deleted; the bot may add more).
  const after = openPostgres(url, 1);
  try {
    return { migrations, blobRows: await blobRowsOf(after.db as Db) };
  } finally {
    await after.close();
  }
}

/**
 * An object store's files: by default listed with their sizes (BLOB_LIST, BLOB_SIZES; the bucket
 * keeps them, with its own replication or versioning), with `includeFiles` copied through the port
 * into files/ (verified; a damaged or vanished object is named).
 */
async function backupObjectStore(blobs: BlobStore, out: string, includeFiles: boolean): Promise<StoredFiles> {
  if (!includeFiles) {
    const sizes = await storeBlobSizes(blobs);
    return { files: await writeBlobList(sizes, out), bytes: 0, sizes, damaged: [] };
  }
  const r = await copyStoreFiles(blobs, join(out, 'files'));
  return { ...r, damaged: r.damaged.map((k) => `${k}（已损坏或不见了）`) };
}

/**
 * Copies DATA_DIR/files (but writes in progress, tmp/). A blob is read through the stores' verified
 * read (its bytes must hash to its name): a damaged one is left out and named, never copied with a
 * manifest line computed from the damaged copy.
 */
async function copyStoredFiles(from: string, to: string): Promise<StoredFiles> {
  const result: StoredFiles = { files: 0, bytes: 0, sizes: new Map(), damaged: [], hashes: new Map() };
  if (!existsSync(from)) return result;
  for (const rel of await listFiles(from)) {
    if (rel.startsWith('tmp/')) continue;
    const target = join(to, rel);
    await mkdir(dirname(target), { recursive: true });
    const sha256 = sha256OfBlobKey(rel);
    if (sha256) {
      try {
        await pipeline(
          verifyBlob(rel, createReadStream(join(from, rel))),
          createWriteStream(target, { flags: 'wx', mode: BLOB_MODE }),
        );
      } catch (err) {
        await rm(target, { force: true });
        if (!(err instanceof BlobDamagedError)) throw err;
        const size = (await stat(join(from, rel))).size;
        result.damaged.push(`${rel}（已损坏：${size} 字节，内容与文件名的 SHA-256 不符）`);
        continue;
      }
      result.hashes!.set(`files/${rel}`, sha256);
    } else await copyFile(join(from, rel), target);
    const size = (await stat(target)).size;
    result.files += 1;
    result.bytes += size;
    if (sha256) result.sizes.set(rel, size);
  }
  return result;
}
