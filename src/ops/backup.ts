import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { fromPglite, openPostgres, type Db } from '../db/client.js';
import { lockDataDir } from '../db/lock-data-dir.js';
import { appliedMigrations, type AppliedMigrations } from '../db/migration-state.js';
import { libpqConnection } from '../child-environment.js';
import { AppError, errorMessage } from '../errors.js';
import type { BlobStore } from '../ports/blob-store.js';
import { APP_VERSION } from '../version.js';
import { listFiles, writeManifest } from './backup-manifest.js';
import { BLOB_LIST, copyStoreFiles, writeBlobList } from './backup-object-store.js';

/** backup.json: what a backup holds, read by restore before anything is written. */
export interface BackupInfo {
  /** 2: the files are not in the backup, they stay in the object store (older programs refuse it). */
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
 * snapshot while the bot runs), then the stored files (DATA_DIR/files copied; an object store's
 * blobs listed, or copied with `includeFiles`), then backup.json and a SHA-256 manifest.
 * The database comes first: every file a dumped row names is already stored when it is copied or listed.
 */
export async function backupData(input: BackupInput): Promise<BackupInfo> {
  if (existsSync(input.out) && (await readdir(input.out)).length > 0)
    throw new AppError(
      'backup_out_not_empty',
      `备份目录 ${input.out} 不是空的：请换一个新目录（备份不覆盖已有内容）`,
    );
  await mkdir(join(input.out, 'database'), { recursive: true });
  const migrations = input.databaseUrl
    ? await dumpPostgres(input.databaseUrl, join(input.out, POSTGRES_DUMP))
    : await dumpPglite(join(input.dataDir, 'pglite'), join(input.out, PGLITE_DUMP));
  const store = input.objectStore;
  const { files, bytes } = store
    ? await backupObjectStore(store.blobs, input.out, input.includeFiles ?? false)
    : await copyStoredFiles(join(input.dataDir, 'files'), join(input.out, 'files'));
  const listedOnly = store !== undefined && !input.includeFiles;
  const info: BackupInfo = {
    format: listedOnly ? 2 : 1,
    version: APP_VERSION,
    createdAt: input.now.toISOString(),
    database: input.databaseUrl ? 'postgres' : 'pglite',
    migrations,
    files,
    bytes,
    ...(store ? { store: { kind: 's3', name: store.name, filesIncluded: !listedOnly } } : {}),
  };
  await writeFile(join(input.out, BACKUP_INFO), `${JSON.stringify(info, null, 2)}\n`);
  await writeManifest(input.out);
  return info;
}

async function dumpPglite(dir: string, file: string): Promise<AppliedMigrations> {
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
      const migrations = await appliedMigrations(fromPglite(client).db);
      const dump = await client.dumpDataDir('gzip');
      await writeFile(file, Buffer.from(await dump.arrayBuffer()));
      return migrations;
    } finally {
      await client.close();
    }
  } finally {
    await release();
  }
}

async function dumpPostgres(url: string, file: string): Promise<AppliedMigrations> {
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
  return migrations;
}

/**
 * An object store's files: by default listed (BLOB_LIST; the bucket keeps them, with its own
 * replication or versioning), with `includeFiles` copied through the port into files/ (verified;
 * a damaged or vanished object fails the backup, naming every one).
 */
async function backupObjectStore(
  blobs: BlobStore,
  out: string,
  includeFiles: boolean,
): Promise<{ files: number; bytes: number }> {
  if (!includeFiles) return { files: await writeBlobList(blobs, join(out, BLOB_LIST)), bytes: 0 };
  const r = await copyStoreFiles(blobs, join(out, 'files'));
  if (r.damaged.length > 0)
    throw new AppError(
      'backup_store_damaged',
      `备份未完成：存储桶里 ${r.damaged.length} 个文件已损坏或不见了（npm run verify 可查出对应的件）：\n${r.damaged
        .slice(0, 20)
        .map((k) => `  - ${k}`)
        .join('\n')}`,
    );
  return r;
}

/** Copies DATA_DIR/files (but writes in progress, tmp/). */
async function copyStoredFiles(from: string, to: string): Promise<{ files: number; bytes: number }> {
  if (!existsSync(from)) return { files: 0, bytes: 0 };
  let files = 0;
  let bytes = 0;
  for (const rel of await listFiles(from)) {
    if (rel.startsWith('tmp/')) continue;
    const target = join(to, rel);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(from, rel), target);
    files += 1;
    bytes += (await stat(target)).size;
  }
  return { files, bytes };
}
