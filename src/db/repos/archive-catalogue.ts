import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { ItemKind } from '../../domain/archival-code.js';
import type { GivenDescription } from '../../domain/catalogue.js';
import type { Retention } from '../../domain/checklist.js';
import type { RelatedRecord } from '../../domain/see-also.js';

/** Which records: a unit's subtree and/or a year (none: every record). */
export interface RecordScope {
  unitPath?: string;
  year?: number;
}

export interface ScopeClass {
  classKey: string;
  fondsCode: string;
  categoryCode: string;
  year: number;
  retentionCode: string;
  orgCode: string;
  /** 档号 in the scope, live and withdrawn. */
  records: number;
  /** Withdrawn (停用) numbers among them. */
  withdrawn: number;
  /** Lowest and highest 件号 in the scope. */
  firstPiece: number;
  lastPiece: number;
}

export interface MaterialFacts {
  id: number;
  position: number;
  kind: string;
  originalName: string | null;
  declaredMime: string | null;
  sniffedMime: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  storageKey: string | null;
  status: string;
  messageId: string;
  senderOpenId: string | null;
  sentAt: Date;
  takenAt: Date | null;
  gpsLat: number | null;
  gpsLng: number | null;
  cameraMake: string | null;
  cameraModel: string | null;
  width: number | null;
  height: number | null;
  /** 'compressed' when the photo came through chat compression (set at capture). */
  quality?: string | null;
  /** The text of the message that carried it. */
  caption?: string | null;
  /** A photo's own 说明 / 背景 (photo_notes). */
  note?: string | null;
  noteBackground?: string | null;
  /** 张号 fixed when the item's live 档号 was confirmed (archive_photo_numbers), for a photo. */
  photoNumber?: number | null;
}

/** 张号 of a confirmed group whose photo a recall took off: left unused, stated in the catalogue. */
interface RecalledPhoto {
  number: number;
  at: Date;
}

/** One 档号 row with everything the catalogue, the package and the checks need. */
export interface RecordFacts {
  id: number;
  itemId: number;
  classKey: string;
  fondsCode: string;
  categoryCode: string;
  year: number;
  retentionCode: string;
  orgCode: string;
  pieceNumber: number;
  archivalCode: string;
  pages: number | null;
  status: 'confirmed' | 'withdrawn';
  confirmedAt: Date;
  confirmedBy: string;
  confirmedByName: string | null;
  withdrawnAt: Date | null;
  withdrawnBy: string | null;
  withdrawnReason: string | null;
  /** For a withdrawn number: the item's current live 档号, if it was confirmed again. */
  reconfirmedAs: string | null;
  /** Photos of the group recalled after confirmation, by 张号. */
  recalledPhotos: RecalledPhoto[];
  kind: ItemKind;
  itemTitle: string;
  filedBy: string;
  filedByName: string | null;
  filedAt: Date;
  undoneAt: Date | null;
  taskId: number;
  taskCode: string;
  itemCode: string;
  taskTitle: string;
  taskClass: string;
  retention: Retention;
  unitId: number;
  unitCode: string;
  unitName: string;
  unitFullName: string;
  /** The unit's official name (责任者 default): its officialName setting, its own fonds' name, or its name. */
  unitOfficialName: string;
  householdName: string | null;
  /** The household of a household task (一户一卷), its 户号 and 村民小组. */
  householdId: number | null;
  householdCode: string | null;
  householdGroup: string | null;
  /** The task's position in its checklist (a household volume lists its records in that order). */
  taskPosition: number;
  senderName: string | null;
  description: GivenDescription | null;
  /** Audit actions recorded for the item, with counts ({ file: 1, confirm: 1 }). */
  audit: Record<string, number>;
  materials: MaterialFacts[];
}

/** The condition on `ar` (archive_records) and `u` (its unit) of a scope. */
export function scopeWhere(scope: RecordScope): SQL {
  return sql`true
    ${scope.unitPath ? sql`and u.path like ${`${scope.unitPath}%`}` : sql``}
    ${scope.year !== undefined ? sql`and ar.year = ${scope.year}` : sql``}`;
}

/** The numbering classes that have records in the scope. */
export async function listScopeClasses(db: Db, scope: RecordScope): Promise<ScopeClass[]> {
  return queryRows<ScopeClass>(
    db,
    sql`select ar.class_key as "classKey", ar.fonds_code as "fondsCode", ar.category_code as "categoryCode",
          ar.year::int as year, ar.retention_code as "retentionCode", ar.org_code as "orgCode",
          count(*)::int as records, (count(*) filter (where ar.status = 'withdrawn'))::int as withdrawn,
          min(ar.piece_number)::int as "firstPiece", max(ar.piece_number)::int as "lastPiece"
        from archive_records ar join units u on u.id = ar.unit_id
        where ${scopeWhere(scope)}
        group by 1, 2, 3, 4, 5, 6 order by 1`,
  );
}

/**
 * What the whole-archive 四性 check counts (`npm run verify`'s 「N 条，M 个文件」): every 档号 record, and the
 * files of the confirmed ones. A backup records them, so after a restore the check's figures can be compared.
 */
export async function archiveTotals(db: Db): Promise<{ records: number; files: number }> {
  const [row] = await queryRows<{ records: number; files: number }>(
    db,
    sql`select (select count(*)::int from archive_records) as records,
          (select count(*)::int from archive_records ar join filing_item_materials fim on fim.item_id = ar.item_id
            where ar.status = 'confirmed') as files`,
  );
  return { records: Number(row?.records ?? 0), files: Number(row?.files ?? 0) };
}

/** What `held` read as the last 件号 of the class of `ar` (archive_records): 0 for a class not among them. */
export function heldLastPiece(held: { classKey: string; lastPiece: number }[]): SQL {
  return held.length === 0
    ? sql`0`
    : sql`coalesce((select h.last from (values ${sql.join(
        held.map((c) => sql`(${c.classKey}::text, ${c.lastPiece}::int)`),
        sql`, `,
      )}) h(class_key, last) where h.class_key = ar.class_key), 0)`;
}

/**
 * Live 档号 of the scope beyond the classes' last 件号 as `held` read them (a class not among them held
 * none): the ones confirmed since, which a package written from `held` leaves for the next export.
 */
export async function countConfirmedBeyond(
  db: Db,
  scope: RecordScope,
  held: { classKey: string; lastPiece: number }[],
): Promise<number> {
  const last = heldLastPiece(held);
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from archive_records ar join units u on u.id = ar.unit_id
        where ${scopeWhere(scope)} and ar.status = 'confirmed' and ar.piece_number > ${last}`,
  );
  return Number(row?.n ?? 0);
}

/** A class of the scope that also numbers 档号 of units outside it. */
export interface ClassOutside {
  /** 档号 (live or withdrawn) of the class held by units outside the scope. */
  records: number;
  /** Those units' names, joined with 、. */
  units: string;
}

/**
 * For the given classes of a unit's subtree: those that also hold 档号 of units outside the
 * subtree (their 件号 are shared, so the subtree's own numbers show gaps).
 */
export async function classesOutsideScope(
  db: Db,
  unitPath: string,
  classKeys: string[],
): Promise<Map<string, ClassOutside>> {
  if (classKeys.length === 0) return new Map();
  const rows = await queryRows<{ classKey: string; records: number; units: string }>(
    db,
    sql`select ar.class_key as "classKey", count(*)::int as records,
          string_agg(distinct u.name, '、' order by u.name) as units
        from archive_records ar join units u on u.id = ar.unit_id
        where ar.class_key in (${sql.join(
          classKeys.map((k) => sql`${k}`),
          sql`, `,
        )}) and u.path not like ${`${unitPath}%`}
        group by 1`,
  );
  return new Map(rows.map((r) => [r.classKey, { records: Number(r.records), units: r.units }]));
}

/** Records of one class in the scope with 件号 > afterPiece, in 件号 order (keyset paging). */
export async function listRecordsPage(
  db: Db,
  scope: RecordScope,
  classKey: string,
  afterPiece: number,
  limit: number,
): Promise<RecordFacts[]> {
  type When = Date | string;
  const rows = await queryRows<
    Omit<
      RecordFacts,
      | 'confirmedAt'
      | 'withdrawnAt'
      | 'filedAt'
      | 'undoneAt'
      | 'description'
      | 'audit'
      | 'senderName'
      | 'materials'
      | 'recalledPhotos'
    > & {
      confirmedAt: When;
      withdrawnAt: When | null;
      filedAt: When;
      undoneAt: When | null;
      /** row_to_json of item_descriptions (snake_case keys). */
      description: Record<string, string | number | null> | null;
      /** json: an object, or its text from a driver that does not parse it. */
      audit: Record<string, number> | string | null;
      /** json: [{ n, at }], or its text. */
      recalledPhotos: { n: number; at: string }[] | string | null;
    }
  >(
    db,
    sql`select ar.id::int as id, ar.item_id::int as "itemId", ar.class_key as "classKey",
          ar.fonds_code as "fondsCode", ar.category_code as "categoryCode", ar.year::int as year,
          ar.retention_code as "retentionCode", ar.org_code as "orgCode", ar.piece_number::int as "pieceNumber",
          ar.archival_code as "archivalCode", ar.pages::int as pages, ar.status, ar.confirmed_at as "confirmedAt",
          ar.confirmed_by as "confirmedBy", pc.name as "confirmedByName", ar.withdrawn_at as "withdrawnAt",
          ar.withdrawn_by as "withdrawnBy", ar.withdrawn_reason as "withdrawnReason",
          (select l.archival_code from archive_records l
            where l.item_id = ar.item_id and l.status = 'confirmed' and ar.status = 'withdrawn') as "reconfirmedAs",
          fi.kind, fi.title as "itemTitle", fi.filed_by as "filedBy", pf.name as "filedByName",
          fi.filed_at as "filedAt", fi.undone_at as "undoneAt",
          t.id::int as "taskId", t.code as "taskCode", t.item_code as "itemCode", t.title as "taskTitle",
          t.class as "taskClass", t.retention, u.id::int as "unitId", u.code as "unitCode", u.name as "unitName",
          u.full_name as "unitFullName", h.head_name as "householdName",
          h.id::int as "householdId", h.code as "householdCode", h.group_name as "householdGroup",
          t.position::int as "taskPosition",
          coalesce(nullif(u.settings->>'officialName', ''), (select f.name from fonds f where f.unit_id = u.id), u.name)
            as "unitOfficialName",
          row_to_json(d) as description,
          (select coalesce(json_object_agg(a.action, a.n), '{}'::json)
             from (select action, count(*)::int as n from audit_log where item_id = ar.item_id group by action) a) as audit,
          (select json_agg(json_build_object('n', pn.photo_number, 'at', pn.recalled_at) order by pn.photo_number)
             from archive_photo_numbers pn where pn.record_id = ar.id and pn.recalled_at is not null) as "recalledPhotos"
        from archive_records ar
        join units u on u.id = ar.unit_id
        join filing_items fi on fi.id = ar.item_id
        join tasks t on t.id = fi.task_id
        left join households h on h.id = t.household_id
        left join item_descriptions d on d.item_id = ar.item_id
        left join people pc on pc.open_id = ar.confirmed_by
        left join people pf on pf.open_id = fi.filed_by
        where ${scopeWhere(scope)} and ar.class_key = ${classKey} and ar.piece_number > ${afterPiece}
        order by ar.piece_number limit ${limit}`,
  );
  if (rows.length === 0) return [];
  const materials = await materialsOfItems(
    db,
    rows.map((r) => Number(r.itemId)),
  );
  return rows.map((r) => {
    const mats = materials.get(Number(r.itemId)) ?? [];
    const first = mats[0];
    return {
      ...r,
      confirmedAt: new Date(r.confirmedAt),
      withdrawnAt: r.withdrawnAt ? new Date(r.withdrawnAt) : null,
      filedAt: new Date(r.filedAt),
      undoneAt: r.undoneAt ? new Date(r.undoneAt) : null,
      description: r.description ? descriptionOf(r.description) : null,
      audit: typeof r.audit === 'string' ? JSON.parse(r.audit) : (r.audit ?? {}),
      recalledPhotos: (
        (typeof r.recalledPhotos === 'string' ? JSON.parse(r.recalledPhotos) : r.recalledPhotos) ?? []
      ).map((p: { n: number; at: string }) => ({ number: Number(p.n), at: new Date(p.at) })),
      senderName: first?.senderName ?? null,
      materials: mats.map(({ senderName: _s, ...m }) => m),
    };
  });
}

const descriptionOf = (d: Record<string, any>): GivenDescription => ({
  docNumber: d.doc_number,
  responsible: d.responsible,
  title: d.title,
  date: d.date,
  secrecy: d.secrecy,
  pages: d.pages,
  remarks: d.remarks,
  reason: d.reason,
  place: d.place,
  people: d.people,
  photographer: d.photographer,
  background: d.background,
});

/** Member materials of items, in filing order, with the sender's name. */
export async function materialsOfItems(
  db: Db,
  itemIds: number[],
): Promise<Map<number, (MaterialFacts & { senderName: string | null })[]>> {
  const out = new Map<number, (MaterialFacts & { senderName: string | null })[]>();
  if (itemIds.length === 0) return out;
  const rows = await queryRows<
    Omit<MaterialFacts, 'sizeBytes' | 'sentAt' | 'takenAt'> & {
      itemId?: number;
      senderName: string | null;
      sizeBytes: number | string | null;
      sentAt: Date | string;
      takenAt: Date | string | null;
      photoNumber: number | null;
    }
  >(
    db,
    sql`select fim.item_id::int as "itemId", m.id::int as id, fim.position::int as position, m.kind,
          m.original_name as "originalName", m.declared_mime as "declaredMime", m.sniffed_mime as "sniffedMime",
          m.size_bytes::float8 as "sizeBytes", m.sha256, m.storage_key as "storageKey", m.status,
          m.message_id as "messageId", m.sender_open_id as "senderOpenId", p.name as "senderName",
          m.sent_at as "sentAt", m.taken_at as "takenAt", m.gps_lat as "gpsLat", m.gps_lng as "gpsLng",
          m.camera_make as "cameraMake", m.camera_model as "cameraModel", m.width::int as width,
          m.height::int as height, m.quality, m.caption, pn.note, pn.background as "noteBackground",
          apn.photo_number::int as "photoNumber"
        from filing_item_materials fim
        join materials m on m.id = fim.material_id
        left join people p on p.open_id = m.sender_open_id
        left join photo_notes pn on pn.item_id = fim.item_id and pn.material_id = m.id
        left join archive_photo_numbers apn on apn.material_id = m.id and apn.record_id =
          (select ar.id from archive_records ar where ar.item_id = fim.item_id and ar.status = 'confirmed')
        where fim.item_id in (${sql.join(
          itemIds.map((id) => sql`${id}`),
          sql`, `,
        )})
        order by fim.item_id, fim.position, m.id`,
  );
  for (const { itemId, ...r } of rows) {
    // Without `delete` (an object that loses a property becomes a slow dictionary for every later read).
    const m = {
      ...r,
      sizeBytes: r.sizeBytes === null ? null : Number(r.sizeBytes),
      sentAt: new Date(r.sentAt),
      takenAt: r.takenAt ? new Date(r.takenAt) : null,
      photoNumber: r.photoNumber === null ? null : Number(r.photoNumber),
    };
    const list = out.get(Number(itemId)) ?? [];
    list.push(m);
    out.set(Number(itemId), list);
  }
  return out;
}

/**
 * The live records of the given tasks (for 参见号), with the local day of each one's earliest
 * capture (EXIF time, else sent); with `otherThan`, only those of another 门类 kind (a record
 * refers to none of its own kind, so a page of one kind needs no others).
 */
export async function liveRecordsOfTasks(
  db: Db,
  taskIds: number[],
  timeZone: string,
  otherThan?: ItemKind,
): Promise<RelatedRecord[]> {
  if (taskIds.length === 0) return [];
  const rows = await queryRows<RelatedRecord>(
    db,
    sql`select ar.item_id::int as "itemId", fi.task_id::int as "taskId", fi.kind, ar.archival_code as "archivalCode",
          to_char((select min(coalesce(m.taken_at, m.sent_at)) from filing_item_materials fim
                     join materials m on m.id = fim.material_id where fim.item_id = fi.id)
                  at time zone ${timeZone}, 'YYYYMMDD') as day
        from archive_records ar join filing_items fi on fi.id = ar.item_id
        where ar.status = 'confirmed' and fi.task_id in (${sql.join(
          [...new Set(taskIds)].map((id) => sql`${id}`),
          sql`, `,
        )})${otherThan ? sql` and fi.kind <> ${otherThan}` : sql``}`,
  );
  return rows.map((r) => ({ ...r, itemId: Number(r.itemId), taskId: Number(r.taskId), day: r.day ?? '' }));
}
