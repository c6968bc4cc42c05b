import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  /** The PostgreSQL database, its password left out. */
  to: string;
  /** The name the folder was to get. */
  movedTo: string;
}

export function writeMovedMarker(pgliteDir: string, record: MovedRecord): void {
  writeFileSync(join(pgliteDir, MOVED_MARKER), `${JSON.stringify(record)}\n`);
}

export function readMovedMarker(pgliteDir: string): MovedRecord | undefined {
  const file = join(pgliteDir, MOVED_MARKER);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as MovedRecord;
  } catch {
    return { at: '?', to: 'PostgreSQL', movedTo: `${pgliteDir}.moved` };
  }
}

/** What happened and the rename to do by hand (the move's later refusal and every opening of the folder say it). */
export function movedNotRenamedText(pgliteDir: string, r: MovedRecord): string {
  return (
    `${pgliteDir} 里的档案已于 ${r.at.slice(0, 10)} 搬到 PostgreSQL（${r.to}），但这个文件夹没能改名，还叫 pglite。` +
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
