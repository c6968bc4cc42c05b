import { sql, type SQL } from 'drizzle-orm';

/** A 档号 a 移交包 carried that was retired after the package was made: the archive must be told. */
export interface ChangeAfterTransfer {
  /** The retired number's archive_records row (what 「已报送更正」 marks). */
  recordId: number;
  /** The record's unit (archive_records.unit_id). */
  unitId: number;
  packageId: number;
  packageAt: Date;
  /** The day that package was handed over (the start of that day, handed_at). */
  handedAt: Date;
  archivalCode: string;
  itemId: number;
  withdrawnAt: Date;
  withdrawnBy: string | null;
  withdrawnReason: string | null;
  /** The item's live 档号 now, when it was confirmed again. */
  reconfirmedAs: string | null;
  /** The correction was marked as sent to the county archive (transfer_corrections). */
  reported: { at: Date; by: string; byName: string | null; note: string | null } | null;
  /**
   * The 移交包 whose 说明文件 stated this change (transfer_package_changes), if one not voided did: the
   * first handed over, else the latest only made (which does not count yet: until a package stating the
   * change is handed over, each later export states it again).
   */
  statedIn: number | null;
  /** statedIn was handed over (else it is only made, 已生成: the county archive has not got it yet). */
  statedHanded: boolean;
}

/** Which 移交后变更 a query reads. */
export interface ChangeScope {
  /** The record's unit subtree. */
  unitPath?: string;
  /** The record's unit in one of these subtrees. */
  unitPaths?: string[];
  /** Carried by this package (one package's 档号 retired since it was made). */
  packageId?: number;
  /** The record's year. */
  year?: number;
  /** One item's. */
  itemId?: number;
  /** Only those whose correction is not yet marked as reported (`owed`), or only those marked. */
  corrections?: 'owed' | 'reported';
  /**
   * Only those no handed-over 移交包's 说明文件 stated yet (one only made may never reach the county
   * archive: until one stating the change is handed over, every later package states it again).
   */
  unstated?: boolean;
  /** One row per retired 档号, with the first 移交包 that carried it (else one per package that did). */
  firstPackageOnly?: boolean;
}

/**
 * The 移交后变更 of a scope as a relation for a `with` clause (changesAfterTransfer reads it whole, the
 * 移交包 page a page at a time): a 档号 a 移交包 (not a 预检包) carried whose record is withdrawn since
 * the package was made, with that package and its correction's mark. Columns: record_id, unit_id,
 * item_id, archival_code, withdrawn_at, withdrawn_by, withdrawn_reason, package_id, package_at,
 * handed_at, reported_at, reported_by, reported_note. Read from the scope's units' withdrawn records (their partial index,
 * archive_records_withdrawn_idx).
 */
export function changesRelation(scope: ChangeScope): SQL {
  return sql`select ${scope.firstPackageOnly ? sql`distinct on (ar.id)` : sql``} ar.id as record_id,
      ar.unit_id, ar.item_id, ar.archival_code, ar.withdrawn_at, ar.withdrawn_by, ar.withdrawn_reason,
      p.id as package_id, p.created_at as package_at, p.handed_at, tc.reported_at, tc.reported_by,
      tc.note as reported_note
    from units u join archive_records ar on ar.unit_id = u.id and ar.status = 'withdrawn'
      join transfer_package_records r on r.record_id = ar.id
      join transfer_packages p on p.id = r.package_id
      left join transfer_corrections tc on tc.record_id = ar.id
    where p.handed_at is not null and ar.withdrawn_at >= p.read_at
      ${scope.unitPath ? sql`and u.path like ${`${scope.unitPath}%`}` : sql``}
      ${scope.unitPaths ? sql`and ${inPaths(scope.unitPaths)}` : sql``}
      ${scope.packageId !== undefined ? sql`and p.id = ${scope.packageId}` : sql``}
      ${scope.year !== undefined ? sql`and ar.year = ${scope.year}` : sql``}
      ${scope.itemId !== undefined ? sql`and ar.item_id = ${scope.itemId}` : sql``}
      ${
        scope.corrections === 'owed'
          ? sql`and tc.record_id is null`
          : scope.corrections === 'reported'
            ? sql`and tc.record_id is not null`
            : sql``
      }
      ${
        scope.unstated
          ? sql`and not exists (select 1 from transfer_package_changes pc join transfer_packages sp on sp.id = pc.package_id
                              where pc.record_id = ar.id and sp.handed_at is not null)`
          : sql``
      }
    ${scope.firstPackageOnly ? sql`order by ar.id, p.created_at, p.id` : sql``}`;
}

/**
 * The select list of a ChangeAfterTransfer row from relation `x` (changesRelation's columns, or a
 * page of them) joined to `people rp` on its reported_by: read back by toChange.
 */
export const changeColumns = sql`x.record_id::int as "recordId", x.unit_id::int as "unitId",
    x.package_id::int as "packageId", x.package_at as "packageAt", x.handed_at as "handedAt",
    x.archival_code as "archivalCode",
    x.item_id::int as "itemId", x.withdrawn_at as "withdrawnAt", x.withdrawn_by as "withdrawnBy",
    x.withdrawn_reason as "withdrawnReason", x.reported_at as "reportedAt", x.reported_by as "reportedBy",
    x.reported_note as "reportedNote", rp.name as "reportedByName",
    (select l.archival_code from archive_records l
      where l.item_id = x.item_id and l.status = 'confirmed') as "reconfirmedAs",
    (select pc.package_id from transfer_package_changes pc join transfer_packages sp on sp.id = pc.package_id
      where pc.record_id = x.record_id and sp.voided_at is null
      order by sp.handed_at is null,
        case when sp.handed_at is null then -pc.package_id else pc.package_id end limit 1) as "statedIn",
    exists (select 1 from transfer_package_changes pc join transfer_packages sp on sp.id = pc.package_id
      where pc.record_id = x.record_id and sp.handed_at is not null) as "statedHanded"`;

type Id = number | string;
type When = Date | string;

/** A row of changeColumns, as the driver gives it (bigints may come as strings, times as text). */
export interface ChangeColumns {
  recordId: Id;
  unitId: Id;
  packageId: Id;
  packageAt: When;
  handedAt: When;
  archivalCode: string;
  itemId: Id;
  withdrawnAt: When;
  withdrawnBy: string | null;
  withdrawnReason: string | null;
  reportedAt: When | null;
  reportedBy: string | null;
  reportedNote: string | null;
  reportedByName: string | null;
  reconfirmedAs: string | null;
  statedIn: Id | null;
  statedHanded: boolean | string;
}

export function toChange(r: ChangeColumns): ChangeAfterTransfer {
  return {
    recordId: Number(r.recordId),
    unitId: Number(r.unitId),
    packageId: Number(r.packageId),
    packageAt: new Date(r.packageAt),
    handedAt: new Date(r.handedAt),
    archivalCode: r.archivalCode,
    itemId: Number(r.itemId),
    withdrawnAt: new Date(r.withdrawnAt),
    withdrawnBy: r.withdrawnBy,
    withdrawnReason: r.withdrawnReason,
    reconfirmedAs: r.reconfirmedAs,
    reported:
      r.reportedAt && r.reportedBy
        ? { at: new Date(r.reportedAt), by: r.reportedBy, byName: r.reportedByName, note: r.reportedNote }
        : null,
    statedIn: r.statedIn === null ? null : Number(r.statedIn),
    statedHanded: r.statedHanded === true || r.statedHanded === 't' || r.statedHanded === 'true',
  };
}

/** `u` (units) lies in one of these subtrees. */
export const inPaths = (paths: string[]): SQL =>
  sql`(${sql.join(
    paths.map((p) => sql`u.path like ${`${p}%`}`),
    sql` or `,
  )})`;
