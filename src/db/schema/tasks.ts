import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamptz,
  uniqueIndex,
} from './columns.js';
import { bursts, materials } from './materials.js';
import { households, units } from './org.js';
import type { FilingItemKind, FilingVia } from './column-types.js';

/** Checklist templates as loaded from config/checklists/*.yaml; a changed file becomes a new version. */
export const checklists = pgTable(
  'checklists',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    code: text('code').notNull(),
    version: integer('version').notNull(),
    title: text('title').notNull(),
    /** village | household */
    level: text('level').notNull(),
    sourceFile: text('source_file').notNull(),
    /** sha256 of the normalized content: unchanged files do not make a new version. */
    contentHash: text('content_hash').notNull(),
    /** The validated template (items included). */
    content: jsonb('content').notNull(),
    loadedAt: timestamptz('loaded_at').notNull(),
  },
  (t) => [uniqueIndex('checklists_code_version_key').on(t.code, t.version)],
);

/** One round of collection: a checklist version instantiated for a year over some units. */
export const campaigns = pgTable(
  'campaigns',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    code: text('code').notNull(),
    title: text('title').notNull(),
    checklistCode: text('checklist_code').notNull(),
    checklistVersion: integer('checklist_version').notNull(),
    year: integer('year').notNull(),
    deadline: timestamptz('deadline').notNull(),
    createdAt: timestamptz('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [uniqueIndex('campaigns_code_key').on(t.code)],
);

/**
 * One expected piece of evidence for one unit (or household). The checklist item is copied in, so
 * later edits of the YAML never rewrite history. Completeness is derived from filings, not stored.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    campaignId: bigint('campaign_id', { mode: 'number' })
      .notNull()
      .references(() => campaigns.id),
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    householdId: bigint('household_id', { mode: 'number' }).references(() => households.id),
    itemCode: text('item_code').notNull(),
    /** What an officer types after '#': the item code, plus '-<household code>' for household tasks. */
    code: text('code').notNull(),
    position: integer('position').notNull(),
    title: text('title').notNull(),
    /** 综合类 | 精准识别类 | 精准施策类 | 精准脱贫类 (or the tenant's scheme) */
    class: text('class').notNull(),
    /** Y | D30 | D10 */
    retention: text('retention').notNull(),
    kinds: text('kinds').array().notNull(),
    /**
     * What an item of this task is archived as (its 门类): photographed pages of a signed form are
     * 文书 (`document`), not 照片. Null on tasks made before the column: derived from `kinds`.
     */
    archiveAs: text('archive_as').$type<'photo' | 'document' | 'audio' | 'video'>(),
    /** `kinds` as bits (photo 1, document 2, audio 4, video 8), generated: cheap to test in rollups. */
    kindMask: integer('kind_mask')
      .notNull()
      .generatedAlwaysAs(
        sql`(case when 'photo' = any(kinds) then 1 else 0 end) | (case when 'document' = any(kinds) then 2 else 0 end)
          | (case when 'audio' = any(kinds) then 4 else 0 end) | (case when 'video' = any(kinds) then 8 else 0 end)`,
      ),
    minCount: integer('min_count').notNull(),
    keywords: text('keywords').array().notNull(),
    guidance: text('guidance'),
    dueAt: timestamptz('due_at').notNull(),
    /** open | waived — partly/complete are computed from filings. */
    state: text('state').notNull().default('open'),
    responsible: text('responsible').array().notNull(),
    waivedAt: timestamptz('waived_at'),
    waivedBy: text('waived_by'),
    waivedReason: text('waived_reason'),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('tasks_slot_key').on(t.campaignId, t.unitId, sql`coalesce(household_id, 0)`, t.itemCode),
    index('tasks_unit_code_idx').on(t.unitId, t.code),
    // Covers progress and missing-list scans of a subtree (index-only: no heap visits per task).
    // (unit_id, id) first: tasks come out in (unit, task) order and merge-join the per-task filing sums.
    index('tasks_progress_idx').on(
      t.unitId,
      t.id,
      t.campaignId,
      t.state,
      t.dueAt,
      t.minCount,
      t.position,
      t.code,
      t.kindMask,
    ),
    index('tasks_household_idx').on(t.householdId),
  ],
);

/**
 * 件 / 照片组: what one filing put against a task. Per-kind counts are kept with the members (set at
 * filing, raised when a file of the burst finishes downloading afterwards: joinLiveFiling), so
 * completeness needs no join to materials.
 */
export const filingItems = pgTable(
  'filing_items',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    taskId: bigint('task_id', { mode: 'number' })
      .notNull()
      .references(() => tasks.id),
    /** The task's unit (kept in step on refile): subtree rollups scan items by unit, not per task. */
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    burstId: bigint('burst_id', { mode: 'number' }).references(() => bursts.id),
    /** document | photo_group | audio | video */
    kind: text('kind').$type<FilingItemKind>().notNull(),
    title: text('title').notNull(),
    nPhoto: integer('n_photo').notNull().default(0),
    nDocument: integer('n_document').notNull().default(0),
    nAudio: integer('n_audio').notNull().default(0),
    nVideo: integer('n_video').notNull().default(0),
    filedBy: text('filed_by').notNull(),
    filedAt: timestamptz('filed_at').notNull(),
    /** reply | code | card | cli */
    via: text('via').$type<FilingVia>().notNull(),
    /** Chat the filing was done from, when it was. */
    chatId: text('chat_id'),
    refiledAt: timestamptz('refiled_at'),
    undoneAt: timestamptz('undone_at'),
    undoneBy: text('undone_by'),
  },
  (t) => [
    // One live filing per burst: a second (or concurrent) click cannot file it twice.
    uniqueIndex('filing_items_live_burst_key')
      .on(t.burstId)
      .where(sql`undone_at is null and burst_id is not null`),
    index('filing_items_live_unit_idx')
      .on(t.unitId, t.taskId, t.nPhoto, t.nDocument, t.nAudio, t.nVideo)
      .where(sql`undone_at is null`),
    index('filing_items_task_idx').on(t.taskId),
    // Search and its date filters: live items newest first, over the province or within some units.
    index('filing_items_live_filed_idx')
      .on(t.filedAt, t.id)
      .where(sql`undone_at is null`),
    index('filing_items_live_unit_filed_idx')
      .on(t.unitId, t.filedAt, t.id)
      .where(sql`undone_at is null`),
    // A person renamed: their items' search text (item_search) is rewritten.
    index('filing_items_filed_by_idx').on(t.filedBy),
    // A wide unit page's quality problems: the recent live photo groups, counted by unit (index-only).
    index('filing_items_live_photo_groups_filed_idx')
      .on(t.filedAt, t.unitId, t.id)
      .where(sql`undone_at is null and kind = 'photo_group'`),
  ],
);

export const filingItemMaterials = pgTable(
  'filing_item_materials',
  {
    itemId: bigint('item_id', { mode: 'number' })
      .notNull()
      .references(() => filingItems.id),
    materialId: bigint('material_id', { mode: 'number' })
      .notNull()
      .references(() => materials.id),
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ name: 'filing_item_materials_pkey', columns: [t.itemId, t.materialId] }),
    index('filing_item_materials_material_idx').on(t.materialId),
  ],
);

/** Who did what to filings, tasks and bindings; append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamptz('at').notNull(),
    /** open_id, or 'cli' */
    actor: text('actor').notNull(),
    /** file | undo | refile | unfile | waive | unwaive | bind | unbind | pause | resume | grant_role | … */
    action: text('action').notNull(),
    /** chat | card | cli */
    source: text('source').notNull(),
    unitId: bigint('unit_id', { mode: 'number' }),
    taskId: bigint('task_id', { mode: 'number' }),
    itemId: bigint('item_id', { mode: 'number' }),
    burstId: bigint('burst_id', { mode: 'number' }),
    chatId: text('chat_id'),
    details: jsonb('details').notNull().default({}),
  },
  (t) => [
    index('audit_log_unit_at_idx').on(t.unitId, t.at),
    index('audit_log_item_idx').on(t.itemId),
    index('audit_log_task_idx').on(t.taskId),
    // A burst's 不归档 / 重新选择任务 (the chase of unfiled bursts reads the newest).
    index('audit_log_burst_idx')
      .on(t.burstId)
      .where(sql`burst_id is not null`),
  ],
);
