import { existsSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsyncDir } from '../storage/fsync-dir.js';

/**
 * DATA_DIR/RESTORE-INCOMPLETE: written (and flushed) by a restore before it writes anything else, and
 * removed only once every file is copied, verified and flushed. While it exists the folder holds a
 * restore that did not finish (killed, the disk full, the machine off): the bot refuses to start on it,
 * the doctor reports it, and a new restore clears what the marker says the failed one wrote and starts over.
 */
export const RESTORE_MARKER = 'RESTORE-INCOMPLETE';
/**
 * Where the marker is written before it is renamed into place: a restore killed while writing it leaves
 * this (and nothing else it wrote since), which the next restore writes over.
 */
export const RESTORE_MARKER_TMP = `${RESTORE_MARKER}.tmp`;

/** One object a PostgreSQL dump creates (from `pg_restore --list`), dropped when a restore is undone. */
export interface DumpObject {
  kind: string;
  schema: string;
  name: string;
}

export interface RestoreMarker {
  /** The backup folder being restored (absolute). */
  from: string;
  startedAt: string;
  /** The restoring process (host:pid:start, process-identity.ts). */
  by: string;
  backup: { createdAt: string; version: string; database: 'pglite' | 'postgres' };
  /**
   * What this restore writes; the target was empty before, so all of it is the restore's own and is
   * what a new restore (or a failure this restore catches) removes — nothing else.
   */
  created: {
    /** The data folder itself did not exist. */
    dataDir: boolean;
    /** Names directly in DATA_DIR (the PGlite folder and its lock, files/). */
    entries: string[];
    /**
     * The PostgreSQL database (host:port/name, no password), the objects its dump creates, and whether
     * pg_restore committed them (one transaction: before that, the database holds none of them).
     */
    database?: {
      target: string;
      objects: DumpObject[];
      loaded: boolean;
      /**
       * The pg_restore child: the application_name of its connection (set before it starts) and its
       * process (host:pid:start, once it runs). Killed with its parent, it would go on holding its
       * transaction's locks: the next restore ends it first (restore-leftover.ts).
       */
      pgRestore?: { applicationName: string; process?: string };
    };
  };
}

/** The marker in `dataDir`: undefined when there is none, 'unreadable' when it cannot be parsed. */
export function readRestoreMarker(dataDir: string): RestoreMarker | 'unreadable' | undefined {
  const path = join(dataDir, RESTORE_MARKER);
  if (!existsSync(path)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(path, 'utf8')) as RestoreMarker;
    if (typeof marker.from !== 'string' || !Array.isArray(marker.created?.entries)) return 'unreadable';
    return marker;
  } catch {
    return 'unreadable';
  }
}

/** Writes the marker durably (a flushed temporary file renamed into place, then the folder flushed). */
export async function writeRestoreMarker(dataDir: string, marker: RestoreMarker): Promise<void> {
  const path = join(dataDir, RESTORE_MARKER);
  const tmp = join(dataDir, RESTORE_MARKER_TMP);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(`${JSON.stringify(marker, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dataDir);
}

export async function removeRestoreMarker(dataDir: string): Promise<void> {
  await rm(join(dataDir, RESTORE_MARKER), { force: true });
  await fsyncDir(dataDir);
}

/** What the marker says, in Chinese, for the bot's refusal and the doctor. */
export function unfinishedRestoreText(dataDir: string, marker: RestoreMarker | 'unreadable'): string {
  const dir = resolve(dataDir);
  if (marker === 'unreadable')
    return `数据目录 ${dir} 里有一次没有完成的恢复（${RESTORE_MARKER} 读不出内容）`;
  return `数据目录 ${dir} 里有一次没有完成的恢复（${RESTORE_MARKER}：从 ${marker.from} 恢复，开始于 ${marker.startedAt}）`;
}

/** What to run next, in Chinese: the same restore again, which first clears what the failed one wrote. */
export function restoreAgainText(marker: RestoreMarker | 'unreadable'): string {
  const from = marker === 'unreadable' ? '<备份目录>' : marker.from;
  return `请重新运行 npm run cli -- restore --from ${from}（先清除那次恢复写入的内容，再完整恢复）`;
}
