import { access, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { constants, existsSync } from 'node:fs';
import { processUserName } from '../process-user.js';
import { basename, dirname, join, resolve } from 'node:path';
import { flushToDisk } from '../archive/flush-to-disk.js';
import type { Db } from '../db/client.js';
import { archiveTotals } from '../db/repos/archive-catalogue.js';
import { AppError, errorMessage } from '../errors.js';
import { diskFull } from '../disk-full.js';
import type { BlobStore } from '../ports/blob-store.js';
import { APP_VERSION } from '../version.js';
import { damagedListText, unmatchedRows, withMaterials } from './backup-damaged.js';
import { dumpPglite, dumpPostgres, type Dumped } from './backup-database-dump.js';
import { BACKUP_INFO, DAMAGED_LIST, PGLITE_DUMP, POSTGRES_DUMP, type BackupInfo } from './backup-info.js';
import { copyStoredFiles } from './backup-local-files.js';
import { writeManifest } from './backup-manifest.js';
import { backupObjectStore } from './backup-object-store.js';
import { backupSettings, envFileNotSavedText, type SettingsPlaces } from './backup-settings.js';

export interface BackupInput {
  dataDir: string;
  databaseUrl?: string;
  out: string;
  now: Date;
  /** The configured store when it is an object store (BLOB_STORE=s3), and a name for it. */
  objectStore?: { blobs: BlobStore; name: string };
  /** Object store only: copy every file into the backup (else only list the blobs). */
  includeFiles?: boolean;
  /** Where this machine's settings files are, and the files the variables were read from (not copied). */
  settings?: SettingsPlaces & { envFiles?: readonly string[] };
}

/**
 * Writes a backup folder: the database (PGlite: its own dump of the data folder, taken while this
 * process holds the folder lock, so the bot must be stopped; PostgreSQL: `pg_dump`, a consistent
 * snapshot while the bot runs), then the stored files (DATA_DIR/files copied, each blob checked
 * against its hash as it is copied; an object store's blobs listed with their sizes, or copied with
 * `includeFiles`, verified), then the county's settings files and the session key (settings/,
 * backup-settings.ts), backup.json and a SHA-256 manifest, and flushes it all to its disk.
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
  const made = await makeOutFolder(input.out);
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
    throw backupDiskFull(err, input.out) ?? err;
  }
}

/**
 * A disk that filled up during the backup: which side (the backup's folder, or the one named), the `df -h`
 * that shows it, and that nothing half-written is left (it said 「出错了：ENOSPC: no space left on device,
 * write」). A write to an open file names no path: the backup's side, the only one a backup writes to.
 */
function backupDiskFull(err: unknown, out: string): AppError | undefined {
  const full = diskFull(err);
  if (!full) return undefined;
  const dir = resolve(out);
  const onBackupSide = !full.path || full.path === dir || full.path.startsWith(`${dir}/`);
  const where = onBackupSide ? dir : dirname(full.path!);
  // The backup folder made for this run is gone by now: `df -h` is given the nearest folder still there.
  let df = where;
  while (!existsSync(df) && dirname(df) !== df) df = dirname(df);
  const what =
    full.code === 'EDQUOT' ? '运行备份的用户在这个磁盘上的配额已用完（EDQUOT）' : '磁盘已满（ENOSPC）';
  return new AppError(
    'backup_disk_full',
    `备份没有完成：${onBackupSide ? `备份目录 ${dir}` : where} 所在的${what}（用 df -h ${df} 查看）。` +
      `没写完的备份已删除，什么也没有留下；${onBackupSide ? '请换一个空间够的磁盘（--out），或删掉这个磁盘上的旧备份' : '请腾出那个磁盘的空间'}，再运行备份`,
    { cause: err },
  );
}

/**
 * Makes the backup folder (and its parents), or finds it writable; returns the topmost folder it
 * made. A folder the backup's user may not make or write into (a server's /srv/backup made by root
 * while the backup runs as the service user) is one line naming it and what to do, not EACCES.
 */
async function makeOutFolder(out: string): Promise<string | undefined> {
  let made: string | undefined;
  try {
    made = await mkdir(out, { recursive: true });
  } catch (err) {
    throw outUnwritable(out, err, false);
  }
  try {
    await access(out, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw outUnwritable(out, err, true);
  }
  return made;
}

/**
 * The line for a backup folder the backup's user may not make (`made`: false) or write into. The
 * folder to hand over is the one that holds the dated backups (--out's parent), made once by root,
 * never the dated folder itself (that advice held for one day only); a parent that exists (root's /srv)
 * gets a folder of its own inside it, never a chown of the parent.
 */
function outUnwritable(out: string, err: unknown, exists: boolean): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return err;
  const where = (err as NodeJS.ErrnoException).path ?? out;
  const user = processUserName();
  if (code === 'EROFS')
    return new AppError(
      'backup_out_unwritable',
      `备份目录 ${out} 写不进去：${where} 所在的磁盘是只读的，请换一个目录`,
      {
        cause: err,
      },
    );
  const parent = dirname(out);
  const own = join(parent, 'archive-bot-backups');
  const advice = exists
    ? `请先以 root 建好备份用的目录并交给这个用户，例如 install -d -o ${user} -m 750 ${out}，或换一个目录`
    : existsSync(parent)
      ? `请先以 root 在 ${parent} 里建一个备份用的目录并交给这个用户，例如 install -d -o ${user} -m 750 ${own}，再用 --out ${join(own, basename(out))}；或换一个目录`
      : `请先以 root 建好备份用的目录并交给这个用户，例如 install -d -o ${user} -m 750 ${parent}，或换一个目录`;
  return new AppError(
    'backup_out_unwritable',
    `备份目录 ${out} 写不进去：运行备份的用户 ${user} 没有权限写入 ${exists ? out : `${where} 的上级目录`}（${code}）。${advice}`,
    { cause: err },
  );
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
    const settings = input.settings ? await backupSettings(input.out, input.settings) : undefined;
    const listedOnly = store !== undefined && !input.includeFiles;
    const info: BackupInfo = {
      format: listedOnly ? 2 : 1,
      version: APP_VERSION,
      createdAt: input.now.toISOString(),
      database: input.databaseUrl ? 'postgres' : 'pglite',
      migrations,
      files: copied.files,
      bytes: copied.bytes,
      archive: await archiveTotals(db),
      ...(store ? { store: { kind: 's3', name: store.name, filesIncluded: !listedOnly } } : {}),
      ...(damaged.length > 0 ? { damaged } : {}),
      ...(settings ? { settings, notInBackup: envFileNotSavedText(input.settings?.envFiles) } : {}),
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
