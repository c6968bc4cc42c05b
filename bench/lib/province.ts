/**
 * The province data set for benchmarks (bench:schedules, bench:filing): by default 10 counties ×
 * 10 townships × 150 villages = 15,000 villages, 50 tasks each (750,000), ~1 million filing items
 * and ~2.4 million materials, one bound chat and one officer per village, one leader per township
 * and county. Built with set-based SQL in PostgreSQL in a few minutes, and reused when the database
 * already holds the same province (a marker table records the options).
 *
 *   const info = await buildProvince('postgres://…/bench_province', { villagesPerTownship: 150 });
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { migratePostgresUrl, MIGRATIONS_FOLDER } from '../../src/db/migrate.js';
import { DEFAULT_PROVINCE, provinceStatements, type ProvinceOptions } from './province-sql.js';

export { DEFAULT_PROVINCE, type ProvinceOptions } from './province-sql.js';

export interface ProvinceInfo {
  options: ProvinceOptions;
  counties: number;
  townships: number;
  villages: number;
  tasks: number;
  filingItems: number;
  materials: number;
  chats: number;
  leaders: number;
  /** Hash of the migrations the province was built with. */
  schema: string;
  /** True when an existing build was reused. */
  reused: boolean;
  buildSeconds: number;
}

/** The database holds a province built for another schema or other options: rebuild it elsewhere. */
export class StaleProvinceError extends Error {}

/** Identifies the schema the province is built for (migrations are regenerated while in development). */
function schemaHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_FOLDER)
    .filter((n) => n.endsWith('.sql'))
    .sort())
    h.update(readFileSync(join(MIGRATIONS_FOLDER, f)));
  return h.digest('hex').slice(0, 16);
}

/** Tables whose secondary indexes are dropped during the load and rebuilt after (much faster). */
const BULK_TABLES = ['tasks', 'filing_items', 'materials', 'filing_item_materials'];

/**
 * Migrates the database at `url` and fills it with the province, unless it already holds one built
 * with the same options. Refuses a database that holds other data.
 */
export async function buildProvince(
  url: string,
  opts: Partial<ProvinceOptions> = {},
  log: (line: string) => void = () => {},
): Promise<ProvinceInfo> {
  const options = { ...DEFAULT_PROVINCE, ...opts };
  const schema = schemaHash();
  const started = Date.now();
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [marked] = await sql<{ t: string | null }[]>`select to_regclass('bench_province')::text as t`;
    if (marked?.t) {
      const [old] = await sql<
        { schema: string | null }[]
      >`select info->>'schema' as schema from bench_province`;
      if (old?.schema !== schema) throw new StaleProvinceError('the province was built for another schema');
    }
    await migratePostgresUrl(url);
    await sql`create table if not exists bench_province (options jsonb not null, info jsonb not null,
      built_at timestamptz not null)`;
    const [prev] = await sql<
      { options: ProvinceOptions; info: ProvinceInfo }[]
    >`select options, info from bench_province`;
    const same = (a: Record<string, unknown>) => Object.entries(options).every(([k, v]) => a[k] === v);
    if (prev && same(prev.options as unknown as Record<string, unknown>)) {
      log('province: reusing the existing build');
      return { ...prev.info, reused: true, buildSeconds: 0 };
    }
    const [units] = await sql<{ n: number }[]>`select count(*)::int as n from units`;
    if (Number(units?.n) > 0 || prev)
      throw new StaleProvinceError('buildProvince: the database is not empty (use a fresh database)');

    // Session-local: no FK triggers during the load (we generate consistent rows), indexes afterwards.
    await sql`set session_replication_role = replica`.catch(() =>
      log('province: FK checks stay on (not superuser)'),
    );
    await sql`set maintenance_work_mem = '512MB'`;
    await sql`set work_mem = '64MB'`;
    const indexes = await sql<{ name: string; def: string }[]>`
      select i.indexname as name, i.indexdef as def from pg_indexes i
      where i.schemaname = 'public' and i.tablename in ${sql(BULK_TABLES)}
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`;
    for (const i of indexes) await sql.unsafe(`drop index "${i.name}"`);
    for (const step of provinceStatements(options)) {
      const t = Date.now();
      await sql.unsafe(step.sql);
      log(`province: ${step.label} ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    let t = Date.now();
    for (const i of indexes) await sql.unsafe(i.def);
    log(`province: ${indexes.length} indexes rebuilt ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    await sql`set session_replication_role = origin`.catch(() => {});
    // As autovacuum would: statistics, and the visibility map that makes index-only scans work.
    await sql`vacuum analyze`;
    log(`province: vacuum analyze ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const count = async (q: string) => Number((await sql.unsafe(q))[0]!.n);
    const info: ProvinceInfo = {
      options,
      counties: await count(`select count(*)::int as n from units where kind = 'county'`),
      townships: await count(`select count(*)::int as n from units where kind = 'township'`),
      villages: await count(`select count(*)::int as n from units where kind = 'village'`),
      tasks: await count(`select count(*)::int as n from tasks`),
      filingItems: await count(`select count(*)::int as n from filing_items`),
      materials: await count(`select count(*)::int as n from materials`),
      chats: await count(`select count(*)::int as n from chat_bindings`),
      leaders: await count(`select count(*)::int as n from unit_roles where role = 'leader'`),
      schema,
      reused: false,
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    await sql`insert into bench_province (options, info, built_at) values (${sql.json(options as any)}, ${sql.json(info as any)}, now())`;
    return info;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
