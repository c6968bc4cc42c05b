import { eq, inArray, sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import { transferPackageRecords, transferPackages } from '../schema/index.js';

export type NewTransferPackage = Omit<typeof transferPackages.$inferInsert, 'id' | 'sentChatId' | 'sentAt'>;

/**
 * Records a finished package and the live 档号 it carries. A package recorded before in the same folder
 * stays on record: that folder may be a carrier handed to the county archive and then wiped for the next
 * export (a USB disk mounted at the same path). Only a chat export retried forgets its own earlier
 * attempt, before it writes again (forgetTransferPackagesAt).
 */
export async function insertTransferPackage(
  tx: Tx,
  pkg: NewTransferPackage,
  recordIds: number[],
  chunk = 1000,
): Promise<number> {
  const [row] = await tx.insert(transferPackages).values(pkg).returning({ id: transferPackages.id });
  const id = row!.id;
  for (let i = 0; i < recordIds.length; i += chunk)
    await tx
      .insert(transferPackageRecords)
      .values(recordIds.slice(i, i + chunk).map((recordId) => ({ packageId: id, recordId })));
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

/** A package that carried a 档号 (移交包 only: a 预检包 is not handed over). */
export interface PackageHolding {
  id: number;
  createdAt: Date;
  unitName: string;
  year: number;
  digest: string;
  sent: boolean;
}

/** The 移交包 (not 预检包) that carried this 档号, oldest first. */
export async function packagesHoldingRecord(db: Db | Tx, recordId: number): Promise<PackageHolding[]> {
  const rows = await queryRows<Omit<PackageHolding, 'createdAt'> & { createdAt: Date | string }>(
    db,
    sql`select p.id::int as id, p.created_at as "createdAt", u.name as "unitName", p.year::int as year,
          p.digest, p.sent_chat_id is not null as sent
        from transfer_package_records r join transfer_packages p on p.id = r.package_id
          join units u on u.id = p.unit_id
        where r.record_id = ${recordId} and not p.pre_check
        order by p.created_at, p.id`,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), createdAt: new Date(r.createdAt) }));
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
  sentChatId: string | null;
  sentAt: Date | null;
}

/** Recorded packages of a unit's subtree (or all), newest first. */
export async function listTransferPackages(
  db: Db,
  scope: { unitPath?: string; year?: number },
): Promise<TransferPackageRow[]> {
  const rows = await queryRows<TransferPackageRow>(
    db,
    sql`select p.id::int as id, p.created_at as "createdAt", p.actor, pe.name as "actorName", p.source,
          u.code as "unitCode", u.name as "unitName", p.year::int as year, p.fonds_codes as "fondsCodes",
          p.layout, p.pre_check as "preCheck", p.digest, p.out_dir as "outDir", p.records::int as records,
          p.sent_chat_id as "sentChatId", p.sent_at as "sentAt"
        from transfer_packages p join units u on u.id = p.unit_id
          left join people pe on pe.open_id = p.actor
        where true ${scope.unitPath ? sql`and u.path like ${`${scope.unitPath}%`}` : sql``}
          ${scope.year !== undefined ? sql`and p.year = ${scope.year}` : sql``}
        order by p.created_at desc, p.id desc`,
  );
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    createdAt: new Date(r.createdAt),
    sentAt: r.sentAt ? new Date(r.sentAt) : null,
  }));
}

/** A 档号 a 移交包 carried that was retired after the package was made: the archive must be told. */
export interface ChangeAfterTransfer {
  packageId: number;
  packageAt: Date;
  archivalCode: string;
  itemId: number;
  withdrawnAt: Date;
  withdrawnBy: string | null;
  withdrawnReason: string | null;
  /** The item's live 档号 now, when it was confirmed again. */
  reconfirmedAs: string | null;
}

/**
 * 移交后变更: 档号 of the scope (the record's unit subtree and year, whichever package carried it) that a
 * 移交包 carried and that were retired since it was made, oldest first.
 */
export async function changesAfterTransfer(
  db: Db,
  scope: { unitPath?: string; year?: number },
): Promise<ChangeAfterTransfer[]> {
  type When = Date | string;
  const rows = await queryRows<
    Omit<ChangeAfterTransfer, 'packageAt' | 'withdrawnAt'> & { packageAt: When; withdrawnAt: When }
  >(
    db,
    sql`select p.id::int as "packageId", p.created_at as "packageAt", ar.archival_code as "archivalCode",
          ar.item_id::int as "itemId", ar.withdrawn_at as "withdrawnAt", ar.withdrawn_by as "withdrawnBy",
          ar.withdrawn_reason as "withdrawnReason",
          (select l.archival_code from archive_records l
            where l.item_id = ar.item_id and l.status = 'confirmed') as "reconfirmedAs"
        from transfer_package_records r join transfer_packages p on p.id = r.package_id
          join archive_records ar on ar.id = r.record_id join units u on u.id = ar.unit_id
        where not p.pre_check and ar.status = 'withdrawn' and ar.withdrawn_at >= p.created_at
          ${scope.unitPath ? sql`and u.path like ${`${scope.unitPath}%`}` : sql``}
          ${scope.year !== undefined ? sql`and ar.year = ${scope.year}` : sql``}
        order by ar.withdrawn_at, ar.archival_code, p.id`,
  );
  return rows.map((r) => ({
    ...r,
    packageId: Number(r.packageId),
    itemId: Number(r.itemId),
    packageAt: new Date(r.packageAt),
    withdrawnAt: new Date(r.withdrawnAt),
  }));
}
