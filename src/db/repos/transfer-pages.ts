import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { changeColumns, changesRelation, toChange, type ChangeColumns } from './transfer-changes-query.js';
import {
  handoverColumns,
  handoverOf,
  type ChangeAfterTransfer,
  type TransferPackageRow,
} from './transfer-packages.js';

/** One page of a longer list: the rows, how many there are in all, and how many follow the page. */
export interface ListPage<T> {
  rows: T[];
  total: number;
  /** Rows after this page (0: it is the last). */
  more: number;
}

type Id = number | string;
type When = Date | string;

/**
 * A page of the packages a unit's 移交包 page lists: those of its subtree and those of a unit above that
 * carried its 件 (a township's package holding a village's), newest first, at most `limit` from the one
 * after package `after` (by its own keys: a package recorded meanwhile shifts nothing). Found from the
 * subtree's units by index (transfer_packages by unit, transfer_package_units), never by walking every
 * package's 档号.
 */
export async function transferPackagesPage(
  db: Db,
  unitPath: string,
  opts: { limit?: number; after?: number } = {},
): Promise<ListPage<PackageOfSubtree>> {
  const rows = await queryRows<
    Omit<PackageOfSubtree, 'createdAt' | 'sentAt'> & {
      createdAt: When;
      sentAt: When | null;
      total: Id;
      remaining: Id;
    }
  >(db, transferPackagesQuery(unitPath, opts));
  return {
    total: await totalOf(rows, opts.after, () => transferPackagesPage(db, unitPath, { limit: 1 })),
    more: Math.max(0, Number(rows[0]?.remaining ?? 0) - rows.length),
    rows: rows.map(({ total: _t, remaining: _r, ...r }) => ({
      ...r,
      id: Number(r.id),
      createdAt: new Date(r.createdAt),
      sentAt: r.sentAt ? new Date(r.sentAt) : null,
      ...handoverOf(r),
    })),
  };
}

/**
 * A package the 移交包 page lists: `fromAbove` when a unit above the page's exported it (its figures are
 * the whole package's); `unitPath` is the exporting unit's (who may download the whole package).
 */
export type PackageOfSubtree = TransferPackageRow & { fromAbove: boolean; unitPath: string };

/** transferPackagesPage's statement (a test reads its plan: it must not walk packages outside the scope). */
export function transferPackagesQuery(unitPath: string, opts: { limit?: number; after?: number } = {}): SQL {
  const after =
    opts.after === undefined
      ? sql`true`
      : sql`(d.created_at, d.id) < (select a.created_at, a.id from transfer_packages a where a.id = ${opts.after})`;
  return sql`with s as materialized (select id from units where path like ${`${unitPath}%`}),
      ids as (
        select p.id from s join transfer_packages p on p.unit_id = s.id
        union
        select pu.package_id from s join transfer_package_units pu on pu.unit_id = s.id),
      d as (select p.*, count(*) over () as total from ids join transfer_packages p on p.id = ids.id)
      select d.id::int as id, d.created_at as "createdAt", d.actor, pe.name as "actorName", d.source,
        u.code as "unitCode", u.name as "unitName", u.path as "unitPath", d.year::int as year, d.fonds_codes as "fondsCodes",
        d.layout, d.pre_check as "preCheck", d.digest, d.out_dir as "outDir", d.records::int as records,
        d.bytes::float8 as bytes, d.files::int as files,
        d.sent_chat_id as "sentChatId", d.sent_at as "sentAt", ${handoverColumns('d')}, d.total::int as total,
        (u.path not like ${`${unitPath}%`}) as "fromAbove",
        count(*) over ()::int as remaining
      from d join units u on u.id = d.unit_id left join people pe on pe.open_id = d.actor
      where ${after}
      order by d.created_at desc, d.id desc
      limit ${opts.limit ?? 20}`;
}

/**
 * A page of the unit subtree's 移交后变更 (one row per retired 档号, with the first 移交包 that carried
 * it), still owed (`reported: false`) or reported, oldest retirement first, at most `limit` from the
 * one after record `after`. The subtree's withdrawn records are read on their own index.
 */
export async function transferChangesPage(
  db: Db,
  unitPath: string,
  opts: { reported: boolean; limit?: number; after?: number },
): Promise<ListPage<ChangeAfterTransfer>> {
  const limit = opts.limit ?? 50;
  const after: SQL =
    opts.after === undefined
      ? sql`true`
      : sql`(d.withdrawn_at, d.archival_code, d.record_id) >
          (select a.withdrawn_at, a.archival_code, a.id from archive_records a where a.id = ${opts.after})`;
  const rows = await queryRows<ChangeColumns & { total: Id; remaining: Id }>(
    db,
    sql`with c as (${changesRelation({
      unitPath,
      corrections: opts.reported ? 'reported' : 'owed',
      firstPackageOnly: true,
    })}),
        d as (select c.*, count(*) over () as total from c),
        x as (
          select d.*, count(*) over () as remaining from d where ${after}
          order by d.withdrawn_at, d.archival_code, d.record_id limit ${limit})
        select ${changeColumns}, x.total::int as total, x.remaining::int as remaining
        from x left join people rp on rp.open_id = x.reported_by
        order by x.withdrawn_at, x.archival_code, x.record_id`,
  );
  return {
    total: await totalOf(rows, opts.after, () =>
      transferChangesPage(db, unitPath, { reported: opts.reported, limit: 1 }),
    ),
    more: Math.max(0, Number(rows[0]?.remaining ?? 0) - rows.length),
    rows: rows.map(toChange),
  };
}

/** The list's total: carried by any row; past the last row (or a cursor gone) read from the first page. */
async function totalOf(
  rows: { total: Id }[],
  after: number | undefined,
  firstPage: () => Promise<{ total: number }>,
): Promise<number> {
  if (rows.length > 0 || after === undefined) return Number(rows[0]?.total ?? 0);
  return (await firstPage()).total;
}
