import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { MaterialStatus } from '../schema/column-types.js';
import type { ItemFiles } from '../../domain/item-files.js';
import { itemFilesOf, withItemFiles } from './item-files.js';

/** A filed item (件 / 照片组) as the pages list it. */
export interface PageItem {
  id: number;
  taskId: number;
  unitId: number;
  kind: string;
  title: string;
  filedAt: Date;
  filedBy: string;
  filedByName: string | null;
  /** The chat it was filed from (its filer is named from that chat's members when `people` has no name). */
  chatId: string | null;
  /** What the item holds (its own files) and which repeat a file its task counts elsewhere. */
  files: ItemFiles;
  archivalCode: string | null;
  /** The first material with a thumbnail (for the list's picture). */
  thumbMaterialId: number | null;
}

export const ITEM_COLUMNS = sql`fi.id::int as id, fi.task_id::int as task_id, fi.unit_id::int as unit_id, fi.kind,
  coalesce(d.title, fi.title) as title, fi.filed_at, fi.filed_by, p.name as filed_by_name, fi.chat_id,
  ar.archival_code,
  (select m.id::int from filing_item_materials fim join materials m on m.id = fim.material_id
    where fim.item_id = fi.id and m.thumbnail_key is not null order by fim.position limit 1) as thumb_id`;

export const ITEM_JOINS = sql`left join people p on p.open_id = fi.filed_by
  left join archive_records ar on ar.item_id = fi.id and ar.status = 'confirmed'
  left join item_descriptions d on d.item_id = fi.id`;

type Id = number | string;
type When = Date | string;

/** A row of ITEM_COLUMNS (bigint sums and counts may arrive as text). */
export interface PageItemRow {
  id: number;
  task_id: number;
  unit_id: number;
  kind: string;
  title: string;
  filed_at: When;
  filed_by: string;
  filed_by_name: string | null;
  chat_id: string | null;
  archival_code: string | null;
  thumb_id: number | null;
}

/** A row as an item, without its files (withItemFiles adds them). */
export const toPageItem = (r: PageItemRow): Omit<PageItem, 'files'> => ({
  id: Number(r.id),
  taskId: Number(r.task_id),
  unitId: Number(r.unit_id),
  kind: r.kind,
  title: r.title,
  filedAt: new Date(r.filed_at),
  filedBy: r.filed_by,
  filedByName: r.filed_by_name ?? null,
  chatId: r.chat_id ?? null,
  archivalCode: r.archival_code ?? null,
  thumbMaterialId: r.thumb_id == null ? null : Number(r.thumb_id),
});

/** Live items of a task, oldest first. */
export async function itemsOfTask(db: Db, taskId: number): Promise<PageItem[]> {
  const rows = await queryRows<PageItemRow>(
    db,
    sql`select ${ITEM_COLUMNS} from filing_items fi ${ITEM_JOINS}
        where fi.task_id = ${taskId} and fi.undone_at is null order by fi.filed_at, fi.id`,
  );
  return withItemFiles(db, rows.map(toPageItem));
}

export interface PageMaterial {
  id: number;
  kind: string;
  originalName: string | null;
  mime: string | null;
  sizeBytes: number | null;
  status: string;
  quality: string | null;
  hasThumbnail: boolean;
  caption: string | null;
  sentAt: Date;
  takenAt: Date | null;
}

export interface PageAudit {
  at: Date;
  actor: string;
  actorName: string | null;
  action: string;
  source: string;
  /** A command-line action's: the operating-system user who ran it (and the sudo user), when recorded. */
  operator: { osUser: string; sudoUser: string | null } | null;
}

/** A 档号 the item held and lost (撤销确认, or its files recalled): the latest, when none is live. */
export interface PageWithdrawnCode {
  archivalCode: string;
  at: Date;
  reason: string | null;
}

export interface ItemDetail {
  item: PageItem & { undoneAt: Date | null };
  withdrawn: PageWithdrawnCode | null;
  task: { id: number; code: string; title: string; class: string };
  unit: { id: number; name: string; path: string; fullName: string };
  description: Record<string, string | number | null> | null;
  materials: PageMaterial[];
  audit: PageAudit[];
}

/** Everything the item page shows; undefined when there is no such item. */
export async function itemDetail(db: Db, itemId: number): Promise<ItemDetail | undefined> {
  const [r] = await queryRows<
    PageItemRow & {
      undone_at: When | null;
      task_code: string;
      task_title: string;
      task_class: string;
      unit_name: string;
      unit_path: string;
      unit_full_name: string;
      /** jsonb: an object, or its text from a driver that does not parse it. */
      description: ItemDetail['description'] | string;
    }
  >(
    db,
    sql`select ${ITEM_COLUMNS}, fi.undone_at, t.code as task_code, t.title as task_title, t.class as task_class,
          u.name as unit_name, u.path as unit_path, u.full_name as unit_full_name,
          to_jsonb(d) as description
        from filing_items fi ${ITEM_JOINS}
          join tasks t on t.id = fi.task_id join units u on u.id = fi.unit_id
        where fi.id = ${itemId}`,
  );
  if (!r) return undefined;
  const materials = await queryRows<{
    id: number;
    kind: string;
    original_name: string | null;
    mime: string | null;
    size_bytes: Id | null;
    status: MaterialStatus;
    quality: string | null;
    has_thumb: boolean | string;
    caption: string | null;
    sent_at: When;
    taken_at: When | null;
  }>(
    db,
    sql`select m.id::int as id, m.kind, m.original_name, coalesce(m.sniffed_mime, m.declared_mime) as mime,
          m.size_bytes, m.status, m.quality, m.thumbnail_key is not null as has_thumb, m.caption, m.sent_at, m.taken_at
        from filing_item_materials fim join materials m on m.id = fim.material_id
        where fim.item_id = ${itemId} order by fim.position, m.id`,
  );
  const audit = await queryRows<{
    at: When;
    actor: string;
    actor_name: string | null;
    action: string;
    source: string;
    os_user: string | null;
    sudo_user: string | null;
  }>(
    db,
    sql`select a.at, a.actor, p.name as actor_name, a.action, a.source,
          a.details->>'osUser' as os_user, a.details->>'sudoUser' as sudo_user from audit_log a
          left join people p on p.open_id = a.actor
        where a.item_id = ${itemId} order by a.at, a.id limit 200`,
  );
  const [withdrawn] = r.archival_code
    ? []
    : await queryRows<{ archival_code: string; withdrawn_at: When; withdrawn_reason: string | null }>(
        db,
        sql`select archival_code, withdrawn_at, withdrawn_reason from archive_records
            where item_id = ${itemId} and status = 'withdrawn' order by withdrawn_at desc, id desc limit 1`,
      );
  const description = typeof r.description === 'string' ? JSON.parse(r.description) : r.description;
  return {
    item: {
      ...toPageItem(r),
      files: (await itemFilesOf(db, [itemId])).get(itemId)!,
      undoneAt: r.undone_at ? new Date(r.undone_at) : null,
    },
    withdrawn: withdrawn
      ? {
          archivalCode: withdrawn.archival_code,
          at: new Date(withdrawn.withdrawn_at),
          reason: withdrawn.withdrawn_reason ?? null,
        }
      : null,
    task: { id: Number(r.task_id), code: r.task_code, title: r.task_title, class: r.task_class },
    unit: { id: Number(r.unit_id), name: r.unit_name, path: r.unit_path, fullName: r.unit_full_name },
    description: description ?? null,
    materials: materials.map((m) => ({
      id: Number(m.id),
      kind: m.kind,
      originalName: m.original_name ?? null,
      mime: m.mime ?? null,
      sizeBytes: m.size_bytes == null ? null : Number(m.size_bytes),
      status: m.status,
      quality: m.quality ?? null,
      hasThumbnail: m.has_thumb === true || m.has_thumb === 't',
      caption: m.caption ?? null,
      sentAt: new Date(m.sent_at),
      takenAt: m.taken_at ? new Date(m.taken_at) : null,
    })),
    audit: audit.map((a) => ({
      at: new Date(a.at),
      actor: a.actor,
      actorName: a.actor_name ?? null,
      action: a.action,
      source: a.source,
      operator: a.source === 'cli' && a.os_user ? { osUser: a.os_user, sudoUser: a.sudo_user ?? null } : null,
    })),
  };
}

export interface MaterialFile {
  id: number;
  kind: string;
  storageKey: string | null;
  thumbnailKey: string | null;
  mime: string | null;
  originalName: string | null;
  status: string;
  /** Unit path of the item it is filed in (who may see it). */
  unitPath: string;
  archivalCode: string | null;
  /** 1-based position in its item, and how many the item has. */
  position: number;
  itemSize: number;
}

/** A filed material with what the file routes need; undefined when it is in no item. */
export async function materialFile(db: Db, materialId: number): Promise<MaterialFile | undefined> {
  const [r] = await queryRows<{
    id: number;
    kind: string;
    storage_key: string | null;
    thumbnail_key: string | null;
    mime: string | null;
    original_name: string | null;
    status: MaterialStatus;
    unit_path: string;
    archival_code: string | null;
    pos: number;
    item_size: number;
  }>(
    db,
    sql`select m.id::int as id, m.kind, m.storage_key, m.thumbnail_key, coalesce(m.sniffed_mime, m.declared_mime) as mime,
          m.original_name, m.status, u.path as unit_path, ar.archival_code,
          (select count(*)::int from filing_item_materials x where x.item_id = fi.id and x.position <= fim.position) as pos,
          (select count(*)::int from filing_item_materials x where x.item_id = fi.id) as item_size
        from filing_item_materials fim join filing_items fi on fi.id = fim.item_id
          join materials m on m.id = fim.material_id join units u on u.id = fi.unit_id
          left join archive_records ar on ar.item_id = fi.id and ar.status = 'confirmed'
        where fim.material_id = ${materialId}
        order by (fi.undone_at is null) desc, fi.id desc limit 1`,
  );
  if (!r) return undefined;
  return {
    id: Number(r.id),
    kind: r.kind,
    storageKey: r.storage_key ?? null,
    thumbnailKey: r.thumbnail_key ?? null,
    mime: r.mime ?? null,
    originalName: r.original_name ?? null,
    status: r.status,
    unitPath: r.unit_path,
    archivalCode: r.archival_code ?? null,
    position: Number(r.pos),
    itemSize: Number(r.item_size),
  };
}
