import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../errors.js';

/**
 * `db move-to-postgres` writes this into DATA_DIR/pglite once PostgreSQL holds the archive, before it
 * renames the folder pglite.moved-YYYYMMDD. A folder still named pglite that holds it is an archive
 * already moved: the rename failed (DATA_DIR/pglite a disk mounted there: EBUSY), or someone renamed
 * it back. Running on it, or moving it again, would record new materials apart from the archive.
 */
export const MOVED_MARKER = 'MOVED-TO-POSTGRES';

export interface MovedRecord {
  /** When PostgreSQL took the archive (ISO). */
  at: string;
  /** The PostgreSQL database, its password left out; unknown when the marker could not be read. */
  to?: string;
  /** The name the folder was to get. */
  movedTo: string;
}

export function writeMovedMarker(pgliteDir: string, record: MovedRecord): void {
  writeFileSync(join(pgliteDir, MOVED_MARKER), `${JSON.stringify(record)}\n`);
}

export function readMovedMarker(pgliteDir: string): MovedRecord | undefined {
  return readMarkerFile(join(pgliteDir, MOVED_MARKER), pgliteDir);
}

/**
 * A marker cut short (a full disk at the move) or edited by hand still says the archive was moved: the
 * file's own time says when, and the folder's name is the one the move gives (`pglite.moved-YYYYMMDD`
 * beside `pgliteDir`), never a made-up path such as DATA_DIR.moved.
 */
function readMarkerFile(file: string, pgliteDir: string): MovedRecord | undefined {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return undefined;
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    // Unreadable: told by its time and the move's naming below.
  }
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const at = text(parsed['at']) ?? stat.mtime.toISOString();
  return {
    at,
    ...(text(parsed['to']) ? { to: text(parsed['to']) } : {}),
    movedTo: text(parsed['movedTo']) ?? `${pgliteDir}.moved-${at.slice(0, 10).replaceAll('-', '')}`,
  };
}

/** `（postgres://…）` after 「PostgreSQL」 when the marker named the database. */
const toText = (r: MovedRecord) => (r.to ? `（${r.to}）` : '');

/** What happened and the rename to do by hand (the move's later refusal and every opening of the folder say it). */
export function movedNotRenamedText(pgliteDir: string, r: MovedRecord): string {
  return (
    `${pgliteDir} 里的档案已于 ${r.at.slice(0, 10)} 搬到 PostgreSQL${toText(r)}，但这个文件夹没能改名，还叫 pglite。` +
    `档案在 PostgreSQL 里，不要再用这个文件夹，也不要再搬：请停着机器人手工改名：mv ${pgliteDir} ${r.movedTo}；` +
    '然后在机器人的设置里把 DATABASE_URL 设为那个 PostgreSQL，再启动。'
  );
}

/**
 * Opening DATA_DIR/pglite (the bot or a command without DATABASE_URL) after its archive was moved: the
 * bot ran on the old copy, new materials recorded apart from the archive in PostgreSQL.
 */
export function refuseMovedPglite(pgliteDir: string): void {
  const record = readMovedMarker(pgliteDir);
  if (!record) return;
  throw new AppError(
    'pglite_moved',
    movedNotRenamedText(pgliteDir, record) +
      `确实要回到内置数据库（PostgreSQL 里此后的变化都不在其中）：删除 ${join(pgliteDir, MOVED_MARKER)}。`,
  );
}

/**
 * After a move that renamed the folder, DATA_DIR holds no database, only `pglite.moved-YYYYMMDD`
 * (README: delete it once the bot runs well on PostgreSQL). A start or a command without DATABASE_URL
 * (the settings file not read, or DATABASE_URL not yet added to it) then made a new, empty DATA_DIR/pglite
 * and ran on it: reminders on an empty archive, Lark's messages recorded in an orphan database, left
 * behind once DATABASE_URL is set. The move writes this beside the folder, in DATA_DIR itself, so it
 * outlives the moved folder; a move made before it was written is told by the moved folder.
 */
export function writeMovedAwayMarker(dataDir: string, record: MovedRecord): void {
  writeFileSync(join(dataDir, MOVED_MARKER), `${JSON.stringify(record)}\n`);
}

/**
 * The move of this data folder's embedded database to PostgreSQL, when DATA_DIR/pglite holds no database
 * now (someone who renamed the moved folder back to go back to it on purpose is not refused): DATA_DIR's
 * marker, else a `pglite.moved-YYYYMMDD` folder (its own marker, or its name's date).
 */
export function movedAway(dataDir: string): MovedRecord | undefined {
  if (existsSync(join(dataDir, 'pglite', 'PG_VERSION'))) return undefined;
  const top = readMarkerFile(join(dataDir, MOVED_MARKER), join(dataDir, 'pglite'));
  if (top && existsSync(top.movedTo)) return top;
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return undefined;
  }
  const folder = names
    .filter((n) => /^pglite\.moved-\d{8}(-\d+)?$/.test(n))
    .sort()
    .find((n) => statSync(join(dataDir, n), { throwIfNoEntry: false })?.isDirectory());
  // A marker that names no folder still there (deleted, as README allows, or a marker cut short):
  // the folder found is named instead, and with neither the marker still refuses.
  if (!folder) return top;
  const movedTo = join(dataDir, folder);
  if (top) return { ...top, movedTo };
  const own = readMovedMarker(movedTo);
  if (own) return { ...own, movedTo };
  const day = folder.slice('pglite.moved-'.length, 'pglite.moved-'.length + 8);
  return { at: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`, to: 'PostgreSQL', movedTo };
}

/**
 * Why a start or command without DATABASE_URL is refused after the move, and the fix: DATABASE_URL in the
 * settings file the service reads (`settingsFiles`: the files this process read, when any).
 */
export function movedAwayText(
  dataDir: string,
  r: MovedRecord,
  settingsFiles: readonly string[] = [],
): string {
  const file =
    settingsFiles.length > 0
      ? settingsFiles.join('、')
      : '/etc/archive-bot/archive-bot.env（服务器上服务读的设置文件；PC 上是程序目录的 .env）';
  const away = [join(resolve(dataDir), MOVED_MARKER), r.movedTo].filter((p) => existsSync(p));
  return (
    `数据目录 ${resolve(dataDir)} 的档案已于 ${r.at.slice(0, 10)} 用 db move-to-postgres 搬到 PostgreSQL${toText(r)}，` +
    `原来的内置数据库改名为 ${r.movedTo}；而这次没有设置 DATABASE_URL，所以没有新建空的内置数据库，什么也没有做。` +
    `请在 ${file} 里写上 DATABASE_URL=那个 PostgreSQL 的地址（含密码），再启动机器人；命令行用 --env-file 读同一个文件。` +
    `确实要在这个数据目录从空的内置数据库重新开始（PostgreSQL 里的档案都不在其中）：先把 ${away.join(' 和 ')} 移到别处。`
  );
}

/** Opening the embedded database without DATABASE_URL after its archive was moved (movedAway): refused. */
export function refuseMovedAway(dataDir: string, settingsFiles?: readonly string[]): void {
  const record = movedAway(dataDir);
  if (record) throw new AppError('pglite_moved', movedAwayText(dataDir, record, settingsFiles));
}

/** A database URL to show or keep on disk: its password left out. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}
