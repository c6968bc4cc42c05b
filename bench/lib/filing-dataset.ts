/**
 * A province-sized filing dataset for `npm run bench:filing`, built with set-based SQL on one
 * connection (generate_series, insert … select; nothing row by row):
 *
 * - units: 1 province root → counties of 150 villages → townships of 15 villages → villages, with
 *   materialized `path` ('/1/7/42/') and `full_name`; one active chat binding per village;
 * - two yearly campaigns (2024, 2025) of config/checklists/village-jzfp.yaml (25 items each), so
 *   every village has 50 tasks with the template's titles, kinds, min_count, keywords and due rules;
 *   ~2 % waived;
 * - one village (in the county that is timed) with 30 households × 15 household-jzfp items more:
 *   500 open tasks, the suggestion case;
 * - filing items for ~82 % of tasks (2024: 85 % filed, 20 % twice; 2025: 50 % / 10 %), 1 … min_count+1
 *   materials each (so partly/complete both occur), 2 % undone, some document items with an extra
 *   photo; their per-kind counts are those of their member materials (filing_item_materials);
 * - materials: the filed ones plus unfiled ones up to 200 per village (3,000,000 for 15,000), mostly
 *   stored.
 *
 * The secondary indexes of the bulk tables are dropped for the load and rebuilt after it (same
 * definitions, read from pg_indexes), foreign-key triggers are off while loading
 * (session_replication_role = replica: the data is consistent by construction and checked at the
 * end), then VACUUM ANALYZE — the steady state autovacuum reaches on insert-mostly tables (visibility
 * map set, so the covering indexes are used index-only).
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { resolveDueAt } from '../../src/domain/checklist-due.js';
import { parseChecklist } from '../../src/domain/checklist-parse.js';
import type { ChecklistTemplate } from '../../src/domain/checklist.js';
import { createWorkingCalendar } from '../../src/domain/working-days.js';

const DUE_CTX = { timeZone: 'Asia/Shanghai', calendar: createWorkingCalendar() };

export interface FilingDatasetOptions {
  /** Villages in the province (15,000 by default in the benchmark). */
  villages: number;
  /** Materials per village on average (200 → 3,000,000 for 15,000 villages). */
  materialsPerVillage?: number;
  log?: (line: string) => void;
}

export interface FilingDataset {
  provinceId: number;
  /** The timed county (holds the suggestion village). */
  countyId: number;
  countyVillages: number;
  /** The village with 500 open tasks. */
  suggestUnitId: number;
  /** "Now" for due dates: 2025-11-20 10:00 China time. */
  now: Date;
  counts: Record<
    'units' | 'villages' | 'tasks' | 'materials' | 'filingItems' | 'filingItemMaterials' | 'households',
    number
  >;
  /** Size on disk of the main tables (with indexes), MB. */
  sizesMb: Record<string, number>;
  buildMs: number;
  steps: { step: string; ms: number }[];
}

const VILLAGES_PER_TOWNSHIP = 15;
const TOWNSHIPS_PER_COUNTY = 10;
const SUGGEST_HOUSEHOLDS = 30;
const SUGGEST_HOUSEHOLD_ITEMS = 15;
/** Tables whose secondary (non-constraint) indexes are rebuilt after the load. */
const BULK_TABLES = ['tasks', 'materials', 'filing_items', 'filing_item_materials', 'item_search'];

const CHECKLIST_DIR = new URL('../../config/checklists/', import.meta.url);

function loadTemplate(file: string): { template: ChecklistTemplate; text: string } {
  const text = readFileSync(new URL(file, CHECKLIST_DIR), 'utf8');
  return { template: parseChecklist(text, `config/checklists/${file}`), text };
}

/** Unit ids of a dataset of `villages` villages (they follow from the count alone). */
function datasetShape(villages: number) {
  const V = Math.max(VILLAGES_PER_TOWNSHIP, Math.floor(villages));
  const T = Math.ceil(V / VILLAGES_PER_TOWNSHIP);
  const C = Math.ceil(T / TOWNSHIPS_PER_COUNTY);
  const countyIdx = Math.floor((C - 1) / 2);
  const villageId = (v: number) => 2 + C + T + v;
  return {
    V,
    T,
    C,
    countyId: 2 + countyIdx,
    villageId,
    suggestUnitId: villageId(countyIdx * VILLAGES_PER_TOWNSHIP * TOWNSHIPS_PER_COUNTY),
  };
}

const DATASET_NOW = new Date('2025-11-20T10:00:00+08:00');

/**
 * The dataset already in `url` (built by an earlier run kept with BENCH_KEEP), described without
 * building anything: its village count is read from the database.
 */
export async function describeFilingDataset(url: string): Promise<FilingDataset> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [v] = await sql<{ n: number }[]>`select count(*)::int as n from units where kind = 'village'`;
    if (!v || v.n === 0) throw new Error(`no filing dataset in ${url}`);
    const shape = datasetShape(v.n);
    return {
      provinceId: 1,
      countyId: shape.countyId,
      suggestUnitId: shape.suggestUnitId,
      now: DATASET_NOW,
      ...(await datasetCounts(sql, shape.countyId)),
      buildMs: 0,
      steps: [],
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function datasetCounts(
  sql: postgres.Sql,
  countyId: number,
): Promise<Pick<FilingDataset, 'countyVillages' | 'counts' | 'sizesMb'>> {
  const [c] = await sql.unsafe(
    `select (select count(*)::int from units) as units, (select count(*)::int from units where kind = 'village') as villages,
       (select count(*)::int from tasks) as tasks, (select count(*)::int from materials) as materials,
       (select count(*)::int from filing_items) as filing_items,
       (select count(*)::int from filing_item_materials) as fim, (select count(*)::int from households) as households,
       (select count(*)::int from units where path like (select path from units where id = $1) || '%' and kind = 'village')
         as county_villages`,
    [countyId],
  );
  const sizes = await sql.unsafe(
    `select relname as t, round(pg_total_relation_size(oid) / 1048576.0)::int as mb from pg_class
     where relname = any($1) and relnamespace = 'public'::regnamespace`,
    [['units', 'tasks', 'materials', 'filing_items', 'filing_item_materials']],
  );
  return {
    countyVillages: c!.county_villages,
    counts: {
      units: c!.units,
      villages: c!.villages,
      tasks: c!.tasks,
      materials: c!.materials,
      filingItems: c!.filing_items,
      filingItemMaterials: c!.fim,
      households: c!.households,
    },
    sizesMb: Object.fromEntries(sizes.map((r: any) => [r.t, r.mb])),
  };
}

export async function buildFilingDataset(url: string, opts: FilingDatasetOptions): Promise<FilingDataset> {
  const log = opts.log ?? (() => {});
  const { V, T, C, countyId, villageId, suggestUnitId } = datasetShape(opts.villages);
  const materialsTotal = Math.round(V * (opts.materialsPerVillage ?? 200));
  const now = DATASET_NOW;

  const village = loadTemplate('village-jzfp.yaml');
  const household = loadTemplate('household-jzfp.yaml');
  const campaigns = [
    { id: 1, code: 'jzfp-2024', year: 2024, deadline: new Date('2024-12-31T23:59:59+08:00') },
    { id: 2, code: 'jzfp-2025', year: 2025, deadline: new Date('2025-12-31T23:59:59+08:00') },
  ];
  const items = [
    ...village.template.items.map((it, i) => ({ it, level: 'village', pos: i + 1 })),
    ...household.template.items
      .slice(0, SUGGEST_HOUSEHOLD_ITEMS)
      .map((it, i) => ({ it, level: 'household', pos: 100 + i + 1 })),
  ].map(({ it, level, pos }) => ({
    pos,
    level,
    item_code: it.code,
    title: it.title,
    class: it.class,
    retention: it.retention,
    kinds: it.kinds,
    min_count: it.min_count,
    keywords: it.keywords,
    guidance: it.guidance,
    due_2024: resolveDueAt(it.due, campaigns[0]!, DUE_CTX).toISOString(),
    due_2025: resolveDueAt(it.due, campaigns[1]!, DUE_CTX).toISOString(),
  }));

  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const steps: { step: string; ms: number }[] = [];
  const started = performance.now();
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    steps.push({ step: name, ms });
    log(`  ${name.padEnd(44)} ${(ms / 1000).toFixed(1).padStart(6)} s`);
  };
  const q = (text: string, params: any[] = []) => sql.unsafe(text, params);

  try {
    log(
      `building: ${V} villages (${C} counties, ${T} townships), ${V * 50 + SUGGEST_HOUSEHOLDS * SUGGEST_HOUSEHOLD_ITEMS} tasks, ` +
        `${materialsTotal} materials …`,
    );
    await q(`set synchronous_commit = off`);
    await q(`set maintenance_work_mem = '512MB'`);
    await q(`set work_mem = '256MB'`);
    let replica = true;
    try {
      await q(`set session_replication_role = replica`);
    } catch {
      replica = false;
      log('  (not a superuser: foreign-key checks stay on during the load — slower)');
    }

    const dropped: { table: string; def: string }[] = [];
    await step('drop secondary indexes of bulk tables', async () => {
      const rows = await sql<{ name: string; table: string; def: string }[]>`
        select i.indexrelid::regclass::text as name, c.relname as table, pg_get_indexdef(i.indexrelid) as def
        from pg_index i join pg_class c on c.oid = i.indrelid
        where c.relname = any(${BULK_TABLES}) and c.relnamespace = 'public'::regnamespace
          and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`;
      for (const r of rows) {
        await q(`drop index ${r.name}`);
        dropped.push({ table: r.table, def: r.def });
      }
    });

    await step('units, chat bindings, checklists, campaigns', async () => {
      await q(
        `insert into units (id, code, name, kind, parent_id, path, full_name, created_at, updated_at)
         values (1, '530000000000', '云岭省', 'county', null, '/1/', '云岭省', $1, $1)`,
        ['2024-01-02T00:00:00Z'],
      );
      // County c (0-based): id 2 + c; township t: id 2 + C + t, county t / 10; village v: id 2 + C + T + v,
      // township v / 15.
      await q(
        `insert into units (id, code, name, kind, parent_id, path, full_name, created_at, updated_at)
         select 2 + c, '53' || lpad((c + 1)::text, 4, '0') || '000000', n.name, 'county', 1,
           '/1/' || (2 + c) || '/', '云岭省/' || n.name, $1, $1
         from generate_series(0, $2 - 1) c,
           lateral (select (array['安','宁','永','平','德','昌','富','华','兴','和'])[1 + c % 10]
             || (array['山','川','河','源','江','阳','丰','泰','西','东'])[1 + (c / 10) % 10] || '县' as name) n`,
        ['2024-01-02T00:00:00Z', C],
      );
      await q(
        `insert into units (id, code, name, kind, parent_id, path, full_name, created_at, updated_at)
         select 2 + $2 + t, '53' || lpad((t / 10 + 1)::text, 4, '0') || lpad((t % 10 + 1)::text, 3, '0') || '000',
           n.name, 'township', 2 + t / 10, '/1/' || (2 + t / 10) || '/' || (2 + $2 + t) || '/',
           p.full_name || '/' || n.name, $1, $1
         from generate_series(0, $3 - 1) t
           join units p on p.id = 2 + t / 10,
           lateral (select (array['城关','石桥','龙潭','白沙','青松','黄坪','马街','新田','清水','大河'])[1 + t % 10]
             || case when t % 3 = 0 then '乡' else '镇' end as name) n`,
        ['2024-01-02T00:00:00Z', C, T],
      );
      await q(
        `insert into units (id, code, name, kind, parent_id, path, full_name, created_at, updated_at)
         select 2 + $2 + $3 + v, p.code_prefix || lpad((v % 15 + 1)::text, 3, '0'), n.name, 'village',
           p.id, p.path || (2 + $2 + $3 + v) || '/', p.full_name || '/' || n.name, $1, $1
         from generate_series(0, $4 - 1) v
           join (select id, path, full_name, substr(code, 1, 9) as code_prefix from units) p
             on p.id = 2 + $2 + v / 15,
           lateral (select (array['东','西','南','北','上','下','新','老','大','小','高','石','柳','杨','松','竹','桃','李','梨','枣'])[1 + v % 20]
             || (array['山','河','坪','坝','沟','湾','岭','寨','庄','桥','塘','溪','岗','田','林'])[1 + (v / 20) % 15]
             || '村' as name) n`,
        ['2024-01-02T00:00:00Z', C, T, V],
      );
      await q(`select setval('units_id_seq', (select max(id) from units))`);
      await q(
        `insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
         select 'oc_v' || id, id, 'active', 'ou_admin', $1 from units where kind = 'village' order by id`,
        ['2024-01-05T00:00:00Z'],
      );
      await q(
        `insert into checklists (code, version, title, level, source_file, content_hash, content, loaded_at)
         values ($1, 1, $2, 'village', 'config/checklists/village-jzfp.yaml', md5($3), $4::text::jsonb, $7),
                ($5, 1, $6, 'household', 'config/checklists/household-jzfp.yaml', md5($8), $9::text::jsonb, $7)`,
        [
          village.template.code,
          village.template.title,
          village.text,
          JSON.stringify(village.template),
          household.template.code,
          household.template.title,
          '2024-01-10T00:00:00Z',
          household.text,
          JSON.stringify(household.template),
        ],
      );
      for (const c of campaigns) {
        await q(
          `insert into campaigns (id, code, title, checklist_code, checklist_version, year, deadline, created_at, created_by)
           values ($1, $2, $3, 'village-jzfp', 1, $4, $5, $6, 'cli')`,
          [
            c.id,
            c.code,
            `${c.year}年度一村一档`,
            c.year,
            c.deadline.toISOString(),
            `${c.year}-01-15T00:00:00Z`,
          ],
        );
      }
      await q(`select setval('campaigns_id_seq', 2)`);
      await q(
        `create temp table bench_items as
         select * from jsonb_to_recordset($1::text::jsonb) as x(pos int, level text, item_code text, title text,
           class text, retention text, kinds text[], min_count int, keywords text[], guidance text,
           due_2024 timestamptz, due_2025 timestamptz)`,
        [JSON.stringify(items)],
      );
      await q(
        `insert into households (unit_id, code, head_name, group_name, details, created_at, updated_at)
         select $1, lpad(h::text, 2, '0'),
           (array['张','王','李','赵','刘','陈','杨','黄','周','吴'])[1 + (h - 1) % 10]
             || (array['伟','芳','秀英','建国','桂兰','志强'])[1 + (h - 1) / 10 % 6],
           '第' || (1 + (h - 1) / 10) || '村民小组', '{}'::jsonb, $2, $2
         from generate_series(1, $3) h`,
        [suggestUnitId, '2025-01-10T00:00:00Z', SUGGEST_HOUSEHOLDS],
      );
    });

    await step(`tasks (${V} villages × 2 campaigns × 25 items)`, async () => {
      // Heap order: campaign by campaign (as created a year apart), unit by unit within.
      await q(
        `insert into tasks (campaign_id, unit_id, household_id, item_code, code, position, title, class, retention,
           kinds, min_count, keywords, guidance, due_at, state, responsible, waived_at, waived_by, waived_reason,
           created_at)
         select c.id, u.id, null, i.item_code, i.item_code, i.pos, i.title, i.class, i.retention, i.kinds,
           i.min_count, i.keywords, i.guidance, case c.year when 2024 then i.due_2024 else i.due_2025 end,
           w.state, array['ou_officer_' || u.id, 'ou_secretary_' || u.id],
           case when w.state = 'waived' then c.created_at + interval '120 days' end,
           case when w.state = 'waived' then 'ou_archivist_' || u.parent_id end,
           case when w.state = 'waived' then '本村无此项工作' end,
           c.created_at
         from campaigns c cross join units u cross join bench_items i,
           lateral (select case when u.id <> $1 and abs(hashint8(u.id * 1000 + i.pos * 10 + c.id)) % 100 < 2
             then 'waived' else 'open' end as state) w
         where u.kind = 'village' and i.level = 'village'
         order by c.id, u.id, i.pos`,
        [suggestUnitId],
      );
      await q(
        `insert into tasks (campaign_id, unit_id, household_id, item_code, code, position, title, class, retention,
           kinds, min_count, keywords, guidance, due_at, state, responsible, created_at)
         select 2, h.unit_id, h.id, i.item_code, i.item_code || '-' || h.code, i.pos, i.title, i.class, i.retention,
           i.kinds, i.min_count, i.keywords, i.guidance, i.due_2025, 'open', array['ou_officer_' || h.unit_id],
           timestamptz '2025-01-15'
         from households h cross join bench_items i
         where h.unit_id = $1 and i.level = 'household'
         order by h.id, i.pos`,
        [suggestUnitId],
      );
    });

    let filedMaterials = 0;
    await step('filing plan (who files what, when)', async () => {
      // One row per filing item. r decides how many items a task gets, h2 the item's kind, size, time.
      await q(
        `create temp table plan as
         with t as (
           select t.id as task_id, t.unit_id, t.kinds, t.min_count, t.title, c.year,
             abs(hashint8(t.id)) % 100 as r
           from tasks t join campaigns c on c.id = t.campaign_id where t.state = 'open'),
         p as (
           select t.*, s.seq, abs(hashint8(t.task_id * 4 + s.seq)) as h2
           from t cross join lateral generate_series(1,
             case when t.r < (case t.year when 2024 then 20 else 10 end) then 2
                  when t.r < (case t.year when 2024 then 85 else 50 end) then 1 else 0 end) s(seq)),
         k as (
           select p.*, p.kinds[(1 + p.h2 % cardinality(p.kinds))::int] as main_kind,
             1 + (p.h2 / 7) % (p.min_count + 1) as n_main,
             case when p.year = 2024 then timestamptz '2024-02-01' + (p.h2 % 28000000) * interval '1 second'
                  else timestamptz '2025-02-01' + (p.h2 % 25000000) * interval '1 second' end as filed_at
           from p),
         e as (
           select k.*, case when k.main_kind = 'document' and (k.h2 / 101) % 10 = 0 then 1 else 0 end as n_extra
           from k)
         select e.*, e.n_main + e.n_extra as n_total,
           row_number() over w as item_id,
           (sum(e.n_main + e.n_extra) over w - (e.n_main + e.n_extra))::bigint as mat_offset
         from e
         window w as (order by e.filed_at, e.task_id, e.seq)`,
      );
      const [row] = await q(
        `select coalesce(sum(n_total), 0)::bigint as n, count(*)::int as items from plan`,
      );
      filedMaterials = Number(row!.n);
      if (filedMaterials > materialsTotal)
        throw new Error(`filed materials (${filedMaterials}) exceed the material total (${materialsTotal})`);
    });

    const MATERIAL_COLUMNS = `id, message_id, resource_key, resource_type, chat_id, sender_open_id, sent_at, kind, role,
      original_name, declared_mime, sniffed_mime, size_bytes, duration_ms, sha256, storage_key, status, attempts,
      last_error, taken_at, width, height, quality, created_at, stored_at`;
    // x: id, unit_id, kind, sent_at, status, name (base file name) — shared column expressions.
    const materialSelect = (from: string) => `
      select x.id, 'om_' || lpad(to_hex(x.id), 12, '0'), case x.kind when 'photo' then 'img_v3_' else 'file_v3_' end
          || md5(x.id::text), case x.kind when 'photo' then 'image' else 'file' end, 'oc_v' || x.unit_id,
        'ou_officer_' || x.unit_id, x.sent_at, x.kind, 'main',
        case x.kind when 'photo' then null when 'document' then x.name || '.pdf' when 'video' then x.name || '.mp4'
          else x.name || '.m4a' end,
        case x.kind when 'photo' then 'image/jpeg' when 'document' then 'application/pdf' when 'video' then 'video/mp4'
          else 'audio/mp4' end,
        case when x.status = 'stored' then case x.kind when 'photo' then 'image/jpeg' when 'document' then 'application/pdf'
          when 'video' then 'video/mp4' else 'audio/mp4' end end,
        case x.kind when 'photo' then 800000 + x.id % 3000000 when 'document' then 150000 + x.id % 900000
          when 'video' then 20000000 + x.id % 80000000 else 300000 + x.id % 2000000 end,
        case when x.kind in ('video', 'audio') then 15000 + (x.id % 120) * 1000 end,
        case when x.status = 'stored' then s.h end,
        case when x.status = 'stored' then 'blobs/' || substr(s.h, 1, 2) || '/' || s.h end,
        x.status, case when x.status = 'stored' then 1 when x.status = 'pending' then 0 else 3 end,
        case when x.status = 'failed' then 'download timeout' end,
        case when x.kind = 'photo' and x.id % 5 <> 0 then x.sent_at - interval '2 hours' end,
        case when x.kind = 'photo' then case when x.id % 5 = 0 then 1280 else 4000 end end,
        case when x.kind = 'photo' then case when x.id % 5 = 0 then 960 else 3000 end end,
        case when x.kind = 'photo' then case when x.id % 5 = 0 then 'compressed' else 'ok' end end,
        x.sent_at, case when x.status = 'stored' then x.sent_at + interval '20 seconds' end
      from (${from}) x, lateral (select encode(sha256(int8send(x.id)), 'hex') as h) s`;

    await step(`materials: ${filedMaterials} filed`, async () => {
      await q(
        `insert into materials (${MATERIAL_COLUMNS})
         ${materialSelect(`select p.mat_offset + g + 1 as id, p.unit_id,
             case when g < p.n_main then p.main_kind else 'photo' end as kind,
             p.filed_at - interval '5 minutes' + g * interval '2 seconds' as sent_at, 'stored' as status,
             p.title || '_' || (g + 1) as name
           from plan p cross join lateral generate_series(0, p.n_total - 1) g
           order by p.item_id, g`)}`,
      );
    });

    await step(`materials: ${materialsTotal - filedMaterials} unfiled`, async () => {
      await q(
        `insert into materials (${MATERIAL_COLUMNS})
         ${materialSelect(`select g as id, $3::bigint + g % $4::bigint as unit_id,
             case when g % 100 < 75 then 'photo' when g % 100 < 95 then 'document' when g % 100 < 98 then 'video'
               else 'audio' end as kind,
             timestamptz '2024-02-01' + (g - $1::bigint) * ((timestamptz '2025-11-20' - timestamptz '2024-02-01') / ($2::bigint - $1::bigint + 1))
               as sent_at,
             case when g % 200 = 0 then 'failed' when g % 200 = 1 then 'needs_reupload'
               when g > $2::bigint - 500 then 'pending' else 'stored' end as status,
             '扫描件' || g as name
           from generate_series($1::bigint, $2::bigint) g`)}`,
        [filedMaterials + 1, materialsTotal, villageId(0), V],
      );
      await q(`select setval('materials_id_seq', $1)`, [materialsTotal]);
    });

    await step('filing items + filing_item_materials', async () => {
      await q(
        `insert into filing_items (id, task_id, unit_id, burst_id, kind, title, n_photo, n_document, n_audio, n_video,
           filed_by, filed_at, via, chat_id, undone_at, undone_by)
         select p.item_id, p.task_id, p.unit_id, null,
           case when p.n_extra > 0 then 'document' when p.main_kind = 'photo' then 'photo_group' else p.main_kind end,
           p.title, case when p.main_kind = 'photo' then p.n_main else 0 end + p.n_extra,
           case when p.main_kind = 'document' then p.n_main else 0 end,
           case when p.main_kind = 'audio' then p.n_main else 0 end,
           case when p.main_kind = 'video' then p.n_main else 0 end,
           'ou_officer_' || p.unit_id, p.filed_at,
           (array['card', 'card', 'card', 'code', 'reply', 'cli'])[(1 + p.h2 % 6)::int],
           case when p.h2 % 6 < 5 then 'oc_v' || p.unit_id end,
           case when (p.h2 / 13) % 50 = 0 then p.filed_at + interval '10 minutes' end,
           case when (p.h2 / 13) % 50 = 0 then 'ou_officer_' || p.unit_id end
         from plan p order by p.item_id`,
      );
      await q(`select setval('filing_items_id_seq', (select coalesce(max(id), 1) from filing_items))`);
      await q(
        `insert into filing_item_materials (item_id, material_id, position)
         select p.item_id, p.mat_offset + g + 1, g + 1
         from plan p cross join lateral generate_series(0, p.n_total - 1) g
         order by p.item_id, g`,
      );
    });

    // The load runs with triggers off (replica): write what the triggers of migrations 0013
    // (search text) and 0014 (progress counts) would have.
    await step('search text (item_search)', () =>
      q(
        `insert into item_search (item_id, doc) select id, doc from item_search_docs on conflict (item_id) do nothing`,
      ),
    );
    await step('progress counts (unit_progress_counts)', () => q(`select progress_counts_rebuild()`));

    await step(`rebuild ${dropped.length} indexes (2 connections)`, async () => {
      // The big table's indexes first, so the two connections finish together.
      const queue = [
        ...dropped.filter((d) => d.table === 'materials'),
        ...dropped.filter((d) => d.table !== 'materials'),
      ];
      const worker = async () => {
        const conn = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
        try {
          await conn.unsafe(`set maintenance_work_mem = '256MB'`);
          await conn.unsafe(`set max_parallel_maintenance_workers = 0`);
          for (let job = queue.shift(); job; job = queue.shift()) await conn.unsafe(job.def);
        } finally {
          await conn.end({ timeout: 5 });
        }
      };
      await Promise.all([worker(), worker()]);
    });

    if (replica) await q(`set session_replication_role = origin`);
    await step('vacuum analyze', () => q(`vacuum (analyze)`));

    await step('consistency checks', async () => {
      const [bad] = await q(
        `select
           (select count(*)::int from filing_items fi
              join (select f.item_id, count(*) filter (where m.kind = 'photo') as p,
                      count(*) filter (where m.kind = 'document') as d, count(*) filter (where m.kind = 'audio') as a,
                      count(*) filter (where m.kind = 'video') as v
                    from filing_item_materials f join materials m on m.id = f.material_id group by f.item_id) c
                on c.item_id = fi.id
              where (fi.n_photo, fi.n_document, fi.n_audio, fi.n_video) <> (c.p, c.d, c.a, c.v)) as counts,
           (select count(*)::int from filing_items fi join tasks t on t.id = fi.task_id where fi.unit_id <> t.unit_id)
             as units,
           (select count(*)::int from filing_item_materials f left join materials m on m.id = f.material_id
              where m.id is null) as orphans`,
      );
      if (bad!.counts || bad!.units || bad!.orphans)
        throw new Error(`dataset inconsistent: ${JSON.stringify(bad)}`);
    });

    return {
      provinceId: 1,
      countyId,
      suggestUnitId,
      now,
      ...(await datasetCounts(sql, countyId)),
      buildMs: performance.now() - started,
      steps,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
