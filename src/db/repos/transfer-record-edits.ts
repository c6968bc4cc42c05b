import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import type { RecordEditFacts } from '../../domain/record-edit.js';
import { inPaths } from './transfer-changes-query.js';

/**
 * A change on a live record a 移交包 carried, made after the package (its 档号 kept): a 著录 saved (the
 * item page, 更正著录 on a card, the filed card's 照片说明, the command line: audit `describe`), or files
 * of it recalled with others left (audit `recall`, its `takenOff` entry with files remaining). One row
 * per change and record, with the first 移交包 (not 预检包) that carried the record before the change.
 */
export interface RecordEditAfterTransfer extends RecordEditFacts {
  auditId: number;
  recordId: number;
  unitId: number;
  itemId: number;
  archivalCode: string;
  packageId: number;
  packageAt: Date;
  /** The day that package was handed over (the start of that day, handed_at). */
  handedAt: Date;
  at: Date;
}

/** Which changes a query reads (as ChangeScope: the record's unit subtree(s), one package, a year). */
interface RecordEditScope {
  unitPath?: string;
  unitPaths?: string[];
  packageId?: number;
  year?: number;
  /** One item's (the item page). */
  itemId?: number;
  /** At most this many, oldest first (total counts them all). */
  limit?: number;
}

/** The records a 移交包 carried, with that package: `ar`, `p` (scopeOf says which). */
const CARRIED = sql`units u join archive_records ar on ar.unit_id = u.id and ar.status = 'confirmed'
  join transfer_package_records r on r.record_id = ar.id
  join transfer_packages p on p.id = r.package_id and p.handed_at is not null`;

/**
 * The change `a` on `ar` is not yet in the county's hands: no later handed-over 移交包 carried the
 * record after it (that one holds the record as changed; one only made, or voided, does not). "After"
 * and "since" compare with when a package began reading its records (read_at), not when it was
 * recorded: a change made while a package was being written may be missing from it.
 */
const notCarriedSince = sql`not exists (select 1 from transfer_package_records r2
    join transfer_packages p2 on p2.id = r2.package_id and p2.handed_at is not null
    where r2.record_id = ar.id and p2.read_at > a.at)`;

/** The scope's conditions on CARRIED, each after an `and`. */
function scopeOf(scope: RecordEditScope): SQL {
  return sql`${scope.unitPath ? sql`and u.path like ${`${scope.unitPath}%`}` : sql``}
    ${scope.unitPaths ? sql`and ${inPaths(scope.unitPaths)}` : sql``}
    ${scope.packageId !== undefined ? sql`and p.id = ${scope.packageId}` : sql``}
    ${scope.year !== undefined ? sql`and ar.year = ${scope.year}` : sql``}
    ${scope.itemId !== undefined ? sql`and ar.item_id = ${scope.itemId}` : sql``}`;
}

/**
 * The 著录已改 / 文件已撤回 changes of the scope (RecordEditAfterTransfer), oldest first, and how many in
 * all. Both are read by the item's audit rows (indexed by item; a recall writes one per item it took
 * files off), a recall's counts from its `takenOff` entry for the item.
 */
export async function recordEditsAfterTransfer(
  db: Db | Tx,
  scope: RecordEditScope,
): Promise<{ rows: RecordEditAfterTransfer[]; total: number }> {
  const rows = await queryRows<{
    audit_id: number | string;
    kind: 'described' | 'recalled';
    record_id: number | string;
    unit_id: number | string;
    item_id: number | string;
    archival_code: string;
    package_id: number | string;
    package_at: Date | string;
    handed_at: Date | string;
    at: Date | string;
    fields: string[] | string | null;
    photo: number | string | null;
    files: number | string | null;
    remaining: number | string | null;
    total: number | string;
  }>(
    db,
    sql`with c as (
          select distinct on (a.id, ar.id) a.id as audit_id, 'described' as kind, ar.id as record_id,
                 ar.unit_id, ar.item_id, ar.archival_code, p.id as package_id, p.created_at as package_at,
                 p.handed_at, a.at, (select coalesce(json_agg(k), '[]') from jsonb_object_keys(
                          case when jsonb_typeof(a.details->'fields') = 'object' then a.details->'fields'
                               else '{}'::jsonb end) k) as fields,
                 (a.details->>'photo')::int as photo, null::int as files, null::int as remaining
          from ${CARRIED}
          join audit_log a on a.item_id = ar.item_id and a.action = 'describe' and a.at >= p.read_at
          where ${notCarriedSince} ${scopeOf(scope)}
          order by a.id, ar.id, p.created_at, p.id),
        d as (
          select distinct on (a.id, ar.id) a.id as audit_id, 'recalled' as kind, ar.id as record_id,
                 ar.unit_id, ar.item_id, ar.archival_code, p.id as package_id, p.created_at as package_at,
                 p.handed_at, a.at, null::json as fields, null::int as photo,
                 jsonb_array_length(e.value->'materialIds') as files, (e.value->>'remaining')::int as remaining
          from ${CARRIED}
          join audit_log a on a.item_id = ar.item_id and a.action = 'recall' and a.at >= p.read_at
            and jsonb_typeof(a.details->'takenOff') = 'array'
          cross join lateral jsonb_array_elements(a.details->'takenOff') e
          where (e.value->>'itemId')::bigint = ar.item_id and (e.value->>'remaining')::int > 0
            and ${notCarriedSince} ${scopeOf(scope)}
          order by a.id, ar.id, p.created_at, p.id),
        x as (select * from c union all select * from d)
        select x.*, count(*) over () as total from x
        order by x.at, x.archival_code, x.audit_id
        ${scope.limit !== undefined ? sql`limit ${scope.limit}` : sql``}`,
  );
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    total: Number(rows[0]?.total ?? 0),
    rows: rows.map((r) => ({
      auditId: Number(r.audit_id),
      kind: r.kind,
      recordId: Number(r.record_id),
      unitId: Number(r.unit_id),
      itemId: Number(r.item_id),
      archivalCode: r.archival_code,
      packageId: Number(r.package_id),
      packageAt: new Date(r.package_at),
      handedAt: new Date(r.handed_at),
      at: new Date(r.at),
      fields: (typeof r.fields === 'string' ? (JSON.parse(r.fields) as string[]) : r.fields) ?? [],
      photo: num(r.photo),
      files: num(r.files) ?? 0,
      remaining: num(r.remaining),
    })),
  };
}
