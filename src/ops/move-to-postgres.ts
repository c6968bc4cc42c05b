import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { fromPglite } from '../db/client.js';
import { lockDataDir } from '../db/lock-data-dir.js';
import { migrate, MIGRATIONS_FOLDER } from '../db/migrate.js';
import {
  movedNotRenamedText,
  readMovedMarker,
  withoutPassword,
  writeMovedAwayMarker,
  writeMovedMarker,
} from '../db/pglite-moved.js';
import { checkPgliteOwner } from '../db/pglite-owner.js';
import { AppError, errorMessage } from '../errors.js';

export interface MovedTable {
  name: string;
  rows: number;
}

export interface MoveResult {
  tables: MovedTable[];
  /** Where DATA_DIR/pglite was renamed to (not on a dry run). */
  movedTo?: string;
}

export interface MoveOptions {
  dataDir: string;
  databaseUrl: string;
  dryRun: boolean;
  now: Date;
}

/**
 * Moves the embedded database (DATA_DIR/pglite) into an empty PostgreSQL database: both brought to the
 * newest migration (PostgreSQL's inside the transaction), every table of the public schema copied in foreign-key order in
 * one PostgreSQL transaction with the tables' own triggers off (the derived search and progress tables
 * are copied as they are, not counted twice), row counts and an md5 of each table's rows compared on
 * both sides before the commit, sequences set to PGlite's values. Then DATA_DIR/pglite is renamed
 * pglite.moved-YYYYMMDD. The folder lock is held throughout: the bot cannot run meanwhile. Any failure
 * rolls the transaction back: PostgreSQL stays empty and the folder keeps its name.
 */
export async function moveToPostgres(o: MoveOptions): Promise<MoveResult> {
  const dir = join(o.dataDir, 'pglite');
  if (!existsSync(join(dir, 'PG_VERSION')))
    throw new AppError(
      'move_nothing',
      `数据目录里没有内置数据库（${dir} 不存在）：没有可搬的。请把 DATA_DIR 设为机器人的数据目录。`,
    );
  const moved = readMovedMarker(dir);
  if (moved) throw new AppError('move_done_not_renamed', movedNotRenamedText(dir, moved));
  checkPgliteOwner(o.dataDir);
  const release = await lockDataDir(dir, 'command');
  let pglite: PGlite | undefined;
  const pg = postgres(o.databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const filled = await tablesWithRows(pg);
    if (filled.length > 0)
      throw new AppError(
        'move_target_not_empty',
        `DATABASE_URL 指向的 PostgreSQL 数据库已有数据（${filled.slice(0, 5).join('、')}${filled.length > 5 ? ' 等' : ''}）：只能搬进空的数据库，什么也没有改。请新建一个空数据库，把 DATABASE_URL 指向它。`,
      );
    pglite = await PGlite.create(dir);
    if (!o.dryRun) await migrate(fromPglite(pglite));
    await pglite.exec(`set timezone to 'UTC'`);
    const tables = await tablesInForeignKeyOrder(pglite);
    const counted: MovedTable[] = [];
    for (const name of tables)
      counted.push({
        name,
        rows: (await pglite.query<{ n: number }>(`select count(*)::int as n from ${ident(name)}`)).rows[0]!.n,
      });
    if (o.dryRun) return { tables: counted };
    try {
      await copyAll(pglite, pg, tables);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(
        'move_failed',
        `搬迁中途出错，已全部撤销：PostgreSQL 里的表仍是空的，内置数据库未动。(${errorMessage(err)})`,
        { cause: err },
      );
    }
    await pglite.close();
    pglite = undefined;
    const movedTo = freeName(`${dir}.moved-${o.now.toISOString().slice(0, 10).replaceAll('-', '')}`);
    // PostgreSQL holds the archive now. Marked first, so a folder the rename cannot move (a disk mounted
    // at DATA_DIR/pglite: EBUSY) is refused by every later opening and move, not run on as the archive.
    const record = { at: o.now.toISOString(), to: withoutPassword(o.databaseUrl), movedTo };
    try {
      writeMovedMarker(dir, record);
    } catch {
      // Then the rename below most likely fails too, and says so.
    }
    try {
      renameSync(dir, movedTo);
    } catch (err) {
      const rows = counted.reduce((n, t) => n + t.rows, 0);
      throw new AppError(
        'move_not_renamed',
        `已搬到 PostgreSQL（${counted.length} 张表，${rows} 行，两边核对一致），但 ${dir} 没能改名为 ${movedTo}（${errorMessage(err)}）。` +
          `档案已在 PostgreSQL 里，不要再搬。请停着机器人手工改名：mv ${dir} ${movedTo}` +
          `（${dir} 是单独挂载的磁盘时：把它改挂到 ${movedTo}）；然后在机器人的设置里加上同一个 DATABASE_URL，再启动。`,
        { cause: err },
      );
    }
    try {
      writeMovedAwayMarker(o.dataDir, record);
    } catch {
      // The renamed folder says the same (db/pglite-moved.ts: movedAway) until someone deletes it.
    }
    return { tables: counted, movedTo };
  } finally {
    await pglite?.close().catch(() => {});
    await pg.end({ timeout: 5 }).catch(() => {});
    await release();
  }
}

async function copyAll(pglite: PGlite, pg: postgres.Sql, tables: string[]): Promise<void> {
  const sequences = await pglite.query<{ name: string; value: string }>(
    `select quote_ident(schemaname) || '.' || quote_ident(sequencename) as name, last_value::text as value
       from pg_sequences where schemaname = 'public' and last_value is not null`,
  );
  await pg.begin(async (tx) => {
    await tx`set local timezone to 'UTC'`;
    await migrateInTransaction(tx);
    const filled = await tablesWithRows(tx);
    if (filled.length > 0) throw new Error(`PostgreSQL tables not empty: ${filled.join(', ')}`);
    for (const name of tables) await tx.unsafe(`alter table ${ident(name)} disable trigger user`);
    for (const name of tables) await copyTable(pglite, tx, name);
    for (const name of tables) await tx.unsafe(`alter table ${ident(name)} enable trigger user`);
    for (const name of tables) {
      const [a, b] = [await digest(pglite, name), await digest(tx, name)];
      if (a.rows !== b.rows || a.md5 !== b.md5)
        throw new AppError(
          'move_mismatch',
          `核对不一致：表 ${name} 内置数据库 ${a.rows} 行，PostgreSQL ${b.rows} 行${a.rows === b.rows ? '（内容不同）' : ''}。已撤销，PostgreSQL 仍是空的，内置数据库未动。`,
        );
    }
    for (const s of sequences.rows) await tx`select setval(${s.name}::regclass, ${s.value}::bigint, true)`;
  });
}

/**
 * The shipped migrations, applied as drizzle's migrator applies them (same table, hash and timestamp)
 * but inside the move's transaction: a move that fails leaves the new database as blank as it was, so
 * the bot still refuses it beside DATA_DIR/pglite instead of starting on an empty, migrated archive.
 */
async function migrateInTransaction(tx: postgres.TransactionSql): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtext('archive_bot_drizzle_migrations'))`;
  await tx`create schema if not exists drizzle`;
  await tx`create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`;
  const [last] = await tx<{ at: string }[]>`
    select created_at::text as at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
  const lastAt = last ? Number(last.at) : 0;
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  if (lastAt > Math.max(0, ...migrations.map((m) => m.folderMillis)))
    throw new AppError(
      'database_newer_schema',
      'DATABASE_URL 指向的 PostgreSQL 数据库已由更新版本的程序迁移：请用新建的空数据库。',
    );
  for (const m of migrations) {
    if (m.folderMillis <= lastAt) continue;
    for (const statement of m.sql) await tx.unsafe(statement);
    await tx`insert into drizzle.__drizzle_migrations (hash, created_at) values (${m.hash}, ${m.folderMillis})`;
  }
}

/** Heap blocks read at a time (8 kB each): about 512 kB of rows, however many rows that is. */
const BLOCKS = 64;

/**
 * One table's rows, 64 heap blocks at a time in the embedded database's physical order (ctid ranges:
 * the folder is locked, nothing moves), as JSON read back with json_populate_recordset. LIMIT/OFFSET
 * re-read every earlier row for each chunk: 100,000 rows took 16 s that way, the block ranges 0.2 s.
 * Generated columns are left to PostgreSQL; ids are kept (OVERRIDING SYSTEM VALUE). postgres.js's COPY
 * FROM STDIN never settles when the server rejects the data, which is why the rows do not go by COPY.
 */
async function copyTable(pglite: PGlite, tx: postgres.TransactionSql, name: string): Promise<void> {
  const columns = (
    await pglite.query<{ name: string }>(
      `select column_name as name from information_schema.columns
        where table_schema = 'public' and table_name = $1 and is_generated = 'NEVER' order by ordinal_position`,
      [name],
    )
  ).rows
    .map((c) => ident(c.name))
    .join(', ');
  const { rows: size } = await pglite.query<{ blocks: number }>(
    `select ceil(pg_relation_size($1::regclass) / current_setting('block_size')::numeric)::int as blocks`,
    [ident(name)],
  );
  for (let block = 0; block < size[0]!.blocks; block += BLOCKS) {
    const { rows } = await pglite.query<{ j: string | null }>(
      `select json_agg(t)::text as j from (select * from ${ident(name)}
          where ctid >= $1::tid and ctid < $2::tid order by ctid) t`,
      [`(${block},0)`, `(${block + BLOCKS},0)`],
    );
    const json = rows[0]?.j;
    if (!json) continue;
    await tx.unsafe(
      `insert into ${ident(name)} (${columns}) overriding system value
         select ${columns} from json_populate_recordset(null::${ident(name)}, $1::text::json)`,
      [json],
    );
  }
}

/**
 * Row count and an md5 over the rows' own md5s in byte order (collations may differ between the two).
 * Not one md5 of the whole table's text: that text is one value, and PostgreSQL refuses a value over
 * 1 GB, which a large installation's tables reach; the rows' md5s are 32 bytes each.
 */
async function digest(
  db: PGlite | postgres.Sql | postgres.TransactionSql,
  table: string,
): Promise<{ rows: number; md5: string }> {
  const text = `select count(*)::int as rows, md5(coalesce(string_agg(r.m, '' order by r.m collate "C"), '')) as md5
    from (select md5(t::text) as m from ${ident(table)} t) r`;
  if (db instanceof PGlite) return (await db.query<{ rows: number; md5: string }>(text)).rows[0]!;
  const [row] = await db.unsafe(text);
  return { rows: Number(row!.rows), md5: String(row!.md5) };
}

/** The public schema's tables that hold at least one row (none yet on a new database). */
async function tablesWithRows(sql: postgres.Sql | postgres.TransactionSql): Promise<string[]> {
  const names = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
     where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  const filled: string[] = [];
  for (const { name } of names)
    if ((await sql.unsafe(`select exists (select 1 from ${ident(name)}) as e`))[0]!.e) filled.push(name);
  return filled;
}

/** Every table of the public schema, each after the tables its foreign keys point to. */
async function tablesInForeignKeyOrder(pglite: PGlite): Promise<string[]> {
  const tables = (
    await pglite.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    )
  ).rows.map((r) => r.name);
  const edges = (
    await pglite.query<{ child: string; parent: string }>(
      `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
         from pg_constraint c join pg_namespace n on n.oid = c.connamespace
        where c.contype = 'f' and n.nspname = 'public' and c.conrelid <> c.confrelid`,
    )
  ).rows;
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (t: string) => {
    if (ordered.includes(t) || visiting.has(t)) return;
    visiting.add(t);
    for (const e of edges) if (unquote(e.child) === t) visit(unquote(e.parent));
    ordered.push(t);
  };
  for (const t of tables) visit(t);
  return ordered;
}

const unquote = (name: string) => name.replace(/^"(.*)"$/, '$1').replaceAll('""', '"');
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

function freeName(base: string): string {
  let name = base;
  for (let i = 2; existsSync(name); i++) name = `${base}-${i}`;
  return name;
}
