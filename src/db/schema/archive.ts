import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamptz,
  uniqueIndex,
} from './columns.js';
import { filingItems } from './tasks.js';
import { materials } from './materials.js';
import { units } from './org.js';
import type { ArchiveRecordStatus } from './column-types.js';

/**
 * One row per numbering class (全宗 + 门类 + 年度 + 保管期限 + 机构(问题)): the last 件号 handed out.
 * Confirmation locks the row (FOR UPDATE) so concurrent confirmations never collide or leave gaps.
 */
export const archiveCounters = pgTable('archive_counters', {
  classKey: text('class_key').primaryKey(),
  lastNumber: integer('last_number').notNull().default(0),
  updatedAt: timestamptz('updated_at').notNull(),
});

/**
 * 档号 assignments. Every number ever handed out stays a row: unconfirming an item retires its
 * number (status `withdrawn`), so each class is 1..N without gaps and a number is never reused.
 */
export const archiveRecords = pgTable(
  'archive_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    itemId: bigint('item_id', { mode: 'number' })
      .notNull()
      .references(() => filingItems.id),
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    classKey: text('class_key').notNull(),
    fondsCode: text('fonds_code').notNull(),
    categoryCode: text('category_code').notNull(),
    year: integer('year').notNull(),
    retentionCode: text('retention_code').notNull(),
    /** '' when the class drops 机构(问题) (photos, audio, video by default). */
    orgCode: text('org_code').notNull(),
    /** 件号 within the class, from 1. */
    pieceNumber: integer('piece_number').notNull(),
    archivalCode: text('archival_code').notNull(),
    /** Pages counted at confirmation (PDF pages, one per image); a description may override it. */
    pages: integer('pages'),
    /** confirmed | withdrawn */
    status: text('status').$type<ArchiveRecordStatus>().notNull().default('confirmed'),
    confirmedAt: timestamptz('confirmed_at').notNull(),
    confirmedBy: text('confirmed_by').notNull(),
    withdrawnAt: timestamptz('withdrawn_at'),
    withdrawnBy: text('withdrawn_by'),
    withdrawnReason: text('withdrawn_reason'),
  },
  (t) => [
    uniqueIndex('archive_records_class_piece_key').on(t.classKey, t.pieceNumber),
    uniqueIndex('archive_records_code_key').on(t.archivalCode),
    // An item holds at most one live number.
    uniqueIndex('archive_records_live_item_key')
      .on(t.itemId)
      .where(sql`status = 'confirmed'`),
    index('archive_records_unit_year_idx').on(t.unitId, t.year),
    index('archive_records_item_idx').on(t.itemId),
    // Retired numbers of a unit (the 移交包 page's 移交后变更): few, read without walking the live ones.
    index('archive_records_withdrawn_idx')
      .on(t.unitId, t.withdrawnAt)
      .where(sql`status = 'withdrawn'`),
  ],
);

/**
 * What an archivist or officer said about an item (著录): the 2015 catalogue fields they set and
 * the DA/T 50 photo description. Null means "use the default" (task, unit, material, EXIF).
 */
export const itemDescriptions = pgTable('item_descriptions', {
  itemId: bigint('item_id', { mode: 'number' })
    .primaryKey()
    .references(() => filingItems.id),
  docNumber: text('doc_number'),
  responsible: text('responsible'),
  title: text('title'),
  /** YYYYMMDD */
  date: text('date'),
  secrecy: text('secrecy'),
  pages: integer('pages'),
  remarks: text('remarks'),
  /** DA/T 50: 事由 / 地点 / 人物 */
  reason: text('reason'),
  place: text('place'),
  people: text('people'),
  photographer: text('photographer'),
  /** DA/T 50 背景 of the group (what led to the event), when someone knows it. */
  background: text('background'),
  describedBy: text('described_by').notNull(),
  describedAt: timestamptz('described_at').notNull(),
});

/**
 * DA/T 50 per-photo 说明 and 背景 of one photo of a group (by its material); what is not given
 * falls back to the photo's own caption, then to the group's description.
 */
export const photoNotes = pgTable(
  'photo_notes',
  {
    itemId: bigint('item_id', { mode: 'number' })
      .notNull()
      .references(() => filingItems.id),
    materialId: bigint('material_id', { mode: 'number' })
      .notNull()
      .references(() => materials.id),
    note: text('note'),
    background: text('background'),
    describedBy: text('described_by').notNull(),
    describedAt: timestamptz('described_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.materialId] })],
);

/**
 * 张号 of each photo of a confirmed group, fixed at confirmation (DA/T 50 照片号 = 档号-张号): a recall
 * taking a photo off the group afterwards leaves its number unused (`recalled_at`, stated in the
 * catalogue) instead of renumbering the photos after it, whose 照片号 the archivist already confirmed.
 */
export const archivePhotoNumbers = pgTable(
  'archive_photo_numbers',
  {
    recordId: bigint('record_id', { mode: 'number' })
      .notNull()
      .references(() => archiveRecords.id),
    materialId: bigint('material_id', { mode: 'number' })
      .notNull()
      .references(() => materials.id),
    /** 张号, from 1. */
    photoNumber: integer('photo_number').notNull(),
    /** When a recall took the photo off the group: its 张号 stays unused. */
    recalledAt: timestamptz('recalled_at'),
  },
  (t) => [
    primaryKey({ name: 'archive_photo_numbers_pkey', columns: [t.recordId, t.photoNumber] }),
    uniqueIndex('archive_photo_numbers_material_key').on(t.recordId, t.materialId),
  ],
);
