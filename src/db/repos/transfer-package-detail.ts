import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import {
  changeColumns,
  changesRelation,
  inPaths,
  toChange,
  type ChangeAfterTransfer,
  type ChangeColumns,
} from './transfer-changes-query.js';
import { handoverColumns, handoverOf, type TransferPackageRow } from './transfer-packages.js';

type Id = number | string;
type When = Date | string;

/** One recorded package as its own page shows it: the list's row, its unit and the chat it went to. */
export interface TransferPackageDetail extends TransferPackageRow {
  unitId: number;
  unitPath: string;
  /** The chat's name as the bot last saw it (chats.name), when it was sent to one. */
  sentChatName: string | null;
}

/** The package, or undefined when no package has this id (or it was forgotten: a chat export retried). */
export async function transferPackageDetail(db: Db, id: number): Promise<TransferPackageDetail | undefined> {
  const [r] = await queryRows<
    Omit<TransferPackageDetail, 'createdAt' | 'sentAt'> & { createdAt: When; sentAt: When | null }
  >(
    db,
    sql`select p.id::int as id, p.created_at as "createdAt", p.actor, pe.name as "actorName", p.source,
          p.unit_id::int as "unitId", u.path as "unitPath", u.code as "unitCode", u.name as "unitName",
          p.year::int as year, p.fonds_codes as "fondsCodes", p.layout, p.pre_check as "preCheck",
          p.digest, p.out_dir as "outDir", p.records::int as records,
          p.bytes::float8 as bytes, p.files::int as files, p.sent_chat_id as "sentChatId",
          p.sent_at as "sentAt", ch.name as "sentChatName", ${handoverColumns('p')}
        from transfer_packages p join units u on u.id = p.unit_id
          left join people pe on pe.open_id = p.actor
          left join chats ch on ch.chat_id = p.sent_chat_id
        where p.id = ${id}`,
  );
  if (!r) return undefined;
  return {
    ...r,
    id: Number(r.id),
    unitId: Number(r.unitId),
    createdAt: new Date(r.createdAt),
    sentAt: r.sentAt ? new Date(r.sentAt) : null,
    ...handoverOf(r),
  };
}

/** A unit whose 件 the package carried, with how many of its live 档号 went out in it. */
export interface PackageUnit {
  id: number;
  path: string;
  name: string;
  records: number;
}

/** The units the package carried 件 of (its 档号's units, as transfer_package_units records them), in tree order. */
export async function packageUnits(db: Db, packageId: number): Promise<PackageUnit[]> {
  return (await unitsOfPackages(db, [packageId])).get(packageId) ?? [];
}

/**
 * packageUnits of several packages in one statement (the 移交包 list's packages from above, a page at a
 * time): each package's units in tree order; a package that carried none is absent.
 */
export async function unitsOfPackages(db: Db, packageIds: number[]): Promise<Map<number, PackageUnit[]>> {
  const out = new Map<number, PackageUnit[]>();
  if (packageIds.length === 0) return out;
  const rows = await queryRows<{ packageId: Id; id: Id; path: string; name: string; records: Id }>(
    db,
    sql`select r.package_id::int as "packageId", u.id::int as id, u.path, u.name, count(*)::int as records
        from transfer_package_records r join archive_records ar on ar.id = r.record_id
          join units u on u.id = ar.unit_id
        where r.package_id = any(${`{${packageIds.map(Number).join(',')}}`}::bigint[])
        group by r.package_id, u.id, u.path, u.name
        order by r.package_id, u.path`,
  );
  for (const { packageId, ...r } of rows) {
    const units = out.get(Number(packageId)) ?? [];
    units.push({ ...r, id: Number(r.id), records: Number(r.records) });
    out.set(Number(packageId), units);
  }
  return out;
}

/** How many of the package's 件 are of units in these subtrees (a viewer's, or a page's unit): its part. */
export const recordsWithin = (units: readonly PackageUnit[], paths: readonly string[]): number =>
  units.filter((u) => paths.some((p) => u.path.startsWith(p))).reduce((n, u) => n + u.records, 0);

/**
 * One numbering class the package carried (全宗 + 门类 + 年度 + 保管期限 + 机构(问题)): its first and
 * last 档号 on the carrier and how many it carried (fewer than the span when numbers in between were
 * retired or belong to units outside the package).
 */
export interface PackageClass {
  classKey: string;
  firstCode: string;
  lastCode: string;
  firstPiece: number;
  lastPiece: number;
  records: number;
}

/** The 档号 ranges the package carried per class, only of records in these unit subtrees (`paths`) if given. */
export async function packageClasses(db: Db, packageId: number, paths?: string[]): Promise<PackageClass[]> {
  const rows = await queryRows<{
    classKey: string;
    firstCode: string;
    lastCode: string;
    firstPiece: Id;
    lastPiece: Id;
    records: Id;
  }>(
    db,
    sql`with k as (
          select ar.class_key, min(ar.piece_number) as first_piece, max(ar.piece_number) as last_piece,
            count(*) as records
          from transfer_package_records r join archive_records ar on ar.id = r.record_id
            ${paths ? sql`join units u on u.id = ar.unit_id` : sql``}
          where r.package_id = ${packageId} ${paths ? sql`and ${inPaths(paths)}` : sql``}
          group by ar.class_key)
        select k.class_key as "classKey", f.archival_code as "firstCode", l.archival_code as "lastCode",
          k.first_piece::int as "firstPiece", k.last_piece::int as "lastPiece", k.records::int as records
        from k join archive_records f on f.class_key = k.class_key and f.piece_number = k.first_piece
          join archive_records l on l.class_key = k.class_key and l.piece_number = k.last_piece
        order by k.class_key`,
  );
  return rows.map((r) => ({
    ...r,
    firstPiece: Number(r.firstPiece),
    lastPiece: Number(r.lastPiece),
    records: Number(r.records),
  }));
}

/** Which changes of a package a page lists. */
export type PackageChangeKind =
  /** The 移交后变更 its 说明文件 stated (transfer_package_changes): retired 档号 an earlier 移交包 carried. */
  | 'stated'
  /** 档号 it carried (a 移交包) that were retired after it was made. */
  | 'retired-since';

/**
 * Up to `limit` changes of one kind (oldest retirement first) and how many there are, only of records
 * in these unit subtrees (`paths`) if given. A 'stated' row's packageId is the first 移交包 that carried the
 * number; a 'retired-since' row's is this package, and its statedIn the later package that stated it.
 */
export async function packageChanges(
  db: Db,
  packageId: number,
  kind: PackageChangeKind,
  opts: { paths?: string[]; limit?: number } = {},
): Promise<{ rows: ChangeAfterTransfer[]; total: number }> {
  const relation =
    kind === 'stated'
      ? sql`select distinct on (ar.id) ar.id as record_id, ar.unit_id, ar.item_id, ar.archival_code,
            ar.withdrawn_at, ar.withdrawn_by, ar.withdrawn_reason, p.id as package_id,
            p.created_at as package_at, p.handed_at, tc.reported_at, tc.reported_by,
            tc.note as reported_note
          from transfer_package_changes pc join archive_records ar on ar.id = pc.record_id
            join units u on u.id = ar.unit_id
            join transfer_package_records r on r.record_id = ar.id
            join transfer_packages p on p.id = r.package_id and p.handed_at is not null
            left join transfer_corrections tc on tc.record_id = ar.id
          where pc.package_id = ${packageId} ${opts.paths ? sql`and ${inPaths(opts.paths)}` : sql``}
          order by ar.id, p.created_at, p.id`
      : changesRelation({ packageId, ...(opts.paths ? { unitPaths: opts.paths } : {}) });
  const rows = await queryRows<ChangeColumns & { total: Id }>(
    db,
    sql`with c as (${relation}),
        x as (select c.*, count(*) over () as total from c
              order by c.withdrawn_at, c.archival_code limit ${opts.limit ?? 100})
        select ${changeColumns}, x.total::int as total
        from x left join people rp on rp.open_id = x.reported_by
        order by x.withdrawn_at, x.archival_code`,
  );
  return { rows: rows.map(toChange), total: Number(rows[0]?.total ?? 0) };
}

/** A package of the same unit and year made before or after this one. */
export interface NeighbourPackage {
  id: number;
  createdAt: Date;
  preCheck: boolean;
}

/**
 * The packages of the same unit and year just before and just after this one (by when they were made):
 * the one it followed, and the one that followed it (a later export of the same scope).
 */
export async function neighbourPackages(
  db: Db,
  pkg: { id: number; unitId: number; year: number },
): Promise<{ before?: NeighbourPackage; after?: NeighbourPackage }> {
  const one = async (cmp: SQL, order: SQL): Promise<NeighbourPackage | undefined> => {
    const [r] = await queryRows<{ id: Id; createdAt: When; preCheck: boolean }>(
      db,
      sql`select o.id::int as id, o.created_at as "createdAt", o.pre_check as "preCheck"
          from transfer_packages o, transfer_packages p
          where p.id = ${pkg.id} and o.unit_id = ${pkg.unitId} and o.year = ${pkg.year} and o.id <> p.id
            and ${cmp}
          ${order} limit 1`,
    );
    return r ? { id: Number(r.id), createdAt: new Date(r.createdAt), preCheck: r.preCheck } : undefined;
  };
  const [before, after] = await Promise.all([
    one(sql`(o.created_at, o.id) < (p.created_at, p.id)`, sql`order by o.created_at desc, o.id desc`),
    one(sql`(o.created_at, o.id) > (p.created_at, p.id)`, sql`order by o.created_at, o.id`),
  ]);
  return { ...(before ? { before } : {}), ...(after ? { after } : {}) };
}

/**
 * Whether this chat is bound (a live binding) to a unit in these subtrees: the chat of a viewer's own
 * units, which a partial view of a package may name; any other (a township's group) it does not.
 */
export async function chatBoundWithin(db: Db, chatId: string, paths: string[]): Promise<boolean> {
  const [r] = await queryRows<{ one: number }>(
    db,
    sql`select 1 as one from chat_bindings b join units u on u.id = b.unit_id
        where b.chat_id = ${chatId} and b.status <> 'ended' and ${inPaths(paths)}
        limit 1`,
  );
  return r !== undefined;
}
