import { existsSync } from 'node:fs';
import { chmod, lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openPostgres, queryRows } from '../db/client.js';
import { AppError, errorMessage } from '../errors.js';
import { dropObjects } from './pg-dump-objects.js';
import { removeRestoreMarker, RESTORE_MARKER, type RestoreMarker } from './restore-marker.js';

/** Where a restore writes: the data folder and, for a PostgreSQL backup, the database. */
export interface RestoreTarget {
  dataDir: string;
  databaseUrl?: string;
}

/**
 * A failure this restore caught: what it wrote is removed (the target was empty before) and the
 * marker with it; the error says so. When the undoing fails too, the marker stays (the bot will not
 * start, and the next restore starts over).
 */
export async function undoAfterFailure(
  target: RestoreTarget,
  marker: RestoreMarker,
  err: unknown,
): Promise<Error> {
  const reason = errorMessage(err);
  try {
    await undoRestore(target, marker);
    await removeRestoreMarker(target.dataDir);
    if (marker.created.dataDir) await rmdir(target.dataDir);
  } catch (undoErr) {
    return new AppError(
      'restore_failed',
      `恢复失败：${reason}\n撤销这次恢复写入的内容也失败了（${errorMessage(undoErr)}）：${RESTORE_MARKER} 留在数据目录里，机器人不会启动；问题解决后重新运行恢复即可（会先清除那次写入的内容）`,
      { cause: err },
    );
  }
  return new AppError(
    'restore_failed',
    `恢复失败：${reason}\n这次恢复写入的内容已经清除，数据目录${target.databaseUrl ? '和数据库' : ''}回到了恢复前的样子`,
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
export async function undoRestore(
  target: RestoreTarget,
  marker: RestoreMarker,
  when: 'caught' | 'retry' = 'caught',
): Promise<void> {
  const database = marker.created.database;
  const url = target.databaseUrl;
  let drop = database !== undefined && url !== undefined && database.loaded;
  if (database && url && !database.loaded && when === 'retry') {
    const tables = await tablesIn(url);
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
    const path = join(target.dataDir, entry);
    // The blob store's files are read-only: make them removable first.
    if (existsSync(path)) await makeWritable(path);
    await rm(path, { recursive: true, force: true });
  }
  if (drop && database && url) await dropObjects(url, database.objects);
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
