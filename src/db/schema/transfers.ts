import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamptz,
} from './columns.js';
import { archiveRecords } from './archive.js';
import { units } from './org.js';

/**
 * One row per transfer package an export finished (移交包 or 预检包): when, who, its scope, where it was
 * written and whether it was sent to the chat, and its 数字摘要. Written in the transaction that gives
 * the package its final name, so an export that fails records nothing. A later export into the same
 * folder (a chat export retried) replaces the row of the package it replaced.
 */
export const transferPackages = pgTable(
  'transfer_packages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    createdAt: timestamptz('created_at').notNull(),
    /**
     * When the export began reading the records (before any of them): a 著录 change, recall or 撤销确认
     * made at or after it may be missing from the package, so 移交后变更 compares against this, not
     * created_at (recorded when the package got its name, possibly long after). Migration 0038 set it
     * to created_at for packages made before it was kept.
     */
    readAt: timestamptz('read_at').notNull(),
    /** The requester's open_id, or 'cli'. */
    actor: text('actor').notNull(),
    /** 'cli' | 'chat' */
    source: text('source').notNull(),
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    year: integer('year').notNull(),
    /** The fonds the package's records hold, joined with 、. */
    fondsCodes: text('fonds_codes').notNull(),
    /** 'carrier' | 'bag' */
    layout: text('layout').notNull(),
    /** The 四性 check failed: a 预检包, not to be handed over. */
    preCheck: boolean('pre_check').notNull(),
    /** SHA-256 of 其他/数字摘要清单.TXT (the 登记表's 数字摘要). */
    digest: text('digest').notNull(),
    /** The package's folder on the server. */
    outDir: text('out_dir').notNull(),
    /** Live 档号 on the carrier. */
    records: integer('records').notNull(),
    /**
     * The package's size on disk as it was written: every file's bytes and how many files (its whole
     * folder, the 登记表 and lists included). Null for packages recorded before these were kept.
     */
    bytes: bigint('bytes', { mode: 'number' }),
    files: integer('files'),
    /**
     * Set when the package was sent as a ZIP: the chat's id (oc_…), or the requester's open_id (ou_…)
     * when it went to them directly (domain/transfer-changes.ts `sentDirectly`).
     */
    sentChatId: text('sent_chat_id'),
    sentAt: timestamptz('sent_at'),
    /**
     * 已移交: the day the package was handed to the county archive (the start of that day in the
     * configured time zone), who received it (null: not said — packages recorded before handovers were
     * kept, migration 0035), who recorded it and when. Null while only made (已生成): only a handed-over
     * package is what the archive holds (移交后变更, 「已随移交包 #N 移交」, the cards' warnings).
     */
    handedAt: timestamptz('handed_at'),
    handedTo: text('handed_to'),
    handedBy: text('handed_by'),
    handedRecordedAt: timestamptz('handed_recorded_at'),
    /** 作废: a package made but never handed over, set aside (why, who, when); it drives nothing. */
    voidedAt: timestamptz('voided_at'),
    voidedBy: text('voided_by'),
    voidReason: text('void_reason'),
  },
  (t) => [
    index('transfer_packages_unit_year_idx').on(t.unitId, t.year),
    index('transfer_packages_out_dir_idx').on(t.outDir),
  ],
);

/** The live 档号 a package carries (a retired number listed in its catalogue is not carried). */
export const transferPackageRecords = pgTable(
  'transfer_package_records',
  {
    packageId: bigint('package_id', { mode: 'number' })
      .notNull()
      .references(() => transferPackages.id, { onDelete: 'cascade' }),
    recordId: bigint('record_id', { mode: 'number' })
      .notNull()
      .references(() => archiveRecords.id),
  },
  (t) => [
    primaryKey({ columns: [t.packageId, t.recordId] }),
    index('transfer_package_records_record_idx').on(t.recordId),
  ],
);

/**
 * 移交后变更 reported: a retired 档号 a 移交包 carried whose correction the archivist marked as sent to the
 * county archive (「已报送更正」 on the transfers page, or `archive transfers --reported`). One row per
 * archive record: a retired number is never live again. A mark made by mistake is taken back (撤销标记
 * on the page, audited): the row is deleted and the correction is owed again.
 */
export const transferCorrections = pgTable('transfer_corrections', {
  recordId: bigint('record_id', { mode: 'number' })
    .primaryKey()
    .references(() => archiveRecords.id),
  reportedAt: timestamptz('reported_at').notNull(),
  /** The archivist's open_id, or 'cli'. */
  reportedBy: text('reported_by').notNull(),
  /** How it was reported, as the archivist wrote it (e.g. the letter's 文号); none when not said. */
  note: text('note'),
});

/**
 * The units whose 件 a package carried (from its transfer_package_records, written with them): a unit's
 * 移交包 page finds a package of a unit above that carried its 件 (a township's package holding a
 * village's) by the unit, on this key, instead of walking every package's 档号.
 */
export const transferPackageUnits = pgTable(
  'transfer_package_units',
  {
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    packageId: bigint('package_id', { mode: 'number' })
      .notNull()
      .references(() => transferPackages.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.unitId, t.packageId] }),
    index('transfer_package_units_package_idx').on(t.packageId),
  ],
);

/**
 * The 移交后变更 a 移交包's 说明文件 stated (a retired 档号 an earlier 移交包 carried): each is stated once,
 * in the first 移交包 of its scope made after it was retired; later packages leave it out. A 预检包
 * states them too but is not handed over, so it records none.
 */
export const transferPackageChanges = pgTable(
  'transfer_package_changes',
  {
    packageId: bigint('package_id', { mode: 'number' })
      .notNull()
      .references(() => transferPackages.id, { onDelete: 'cascade' }),
    recordId: bigint('record_id', { mode: 'number' })
      .notNull()
      .references(() => archiveRecords.id),
  },
  (t) => [
    primaryKey({ columns: [t.packageId, t.recordId] }),
    index('transfer_package_changes_record_idx').on(t.recordId),
  ],
);
