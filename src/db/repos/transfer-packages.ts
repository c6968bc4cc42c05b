import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import {
  transferCorrections,
  transferPackageChanges,
  transferPackageRecords,
  transferPackages,
} from '../schema/index.js';
import {
  changeColumns,
  changesRelation,
  toChange,
  type ChangeAfterTransfer,
  type ChangeColumns,
} from './transfer-changes-query.js';

export type NewTransferPackage = Omit<
  typeof transferPackages.$inferInsert,
  'id' | 'sentChatId' | 'sentAt' | 'readAt'
> & {
  /** When its records began to be read (default createdAt). */
  readAt?: Date;
};

/**
 * Records a finished package, the live 档号 it carries (and so the units whose 件 it carries) and, for a
 * 移交包, the 移交后变更 its 说明文件 stated (`stated`: their retired records), which no package made
 * after this one is handed over states again. A package recorded before in the same folder stays on record: that folder may be a
 * carrier handed to the county archive and then wiped for the next export (a USB disk mounted at the
 * same path). Only a chat export retried forgets its own earlier attempt, before it writes again
 * (forgetTransferPackagesAt), and with it what that attempt stated.
 */
export async function insertTransferPackage(
  tx: Tx,
  pkg: NewTransferPackage,
  recordIds: number[],
  stated: number[] = [],
  chunk = 1000,
): Promise<number> {
  const [row] = await tx
    .insert(transferPackages)
    .values({ ...pkg, readAt: pkg.readAt ?? pkg.createdAt })
    .returning({ id: transferPackages.id });
  const id = row!.id;
  for (let i = 0; i < recordIds.length; i += chunk)
    await tx
      .insert(transferPackageRecords)
      .values(recordIds.slice(i, i + chunk).map((recordId) => ({ packageId: id, recordId })));
  await tx.execute(
    sql`insert into transfer_package_units (unit_id, package_id)
        select distinct ar.unit_id, ${id}::bigint from transfer_package_records r
          join archive_records ar on ar.id = r.record_id
        where r.package_id = ${id}`,
  );
  if (!pkg.preCheck)
    for (let i = 0; i < stated.length; i += chunk)
      await tx
        .insert(transferPackageChanges)
        .values(stated.slice(i, i + chunk).map((recordId) => ({ packageId: id, recordId })))
        .onConflictDoNothing();
  return id;
}

/** The packages recorded in these folders are gone (removed before an export writes there again). */
export async function forgetTransferPackagesAt(db: Db, outDirs: string[]): Promise<void> {
  await db.delete(transferPackages).where(inArray(transferPackages.outDir, outDirs));
}

/** The package was sent to the chat as a ZIP. */
export async function markTransferPackageSent(db: Db, id: number, chatId: string, at: Date): Promise<void> {
  await db
    .update(transferPackages)
    .set({ sentChatId: chatId, sentAt: at })
    .where(eq(transferPackages.id, id));
}

/** A package handed over to the county archive that carried a 档号 (已移交: not one only made, nor a 预检包). */
export interface PackageHolding {
  id: number;
  createdAt: Date;
  /** The day it was handed over. */
  handedAt: Date;
  unitName: string;
  year: number;
  digest: string;
  sent: boolean;
}

/**
 * The 移交包 carrying this 档号 that are only made (已生成: not handed over, not voided, not a 预检包),
 * oldest first: handed over perhaps, the handover not recorded.
 */
export async function madePackagesOfRecord(db: Db | Tx, recordId: number): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`select p.id::int as id from transfer_package_records r join transfer_packages p on p.id = r.package_id
        where r.record_id = ${recordId} and p.handed_at is null and p.voided_at is null and not p.pre_check
        order by p.created_at, p.id`,
  );
  return rows.map((r) => Number(r.id));
}

/** The handed-over 移交包 that carried this 档号, oldest first (by when made). */
export async function packagesHoldingRecord(db: Db | Tx, recordId: number): Promise<PackageHolding[]> {
  const rows = await queryRows<
    Omit<PackageHolding, 'createdAt' | 'handedAt'> & { createdAt: Date | string; handedAt: Date | string }
  >(
    db,
    sql`select p.id::int as id, p.created_at as "createdAt", p.handed_at as "handedAt", u.name as "unitName", p.year::int as year,
          p.digest, p.sent_chat_id is not null as sent
        from transfer_package_records r join transfer_packages p on p.id = r.package_id
          join units u on u.id = p.unit_id
        where r.record_id = ${recordId} and p.handed_at is not null
        order by p.created_at, p.id`,
  );
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    createdAt: new Date(r.createdAt),
    handedAt: new Date(r.handedAt),
  }));
}

export interface TransferPackageRow {
  id: number;
  createdAt: Date;
  actor: string;
  actorName: string | null;
  source: string;
  unitCode: string;
  unitName: string;
  year: number;
  fondsCodes: string;
  layout: string;
  preCheck: boolean;
  digest: string;
  outDir: string;
  records: number;
  /** The package folder's bytes and files on disk as written; null for one recorded before they were kept. */
  bytes: number | null;
  files: number | null;
  sentChatId: string | null;
  sentAt: Date | null;
  /** 已移交: the day handed over (its start), to whom (null: not recorded), who recorded it. */
  handedAt: Date | null;
  handedTo: string | null;
  handedBy: string | null;
  /** 作废: when, by whom, why (a package made, never handed over). */
  voidedAt: Date | null;
  voidedBy: string | null;
  voidReason: string | null;
}

/** The handover and void columns of package alias `a`, as TransferPackageRow names them (read back by handoverOf). */
export const handoverColumns = (a: 'p' | 'd'): SQL =>
  sql.raw(`${a}.handed_at as "handedAt", ${a}.handed_to as "handedTo", ${a}.handed_by as "handedBy",
    ${a}.voided_at as "voidedAt", ${a}.voided_by as "voidedBy", ${a}.void_reason as "voidReason"`);

/** handoverColumns' times as Dates (the driver may give text). */
export function handoverOf(r: { handedAt: Date | string | null; voidedAt: Date | string | null }): {
  handedAt: Date | null;
  voidedAt: Date | null;
} {
  return {
    handedAt: r.handedAt ? new Date(r.handedAt) : null,
    voidedAt: r.voidedAt ? new Date(r.voidedAt) : null,
  };
}

/**
 * Recorded packages of a unit's subtree (or all), newest first (`archive transfers`; the 移交包 page reads
 * them a page at a time, with those of units above that carried the subtree's 件: transferPackagesPage).
 */
export async function listTransferPackages(
  db: Db,
  scope: { unitPath?: string; year?: number },
): Promise<TransferPackageRow[]> {
  const sub = `${scope.unitPath ?? ''}%`;
  const rows = await queryRows<TransferPackageRow>(
    db,
    sql`select p.id::int as id, p.created_at as "createdAt", p.actor, pe.name as "actorName", p.source,
          u.code as "unitCode", u.name as "unitName", p.year::int as year, p.fonds_codes as "fondsCodes",
          p.layout, p.pre_check as "preCheck", p.digest, p.out_dir as "outDir", p.records::int as records,
          p.bytes::float8 as bytes, p.files::int as files,
          p.sent_chat_id as "sentChatId", p.sent_at as "sentAt", ${handoverColumns('p')}
        from transfer_packages p join units u on u.id = p.unit_id
          left join people pe on pe.open_id = p.actor
        where true ${scope.unitPath ? sql`and u.path like ${sub}` : sql``}
          ${scope.year !== undefined ? sql`and p.year = ${scope.year}` : sql``}
        order by p.created_at desc, p.id desc`,
  );
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    createdAt: new Date(r.createdAt),
    sentAt: r.sentAt ? new Date(r.sentAt) : null,
    ...handoverOf(r),
  }));
}

export type { ChangeAfterTransfer } from './transfer-changes-query.js';

/**
 * 移交后变更: 档号 of the scope (the record's unit subtree and year, whichever package carried it) that a
 * 移交包 carried and that were retired since it was made, one row per package that carried it, oldest
 * first (the 移交包 page reads the same relation a page at a time: transferChangesPage).
 */
export async function changesAfterTransfer(
  db: Db | Tx,
  /**
   * `owed`: only those whose correction is not yet marked as reported; `itemId`: one item's;
   * `unstated`: only those no handed-over 移交包's 说明文件 stated yet.
   */
  scope: { unitPath?: string; year?: number; owed?: boolean; itemId?: number; unstated?: boolean },
): Promise<ChangeAfterTransfer[]> {
  const { owed, ...rest } = scope;
  const rows = await queryRows<ChangeColumns>(
    db,
    sql`with x as (${changesRelation({ ...rest, ...(owed ? { corrections: 'owed' as const } : {}) })})
        select ${changeColumns} from x left join people rp on rp.open_id = x.reported_by
        order by x.withdrawn_at, x.archival_code, x.package_id`,
  );
  return rows.map(toChange);
}

/**
 * Marks a retired 档号's correction as sent to the county archive. Only a 移交后变更 (a withdrawn record a
 * 移交包 carried before it was retired) can be marked: anything else, or one marked already, is false.
 */
export async function markCorrectionReported(
  tx: Db | Tx,
  recordId: number,
  by: string,
  at: Date,
  note: string | null = null,
): Promise<boolean> {
  const [owed] = await queryRows<{ id: number }>(
    tx,
    sql`select ar.id::int as id from archive_records ar
        where ar.id = ${recordId} and ar.status = 'withdrawn'
          and exists (select 1 from transfer_package_records r join transfer_packages p on p.id = r.package_id
                       where r.record_id = ar.id and p.handed_at is not null and ar.withdrawn_at >= p.read_at)`,
  );
  if (!owed) return false;
  const rows = await tx
    .insert(transferCorrections)
    .values({ recordId, reportedAt: at, reportedBy: by, note })
    .onConflictDoNothing()
    .returning({ id: transferCorrections.recordId });
  return rows.length > 0;
}

/** Takes back a correction's mark (the row deleted: owed again); what it was, or undefined when none. */
export async function unmarkCorrectionReported(
  tx: Db | Tx,
  recordId: number,
): Promise<{ reportedAt: Date; reportedBy: string; note: string | null } | undefined> {
  const [row] = await tx
    .delete(transferCorrections)
    .where(eq(transferCorrections.recordId, recordId))
    .returning({
      reportedAt: transferCorrections.reportedAt,
      reportedBy: transferCorrections.reportedBy,
      note: transferCorrections.note,
    });
  return row;
}

/** What the item page says about a 移交包 that carried one of the item's 档号 (the first such package). */
export interface ItemTransfer {
  packageId: number;
  packageAt: Date;
  /** The day it was handed over (已移交). */
  handedAt: Date;
  archivalCode: string;
  /** That 档号 was retired after the package (撤销确认 or a recall). */
  withdrawnAt: Date | null;
  withdrawnReason: string | null;
  /** …and its correction was marked as sent to the county archive. */
  reportedAt: Date | null;
}

/** The item's 档号 that went out in a handed-over 移交包, newest 档号 first. */
export async function transfersOfItem(db: Db, itemId: number): Promise<ItemTransfer[]> {
  type When = Date | string;
  const rows = await queryRows<{
    packageId: number;
    packageAt: When;
    handedAt: When;
    archivalCode: string;
    withdrawnAt: When | null;
    withdrawnReason: string | null;
    reportedAt: When | null;
  }>(
    db,
    sql`select distinct on (ar.id) p.id::int as "packageId", p.created_at as "packageAt",
          p.handed_at as "handedAt",
          ar.archival_code as "archivalCode",
          case when ar.status = 'withdrawn' and ar.withdrawn_at >= p.read_at then ar.withdrawn_at end
            as "withdrawnAt",
          ar.withdrawn_reason as "withdrawnReason", tc.reported_at as "reportedAt"
        from archive_records ar join transfer_package_records r on r.record_id = ar.id
          join transfer_packages p on p.id = r.package_id
          left join transfer_corrections tc on tc.record_id = ar.id
        where ar.item_id = ${itemId} and p.handed_at is not null
        order by ar.id desc, p.created_at, p.id`,
  );
  return rows.map((r) => ({
    ...r,
    packageId: Number(r.packageId),
    packageAt: new Date(r.packageAt),
    handedAt: new Date(r.handedAt),
    withdrawnAt: r.withdrawnAt ? new Date(r.withdrawnAt) : null,
    reportedAt: r.reportedAt ? new Date(r.reportedAt) : null,
  }));
}
