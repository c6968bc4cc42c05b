import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { openPostgres, queryRows } from '../db/client.js';
import { lockDataDir } from '../db/lock-data-dir.js';
import { bundledMigrations, compareSchema } from '../db/migration-state.js';
import { flushToDisk } from '../archive/flush-to-disk.js';
import { libpqConnection, toolEnvironment } from '../child-environment.js';
import { AppError, errorMessage } from '../errors.js';
import { identityText, isGone, parseIdentity, selfIdentity } from '../process-identity.js';
import { sha256OfBlobKey, type BlobStore } from '../ports/blob-store.js';
import { BACKUP_INFO, PGLITE_DUMP, POSTGRES_DUMP, type BackupInfo } from './backup.js';
import { listFiles, MANIFEST, sha256File, verifyManifest } from './backup-manifest.js';
import { missingFromStore } from './backup-object-store.js';
import {
  readRestoreMarker,
  removeRestoreMarker,
  RESTORE_MARKER,
  unfinishedRestoreText,
  writeRestoreMarker,
  type DumpObject,
  type RestoreMarker,
} from './restore-marker.js';

export interface RestoreInput {
  from: string;
  dataDir: string;
  databaseUrl?: string;
  /** The configured store when it is an object store (BLOB_STORE=s3). */
  objectStore?: { blobs: BlobStore; name: string };
}

/**
 * Restores a backup folder into an empty data folder (and, for a PostgreSQL backup, an empty
 * database). Everything is checked before anything is written: the manifest (every file's SHA-256),
 * the schema (not newer than this program's migrations), the kind of database, the empty target.
 * Older schemas are fine: the bot migrates them at its next start.
 *
 * Before the first write, DATA_DIR/RESTORE-INCOMPLETE records what this restore is about to create; it
 * is removed only after every file is copied, verified against the manifest and flushed. A restore
 * that dies part-way (killed, power cut) leaves it: the bot refuses to start, and the next restore into
 * the folder first removes exactly what the marker names (on PostgreSQL the objects the dump created).
 * A failure this restore catches removes what it wrote at once.
 */
export async function restoreData(input: RestoreInput): Promise<BackupInfo> {
  const info = await readInfo(input.from);
  const problems = await verifyManifest(input.from);
  if (problems.length > 0)
    throw new AppError(
      'backup_damaged',
      `备份已损坏，什么也没有恢复：\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  const schema = compareSchema(info.migrations, bundledMigrations());
  if (schema.kind === 'newer')
    throw new AppError(
      'backup_newer_schema',
      `备份来自更新版本的程序（数据库已有 ${schema.applied} 个迁移，本程序只认识 ${schema.known} 个）：请先安装新版本，再恢复`,
    );
  if (info.database === 'pglite' && input.databaseUrl)
    throw new AppError('backup_kind', '这是内置数据库（PGlite）的备份：恢复时不要设置 DATABASE_URL');
  if (info.database === 'postgres' && !input.databaseUrl)
    throw new AppError('backup_kind', '这是 PostgreSQL 的备份：请设置 DATABASE_URL（一个空数据库）再恢复');
  const unfinished = readRestoreMarker(input.dataDir);
  if (unfinished === 'unreadable')
    throw new AppError(
      'restore_marker_unreadable',
      `${unfinishedRestoreText(input.dataDir, unfinished)}，不知道它写了什么：请手动检查并清空数据目录${input.databaseUrl ? '和数据库' : ''}，再恢复`,
    );
  const holder = unfinished?.by ? parseIdentity(unfinished.by) : undefined;
  if (holder && holder.host === hostname() && !isGone(holder))
    throw new AppError(
      'restore_in_progress',
      `${unfinishedRestoreText(input.dataDir, unfinished!)}，它的进程 ${holder.pid} 还在运行：请等它结束（或停止它）再恢复`,
    );
  const target = input.databaseUrl ? databaseTarget(input.databaseUrl) : undefined;
  const earlierDb = unfinished?.created.database;
  if (earlierDb && earlierDb.target !== target)
    throw new AppError(
      'restore_marker_other_database',
      `${unfinishedRestoreText(input.dataDir, unfinished!)}，那次写入了 PostgreSQL 数据库 ${earlierDb.target}：请让 DATABASE_URL 指向它，用 PostgreSQL 备份再恢复（会先清除那次写入的内容）`,
    );
  await refuseNonEmptyDir(input.dataDir, unfinished ? [RESTORE_MARKER, ...unfinished.created.entries] : []);
  if (input.databaseUrl && !earlierDb) await refuseNonEmptyDatabase(input.databaseUrl);
  await checkFilesTarget(input, info);
  const dump = join(input.from, info.database === 'pglite' ? PGLITE_DUMP : POSTGRES_DUMP);
  const objects = input.databaseUrl ? dumpObjects(dump) : [];

  if (unfinished) {
    await undo(input, unfinished, 'retry');
    if (input.databaseUrl) await refuseNonEmptyDatabase(input.databaseUrl);
  }
  const files = join(input.from, 'files');
  const hasFiles = existsSync(files);
  const marker: RestoreMarker = {
    from: resolve(input.from),
    startedAt: new Date().toISOString(),
    by: identityText(selfIdentity()),
    backup: { createdAt: info.createdAt, version: info.version, database: info.database },
    created: {
      dataDir: unfinished ? unfinished.created.dataDir : !existsSync(input.dataDir),
      entries: [
        ...(info.database === 'pglite' ? ['pglite', 'pglite.lock', 'pglite.owner'] : []),
        ...(hasFiles ? ['files'] : []),
      ],
      ...(target ? { database: { target, objects, loaded: false } } : {}),
    },
  };
  await mkdir(input.dataDir, { recursive: true });
  await writeRestoreMarker(input.dataDir, marker);
  try {
    if (info.database === 'pglite') await loadPglite(dump, join(input.dataDir, 'pglite'));
    else {
      pgRestore(dump, input.databaseUrl!);
      // pg_restore committed (one transaction): from now on the database holds what this restore made.
      marker.created.database!.loaded = true;
      await writeRestoreMarker(input.dataDir, marker);
    }
    if (hasFiles) await copyFiles(input.from, join(input.dataDir, 'files'));
    await flushToDisk(input.dataDir);
  } catch (err) {
    throw await undoAfterFailure(input, marker, err);
  }
  await removeRestoreMarker(input.dataDir);
  return info;
}

/**
 * Copies files/ from the backup, each copy read back and checked against the manifest's SHA-256 (the
 * backup's files were checked before anything was written).
 */
async function copyFiles(from: string, to: string): Promise<void> {
  const expected = new Map<string, string>();
  for (const line of (await readFile(join(from, MANIFEST), 'utf8')).split('\n')) {
    const m = /^([0-9a-f]{64}) {2}files\/(.+)$/.exec(line);
    if (m) expected.set(m[2]!, m[1]!);
  }
  for (const rel of await listFiles(join(from, 'files'))) {
    const target = join(to, rel);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(from, 'files', rel), target);
    // A blob is read-only in the store (as LocalBlobStore places it), whatever mode the backup's copy has.
    if (sha256OfBlobKey(rel)) await chmod(target, 0o444);
    if ((await sha256File(target)) !== expected.get(rel))
      throw new AppError('restore_copy_damaged', `复制后的文件与清单不符：files/${rel}`);
  }
}

/**
 * A failure this restore caught: what it wrote is removed (the target was empty before) and the
 * marker with it; the error says so. When the undoing fails too, the marker stays (the bot will not
 * start, and the next restore starts over).
 */
async function undoAfterFailure(input: RestoreInput, marker: RestoreMarker, err: unknown): Promise<Error> {
  const reason = errorMessage(err);
  try {
    await undo(input, marker);
    await removeRestoreMarker(input.dataDir);
    if (marker.created.dataDir) await rmdir(input.dataDir);
  } catch (undoErr) {
    return new AppError(
      'restore_failed',
      `恢复失败：${reason}\n撤销这次恢复写入的内容也失败了（${errorMessage(undoErr)}）：${RESTORE_MARKER} 留在数据目录里，机器人不会启动；问题解决后重新运行恢复即可（会先清除那次写入的内容）`,
      { cause: err },
    );
  }
  return new AppError(
    'restore_failed',
    `恢复失败：${reason}\n这次恢复写入的内容已经清除，数据目录${input.databaseUrl ? '和数据库' : ''}回到了恢复前的样子`,
    { cause: err },
  );
}

/**
 * Removes what `marker` says its restore created: entries of DATA_DIR, the objects its dump made. A
 * failure this restore caught drops them only once pg_restore committed (`loaded`; before that it
 * rolled back, and an object of that name in the database is not ours). On a `retry` after a restore
 * that died, `loaded: false` may only mean it died between pg_restore's commit and rewriting the marker:
 * the database had no tables before that restore's load, so tables there now may be its load: the
 * dump's objects are dropped (`if exists`) only when every table there is one the dump creates; a
 * table it does not (someone's migrations or bot since) makes the retry refuse, dropping nothing.
 */
async function undo(
  input: RestoreInput,
  marker: RestoreMarker,
  when: 'caught' | 'retry' = 'caught',
): Promise<void> {
  const database = marker.created.database;
  let drop = database !== undefined && input.databaseUrl !== undefined && database.loaded;
  if (database && input.databaseUrl && !database.loaded && when === 'retry') {
    const tables = await tablesIn(input.databaseUrl);
    // Tables the dump does not create are someone else's (migrations, another bot run since): the
    // dump's objects are dropped only when every table there is one of them.
    const ours = new Set(
      database.objects.filter((o) => TABLE_KINDS.includes(o.kind)).map((o) => `${o.schema}.${o.name}`),
    );
    const others = tables.filter((t) => !ours.has(t));
    if (others.length > 0)
      throw new AppError(
        'restore_target_not_empty',
        `DATABASE_URL 指向的数据库不是空的：除了上次没有完成的恢复可能写入的表，还有 ${others.length} 张别的表（${others.slice(0, 5).join('、')}${others.length > 5 ? '…' : ''}），不是这个备份创建的：恢复不会删除它们，也只写入空数据库；请换一个空数据库，或确认这些表可以删除并删除后再恢复`,
      );
    drop = tables.length > 0;
  }
  for (const entry of marker.created.entries) {
    if (entry.includes('/') || entry.includes('\\') || entry === '..' || entry === '.') continue;
    const path = join(input.dataDir, entry);
    // The blob store's files are read-only: make them removable first.
    if (existsSync(path)) await makeWritable(path);
    await rm(path, { recursive: true, force: true });
  }
  if (drop && database && input.databaseUrl) await dropObjects(input.databaseUrl, database.objects);
}

/** Kinds of dump objects listed in information_schema.tables. */
const TABLE_KINDS: string[] = ['TABLE', 'VIEW'];

/** `schema.name` of the database's tables and views (but the system catalogs'). */
async function tablesIn(url: string): Promise<string[]> {
  const database = openPostgres(url, 1);
  try {
    const rows = await queryRows<{ schema: string; name: string }>(
      database.db,
      sql`select table_schema as schema, table_name as name from information_schema.tables
          where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`,
    );
    return rows.map((r) => `${r.schema}.${r.name}`);
  } finally {
    await database.close();
  }
}

async function makeWritable(path: string): Promise<void> {
  const s = await lstat(path);
  if (s.isSymbolicLink()) return;
  if (s.isDirectory()) {
    await chmod(path, s.mode | 0o700);
    for (const name of await readdir(path)) await makeWritable(join(path, name));
  } else if (!(s.mode & 0o200)) await chmod(path, s.mode | 0o200);
}

/** host:port/database of a PostgreSQL URL (no user, no password): which database a marker means. */
function databaseTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || '5432'}/${decodeURIComponent(u.pathname.slice(1))}`;
}

const DROPPED_KINDS = [
  'MATERIALIZED VIEW',
  'VIEW',
  'TABLE',
  'SEQUENCE',
  'FUNCTION',
  'PROCEDURE',
  'AGGREGATE',
  'TYPE',
  'DOMAIN',
  'SCHEMA',
] as const;

/**
 * Entry kinds of `pg_restore --list` that begin with a dropped kind's words but are something else
 * (data, sequence values, ownership, partitions): a line's kind is the longest of these that matches.
 */
const OTHER_KINDS = [
  'TABLE DATA',
  'TABLE ATTACH',
  'SEQUENCE SET',
  'SEQUENCE OWNED BY',
  'MATERIALIZED VIEW DATA',
  'DOMAIN CONSTRAINT',
  'TYPE CONSTRAINT',
] as const;

/**
 * The top-level objects a custom-format dump creates, from `pg_restore --list` (lines
 * `id; catalog oid KIND schema name owner`); what else it creates (indexes, constraints, triggers,
 * defaults, data) goes with them. Kinds match whole (`TABLE DATA public t` is not a TABLE in schema `DATA`).
 */
function dumpObjects(dump: string): DumpObject[] {
  const res = spawnSync('pg_restore', ['--list', dump], { encoding: 'utf8', env: toolEnvironment() });
  if (res.error)
    throw new AppError(
      'pg_restore_missing',
      `找不到 pg_restore（${errorMessage(res.error)}）：请安装 PostgreSQL 客户端工具（Debian: apt-get install postgresql-client）`,
    );
  if (res.status !== 0)
    throw new AppError('pg_restore_failed', `pg_restore --list 失败：${res.stderr.trim()}`);
  const objects: DumpObject[] = [];
  for (const line of res.stdout.split('\n')) {
    const m = /^\d+; (\d+) \d+ (.+)$/.exec(line);
    if (!m || m[1] === '0') continue;
    const matched = [...DROPPED_KINDS, ...OTHER_KINDS]
      .filter((k) => m[2]!.startsWith(`${k} `))
      .sort((a, b) => b.length - a.length)[0];
    const kind = DROPPED_KINDS.find((k) => k === matched);
    if (!kind) continue;
    const rest = m[2]!.slice(kind.length + 1).split(' ');
    if (rest.length < 3) continue;
    const [schema, ...tail] = rest;
    tail.pop(); // the owner
    objects.push({ kind, schema: schema!, name: tail.join(' ') });
  }
  return objects;
}

/** Drops the objects a restore's dump created (if they exist), in one transaction. */
async function dropObjects(url: string, objects: DumpObject[]): Promise<void> {
  const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;
  const order = (o: DumpObject) => DROPPED_KINDS.indexOf(o.kind as (typeof DROPPED_KINDS)[number]);
  const statements = objects
    .filter((o) => order(o) >= 0 && !(o.kind === 'SCHEMA' && o.name === 'public'))
    .sort((a, b) => order(a) - order(b))
    .map((o) => {
      if (o.kind === 'SCHEMA') return `drop schema if exists ${quote(o.name)} cascade`;
      const routine = ['FUNCTION', 'PROCEDURE', 'AGGREGATE'].includes(o.kind);
      // A routine's name carries its argument types: `name(type, type)`.
      const open = o.name.indexOf('(');
      const name =
        routine && open > 0 ? `${quote(o.name.slice(0, open))}${o.name.slice(open)}` : quote(o.name);
      return `drop ${o.kind.toLowerCase()} if exists ${quote(o.schema)}.${name} cascade`;
    });
  if (statements.length === 0) return;
  const database = openPostgres(url, 1);
  try {
    await database.db.transaction(async (tx) => {
      for (const s of statements) await tx.execute(sql.raw(s));
    });
  } finally {
    await database.close();
  }
}

/**
 * Where the files go. A backup that holds them restores them into DATA_DIR/files (a local store);
 * one that only lists them (an object store's backup without --include-files) needs that store
 * configured, holding every blob it lists.
 */
async function checkFilesTarget(input: RestoreInput, info: BackupInfo): Promise<void> {
  const listedOnly = info.store !== undefined && !info.store.filesIncluded;
  if (!listedOnly) {
    if (input.objectStore)
      throw new AppError(
        'backup_has_files',
        '这个备份里有文件：请用 BLOB_STORE=local 恢复到 DATA_DIR/files（之后可以用 storage migrate --to s3 迁到存储桶）',
      );
    return;
  }
  if (!input.objectStore)
    throw new AppError(
      'backup_needs_store',
      `这个备份不含文件，文件在存储桶 ${info.store!.name}：请设置 BLOB_STORE=s3 和 S3_* 指向它，再恢复`,
    );
  const missing = await missingFromStore(input.objectStore.blobs, input.from);
  if (missing.length > 0)
    throw new AppError(
      'backup_store_incomplete',
      `存储桶 ${input.objectStore.name} 里缺少备份清单上的 ${missing.length} 个文件，什么也没有恢复：\n${missing
        .slice(0, 20)
        .map((k) => `  - ${k}`)
        .join('\n')}`,
    );
}

async function readInfo(dir: string): Promise<BackupInfo> {
  let info: BackupInfo;
  try {
    info = JSON.parse(await readFile(join(dir, BACKUP_INFO), 'utf8'));
  } catch (err) {
    throw new AppError(
      'backup_unreadable',
      `${dir} 不是可用的备份（读不了 ${BACKUP_INFO}：${errorMessage(err)}）`,
    );
  }
  if (info.format !== 1 && info.format !== 2)
    throw new AppError(
      'backup_newer_schema',
      `备份格式 ${String(info.format)} 不认识：请用更新版本的程序恢复`,
    );
  return info;
}

/** Refuses a data folder holding anything but `allowed` (what an unfinished restore's marker names). */
async function refuseNonEmptyDir(dir: string, allowed: string[]): Promise<void> {
  const entries = (existsSync(dir) ? await readdir(dir) : []).filter((e) => !allowed.includes(e));
  if (entries.length > 0)
    throw new AppError(
      'restore_target_not_empty',
      `数据目录 ${dir} 不是空的（有 ${entries.slice(0, 5).join('、')}）：恢复只写入空目录，不会覆盖现有数据`,
    );
}

/** How many tables (and views) the database at `url` has outside the system schemas. */
async function tableCount(url: string): Promise<number> {
  const database = openPostgres(url, 1);
  try {
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from information_schema.tables
          where table_schema not in ('pg_catalog', 'information_schema')`,
    );
    return row?.n ?? 0;
  } finally {
    await database.close();
  }
}

async function refuseNonEmptyDatabase(url: string): Promise<void> {
  const n = await tableCount(url);
  if (n > 0)
    throw new AppError(
      'restore_target_not_empty',
      `DATABASE_URL 指向的数据库不是空的（有 ${n} 张表）：恢复只写入空数据库，不会覆盖现有数据`,
    );
}

async function loadPglite(dump: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const release = await lockDataDir(dir);
  try {
    const client = await PGlite.create(dir, { loadDataDir: new Blob([await readFile(dump)]) });
    await client.query('select 1');
    await client.close();
  } finally {
    await release();
  }
}

function pgRestore(dump: string, url: string): void {
  const conn = libpqConnection(url);
  // One transaction: a pg_restore that fails or is killed leaves the database as it was.
  const args = ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${conn.dbname}`, dump];
  const res = spawnSync('pg_restore', args, {
    encoding: 'utf8',
    env: conn.env,
  });
  if (res.error)
    throw new AppError(
      'pg_restore_missing',
      `找不到 pg_restore（${errorMessage(res.error)}）：请安装 PostgreSQL 客户端工具（Debian: apt-get install postgresql-client）`,
    );
  if (res.status !== 0) throw new AppError('pg_restore_failed', `pg_restore 失败：${res.stderr.trim()}`);
}
