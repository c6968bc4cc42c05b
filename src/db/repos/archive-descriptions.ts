import { eq, sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';
import { itemDescriptions, photoNotes } from '../schema/index.js';
import { photoGroupGaps } from '../../domain/photo-description-gaps.js';
import type { DescriptionGap } from '../../domain/photo-description.js';

export type DescriptionFields = Partial<
  Pick<
    typeof itemDescriptions.$inferInsert,
    | 'docNumber'
    | 'responsible'
    | 'title'
    | 'date'
    | 'secrecy'
    | 'pages'
    | 'remarks'
    | 'reason'
    | 'place'
    | 'people'
    | 'photographer'
    | 'background'
  >
>;

export type DescriptionRow = typeof itemDescriptions.$inferSelect;

export async function getDescription(db: Db, itemId: number): Promise<DescriptionRow | undefined> {
  const [row] = await db.select().from(itemDescriptions).where(eq(itemDescriptions.itemId, itemId));
  return row;
}

/** Sets the given fields (undefined = leave as is, null = back to the default). */
export async function upsertDescription(
  tx: Tx,
  itemId: number,
  fields: DescriptionFields,
  by: string,
  at: Date,
): Promise<DescriptionRow> {
  const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const [row] = await tx
    .insert(itemDescriptions)
    .values({ itemId, ...set, describedBy: by, describedAt: at })
    .onConflictDoUpdate({
      target: itemDescriptions.itemId,
      set: { ...set, describedBy: by, describedAt: at },
    })
    .returning();
  return row!;
}

/**
 * The material of a group's photo with 张号 n: the number fixed at confirmation when the group holds a
 * live 档号 (a recalled photo's number stays unused), else the n-th photo in filing order (from 1, the
 * order of 照片号); 'recalled' when that fixed number's photo was recalled; undefined when there is none.
 */
export async function photoMaterialOf(
  db: Db | Tx,
  itemId: number,
  n: number,
): Promise<number | 'recalled' | undefined> {
  const [fixed] = await queryRows<{ id: number | null; recalled: boolean; numbered: boolean }>(
    db,
    sql`select (select apn.material_id::int from archive_photo_numbers apn
                 where apn.record_id = ar.id and apn.photo_number = ${n} and apn.recalled_at is null) as id,
               exists (select 1 from archive_photo_numbers r where r.record_id = ar.id
                 and r.photo_number = ${n} and r.recalled_at is not null) as recalled,
               exists (select 1 from archive_photo_numbers x where x.record_id = ar.id) as numbered
        from archive_records ar where ar.item_id = ${itemId} and ar.status = 'confirmed'`,
  );
  if (fixed?.numbered) {
    if (fixed.id != null) return Number(fixed.id);
    return fixed.recalled === true || String(fixed.recalled) === 't' ? 'recalled' : undefined;
  }
  const rows = await queryRows<{ id: number }>(
    db,
    sql`select m.id::int as id from filing_item_materials fim join materials m on m.id = fim.material_id
        where fim.item_id = ${itemId} and m.kind = 'photo'
        order by fim.position, m.id offset ${n - 1} limit 1`,
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

/** Sets a photo's own 说明 / 背景 (undefined = leave as is). */
export async function upsertPhotoNote(
  tx: Tx,
  key: { itemId: number; materialId: number },
  fields: { note?: string; background?: string },
  by: string,
  at: Date,
): Promise<void> {
  const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  await tx
    .insert(photoNotes)
    .values({ ...key, ...set, describedBy: by, describedAt: at })
    .onConflictDoUpdate({
      target: [photoNotes.itemId, photoNotes.materialId],
      set: { ...set, describedBy: by, describedAt: at },
    });
}

/** A live photo group and what is known about its description (for the quality-gap list). */
export interface PhotoGroupFacts {
  itemId: number;
  title: string;
  taskTitle: string;
  householdName: string | null;
  unitName: string;
  reason: string | null;
  place: string | null;
  people: string | null;
  hasGps: boolean;
  filedAt: Date;
}

/** Live photo groups (of a subtree, a year, or one item), for the description-gap list. */
export async function listPhotoGroups(
  db: Db,
  filter: { unitPath?: string; year?: number; itemId?: number },
): Promise<PhotoGroupFacts[]> {
  const rows = await queryRows<
    Omit<PhotoGroupFacts, 'hasGps' | 'filedAt'> & { hasGps: boolean | string; filedAt: Date | string }
  >(
    db,
    sql`select fi.id::int as "itemId", fi.title, t.title as "taskTitle", h.head_name as "householdName",
          u.name as "unitName", d.reason, d.place, d.people, fi.filed_at as "filedAt",
          exists (select 1 from filing_item_materials fim join materials m on m.id = fim.material_id
                   where fim.item_id = fi.id and m.gps_lat is not null) as "hasGps"
        from filing_items fi
        join tasks t on t.id = fi.task_id
        join campaigns c on c.id = t.campaign_id
        join units u on u.id = t.unit_id
        left join households h on h.id = t.household_id
        left join item_descriptions d on d.item_id = fi.id
        where fi.undone_at is null and fi.kind = 'photo_group'
          ${filter.unitPath ? sql`and u.path like ${`${filter.unitPath}%`}` : sql``}
          ${filter.year !== undefined ? sql`and c.year = ${filter.year}` : sql``}
          ${filter.itemId !== undefined ? sql`and fi.id = ${filter.itemId}` : sql``}
        order by fi.filed_at, fi.id`,
  );
  return rows.map((r) => ({ ...r, hasGps: Boolean(r.hasGps), filedAt: new Date(r.filedAt) }));
}

/** Live photo groups whose DA/T 50 description is incomplete (the quality-gap list for digests and CLI). */
export async function listPhotoGroupGaps(
  db: Db,
  filter: { unitPath?: string; year?: number },
): Promise<(PhotoGroupFacts & { gaps: DescriptionGap[] })[]> {
  return (await listPhotoGroups(db, filter))
    .map((g) => ({ ...g, gaps: photoGroupGaps(g) }))
    .filter((g) => g.gaps.length > 0);
}
