import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  jsonb,
  pgTable,
  text,
  timestamptz,
  uniqueIndex,
  type AnyPgColumn,
} from './columns.js';
import type { BindingStatus, UnitStatus } from './column-types.js';

/**
 * The administrative tree: county → township → village (and line departments). `path` is the
 * materialized path of ids ('/1/7/42/'), so a subtree is one prefix range on an index.
 */
export const units = pgTable(
  'units',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    /** county | township | village | department */
    kind: text('kind').notNull(),
    parentId: bigint('parent_id', { mode: 'number' }).references((): AnyPgColumn => units.id),
    /** Ids from the root down, slash-delimited, ending in this unit's id: '/1/7/42/'. */
    path: text('path').notNull(),
    /** Names from the root down for display: '某县/城关镇/城关村'. */
    fullName: text('full_name').notNull(),
    /** Per-unit switches, e.g. { reminders: false }. */
    settings: jsonb('settings').notNull().default({}),
    /**
     * active | retired (撤并/撤销: `units retire`). A retired unit stays with its tasks, items and 档号
     * for good, but is no longer chased: no reminders, digests, setup gaps or new campaign tasks.
     */
    status: text('status').$type<UnitStatus>().notNull().default('active'),
    /** When it was retired (the day `--date` names, at local midnight); null while active. */
    retiredAt: timestamptz('retired_at'),
    /** The unit it merged into (撤并到), if any; null while active or when simply abolished. */
    mergedIntoId: bigint('merged_into_id', { mode: 'number' }).references((): AnyPgColumn => units.id),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('units_code_key').on(t.code),
    index('units_path_idx').on(t.path.op('text_pattern_ops')),
    index('units_parent_idx').on(t.parentId),
  ],
);

/** Which unit a group chat works for. Bot removal pauses the binding; nothing is deleted. */
export const chatBindings = pgTable(
  'chat_bindings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chatId: text('chat_id').notNull(),
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    /** active | paused | ended (replaced by a later binding) */
    status: text('status').$type<BindingStatus>().notNull(),
    boundBy: text('bound_by'),
    boundAt: timestamptz('bound_at').notNull(),
    pausedAt: timestamptz('paused_at'),
    endedAt: timestamptz('ended_at'),
  },
  (t) => [
    // At most one live (active or paused) binding per chat.
    uniqueIndex('chat_bindings_live_chat_key')
      .on(t.chatId)
      .where(sql`status <> 'ended'`),
    index('chat_bindings_unit_idx')
      .on(t.unitId)
      .where(sql`status = 'active'`),
  ],
);

export const people = pgTable('people', {
  openId: text('open_id').primaryKey(),
  name: text('name').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
});

/** Roles hold for the unit and its whole subtree (a township archivist covers its villages). */
export const unitRoles = pgTable(
  'unit_roles',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    openId: text('open_id').notNull(),
    /** officer | archivist | leader | admin */
    role: text('role').notNull(),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('unit_roles_unit_person_role_key').on(t.unitId, t.openId, t.role),
    index('unit_roles_open_id_idx').on(t.openId),
  ],
);

/** 一户一档: households of a village (poverty-registered or monitored). */
export const households = pgTable(
  'households',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The village. */
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    /** Unique within the village; officers type it in task codes (#H03-12). */
    code: text('code').notNull(),
    headName: text('head_name').notNull(),
    /** 村民小组 */
    groupName: text('group_name'),
    details: jsonb('details').notNull().default({}),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [uniqueIndex('households_unit_code_key').on(t.unitId, t.code)],
);

/**
 * 全宗 per 立档单位: the unit that holds its own fonds (code given by the archive, its name, and the
 * 移交单位 its packages name). Units below inherit the nearest ancestor's fonds unless they hold one.
 */
export const fonds = pgTable(
  'fonds',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    /** 全宗号, e.g. A183 (letters and digits). */
    code: text('code').notNull(),
    /** 全宗名称: the 立档单位's official name. */
    name: text('name').notNull(),
    /** 移交单位 on its packages ('' = the fonds name). */
    transferringUnit: text('transferring_unit').notNull().default(''),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [uniqueIndex('fonds_unit_key').on(t.unitId), uniqueIndex('fonds_code_key').on(t.code)],
);
