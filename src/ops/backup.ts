import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
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
import { writeManifest } from './backup-manifest.js';
import { readSide, SourceReadError } from './source-read.js';
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
  /**
   * Files the database records that were damaged or missing when the backup was made: left out of the
   * backup (and of its blob list), listed in DAMAGED.txt too. Absent: none (and in older backups).
   */
  damaged?: DamagedFile[];
}

/** A file left out of a backup: its key, why (zh-CN), and the ids of the materials stored in it. */
export interface DamagedFile {
  key: string;
  reason: string;
  materials: number[];
}

export const BACKUP_INFO = 'backup.json';
export const PGLITE_DUMP = 'database/pglite.tar.gz';
export const POSTGRES_DUMP = 'database/postgres.dump';
/** In a backup that left out damaged or missing files: one line per file (BackupInfo.damaged). */
export const DAMAGED_LIST = 'DAMAGED.txt';

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
 * listed, and every row of `blobs` must find its file there at the recorded size.
 *
 * A damaged, missing or short file does not stop the backup (the database and every other file are
 * still backed up, night after night): it is left out and named, with the materials stored in it, in
 * DAMAGED.txt and `damaged` of backup.json; the caller warns. Any other failure removes what this
 * backup wrote (the folder, if it made it; else what it put in the empty folder).
 */
export async function backupData(input: BackupInput): Promise<BackupInfo> {
  if (existsSync(input.out) && (await readdir(input.out)).length > 0)
    throw new AppError(
      'backup_out_not_empty',
      `备份目录 ${input.out} 不是空的：请换一个新目录（备份不覆盖已有内容）`,
    );
  const made = await mkdir(input.out, { recursive: true });
  try {
    return await writeBackup(input);
  } catch (err) {
    // The folder was empty (or not there): everything in it is this backup's.
    try {
      if (made) await rm(made, { recursive: true, force: true });
      else
        for (const e of await readdir(input.out))
          await rm(join(input.out, e), { recursive: true, force: true });
    } catch (rmErr) {
      throw new AppError(
        'backup_failed',
        `${errorMessage(err)}\n没有写完的备份目录 ${input.out} 没能删除（${errorMessage(rmErr)}）：它不是备份，可以删除`,
        { cause: err },
      );
    }
    throw err;
  }
}

async function writeBackup(input: BackupInput): Promise<BackupInfo> {
  await mkdir(join(input.out, 'database'), { recursive: true });
  const afterDump = async ({ migrations, blobRows }: Dumped, db: Db): Promise<BackupInfo> => {
    const store = input.objectStore;
    const filesDir = join(input.dataDir, 'files');
    if (!store && blobRows.size > 0 && !existsSync(filesDir))
      throw new AppError(
        'backup_no_files',
        `备份未完成：文件目录 ${filesDir} 不存在，而数据库记录了 ${blobRows.size} 个文件：请检查 DATA_DIR 是否指向机器人的数据目录（文件在存储桶时要设置 BLOB_STORE=s3 和 S3_*）`,
      );
    const copied = store
      ? await backupObjectStore(store.blobs, input.out, input.includeFiles ?? false, blobRows)
      : await copyStoredFiles(filesDir, join(input.out, 'files'));
    const found = [...copied.damaged, ...unmatchedRows(blobRows, copied.sizes, copied.damaged)].sort(
      (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    const damaged = await withMaterials(db, found);
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
      ...(damaged.length > 0 ? { damaged } : {}),
    };
    if (damaged.length > 0) await writeFile(join(input.out, DAMAGED_LIST), damagedListText(damaged));
    await writeFile(join(input.out, BACKUP_INFO), `${JSON.stringify(info, null, 2)}\n`);
    await writeManifest(input.out, copied.hashes);
    // The backup often goes to a disk that is unplugged (or a machine switched off) as soon as the
    // command says it is done.
    await flushToDisk(input.out);
    return info;
  };
  return input.databaseUrl
    ? dumpPostgres(input.databaseUrl, join(input.out, POSTGRES_DUMP), afterDump)
    : dumpPglite(join(input.dataDir, 'pglite'), join(input.out, PGLITE_DUMP), afterDump);
}

/** DAMAGED.txt: a header, then `key<TAB>why<TAB>材料 id、id` per left-out file. */
function damagedListText(damaged: DamagedFile[]): string {
  const header =
    '# 备份时已损坏或不见了的文件，没有进入这个备份（其余内容完整）。每行：存储键、原因、存在其中的材料 id。\n' +
    '# 用 npm run verify 查出对应的件；文件可从更早的备份、存储桶的旧版本或原始飞书消息找回。\n';
  return (
    header +
    damaged
      .map(
        (d) => `${d.key}\t${d.reason}\t${d.materials.length > 0 ? `材料 ${d.materials.join('、')}` : '-'}\n`,
      )
      .join('')
  );
}

/** The ids of the materials stored in each left-out file (a thumbnail's key names none). */
async function withMaterials(db: Db, found: Omit<DamagedFile, 'materials'>[]): Promise<DamagedFile[]> {
  const byKey = new Map<string, number[]>();
  const keys = found.map((d) => d.key);
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('materials') is not null as present`,
  );
  for (let i = 0; exists?.present && i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    for (const r of await queryRows<{ id: number; key: string }>(
      db,
      sql`select id::float8 as id, storage_key as key from materials
          where storage_key in (${sql.join(
            chunk.map((k) => sql`${k}`),
            sql`, `,
          )}) order by id`,
    ))
      byKey.set(r.key, [...(byKey.get(r.key) ?? []), Number(r.id)]);
  }
  return found.map((d) => ({ ...d, materials: byKey.get(d.key) ?? [] }));
}

/** What the store holds of the files: counts, blob key -> size, and the files found damaged. */
interface StoredFiles {
  files: number;
  bytes: number;
  sizes: Map<string, number>;
  damaged: Omit<DamagedFile, 'materials'>[];
  /** Manifest lines already known (`files/…` -> SHA-256): a verified blob's hash is its name. */
  hashes?: Map<string, string>;
}

/** The rows of `blobs` whose file is not in `sizes` at the recorded size (but those already named damaged). */
function unmatchedRows(
  rows: Map<string, number>,
  sizes: Map<string, number>,
  damaged: { key: string }[],
): Omit<DamagedFile, 'materials'>[] {
  const named = new Set(damaged.map((d) => d.key));
  const out: Omit<DamagedFile, 'materials'>[] = [];
  for (const [key, expected] of rows) {
    if (named.has(key)) continue;
    const size = sizes.get(key);
    if (size === undefined) out.push({ key, reason: `不见了，数据库记录 ${expected} 字节` });
    else if (size !== expected) out.push({ key, reason: `${size} 字节，数据库记录 ${expected} 字节` });
  }
  return out;
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

async function dumpPglite<T>(dir: string, file: string, then: (d: Dumped, db: Db) => Promise<T>): Promise<T> {
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
      // The rest of the backup runs with the database still open (and locked): the materials of a
      // damaged file are looked up in it.
      return await then({ migrations, blobRows: await blobRowsOf(db) }, db);
    } finally {
      await client.close();
    }
  } finally {
    await release();
  }
}

async function dumpPostgres<T>(
  url: string,
  file: string,
  then: (d: Dumped, db: Db) => Promise<T>,
): Promise<T> {
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
    return await then({ migrations, blobRows: await blobRowsOf(after.db as Db) }, after.db as Db);
  } finally {
    await after.close();
  }
}

/**
 * An object store's files: by default listed with their sizes (BLOB_LIST, BLOB_SIZES; the bucket
 * keeps them, with its own replication or versioning), with `includeFiles` copied through the port
 * into files/ (verified; a damaged or vanished object is named).
 */
async function backupObjectStore(
  blobs: BlobStore,
  out: string,
  includeFiles: boolean,
  rows: Map<string, number>,
): Promise<StoredFiles> {
  if (!includeFiles) {
    const sizes = await storeBlobSizes(blobs);
    // An object not of its recorded size (a stub) is left out of the list: restore checks the list.
    const bad = new Set(unmatchedRows(rows, sizes, []).map((d) => d.key));
    const listed = new Map([...sizes].filter(([key]) => !bad.has(key)));
    return { files: await writeBlobList(listed, out), bytes: 0, sizes, damaged: [] };
  }
  const r = await copyStoreFiles(blobs, join(out, 'files'));
  return { ...r, damaged: r.damaged.map((key) => ({ key, reason: '已损坏或不见了' })) };
}

/**
 * Copies DATA_DIR/files (but writes in progress, tmp/). A blob is read through the stores' verified
 * read (its bytes must hash to its name): a damaged one is left out and named, never copied with a
 * manifest line computed from the damaged copy.
 */
async function copyStoredFiles(from: string, to: string): Promise<StoredFiles> {
  const result: StoredFiles = { files: 0, bytes: 0, sizes: new Map(), damaged: [], hashes: new Map() };
  if (!existsSync(from)) return result;
  for (const rel of await listStoredFiles(from)) {
    if (rel.startsWith('tmp/')) continue;
    const target = join(to, rel);
    await mkdir(dirname(target), { recursive: true });
    const sha256 = sha256OfBlobKey(rel);
    if (sha256) {
      try {
        await pipeline(
          readSide(() => verifyBlob(rel, createReadStream(join(from, rel)))),
          createWriteStream(target, { flags: 'wx', mode: BLOB_MODE }),
        );
      } catch (err) {
        await rm(target, { force: true });
        // Only the source's errors (damaged, unreadable, vanished) name the file; the target's
        // (ENOSPC, EACCES on the backup folder) fail the backup.
        if (!(err instanceof SourceReadError)) throw err;
        const reason =
          err.cause instanceof BlobDamagedError
            ? `已损坏：${(await stat(join(from, rel))).size} 字节，内容与文件名的 SHA-256 不符`
            : `读取失败：${errorMessage(err.cause)}`;
        result.damaged.push({ key: rel, reason });
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

/** DATA_DIR/files' files and symlinks (a symlinked blob whose target is gone is read, and named). */
async function listStoredFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}
