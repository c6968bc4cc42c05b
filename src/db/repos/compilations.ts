import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { subtreeUnitIds } from './completeness.js';
import { itemFilesOf } from './item-files.js';
import { noFiles, type ItemFiles } from '../../domain/item-files.js';

const MAX_ENTRIES = 1000;
const MAX_GROUPS = 300;

/** An item's day for compilations: its described date, else its first photo's, else the filing day. */
const itemDay = (tz: string): SQL => sql`coalesce(
  case when d.date ~ '^[0-9]{8}$' then substr(d.date, 1, 4) || '-' || substr(d.date, 5, 2) || '-' || substr(d.date, 7, 2) end,
  to_char((select min(m.taken_at) from filing_item_materials fim join materials m on m.id = fim.material_id
    where fim.item_id = fi.id) at time zone ${tz}, 'YYYY-MM-DD'),
  to_char(fi.filed_at at time zone ${tz}, 'YYYY-MM-DD'))`;

export interface ChronicleEntry {
  /** null: added by hand. */
  itemId: number | null;
  entryId: number | null;
  day: string;
  event: string;
  unitName: string;
  hidden: boolean;
  edited: boolean;
  /** What the item holds (its own files; a repeat of a file its task counts elsewhere said so). */
  files: ItemFiles;
  thumbMaterialId: number | null;
  archivalCode: string | null;
}

/**
 * 大事记 of a unit's subtree for a year: one entry per live item (date, what happened — the photo
 * description's 事由, else the title — and where), with the archivists' edits applied, plus entries
 * added by hand; date order.
 */
export async function chronicleOf(
  db: Db,
  root: { id: number; path: string },
  year: number,
  timeZone: string,
): Promise<ChronicleEntry[]> {
  const day = itemDay(timeZone);
  const rows = await queryRows<{
    item_id: number;
    day: string;
    event: string;
    unit_name: string;
    archival_code: string | null;
    thumb_id: number | null;
  }>(
    db,
    sql`select * from (
          select fi.id::int as item_id, ${day} as day, coalesce(nullif(d.reason, ''), d.title, fi.title) as event,
            u.name as unit_name, ar.archival_code,
            (select m.id::int from filing_item_materials fim join materials m on m.id = fim.material_id
              where fim.item_id = fi.id and m.thumbnail_key is not null order by fim.position limit 1) as thumb_id
          from filing_items fi join units u on u.id = fi.unit_id
            left join item_descriptions d on d.item_id = fi.id
            left join archive_records ar on ar.item_id = fi.id and ar.status = 'confirmed'
          where fi.undone_at is null and fi.unit_id = any(array(${subtreeUnitIds(root)}))) i
        where i.day like ${`${year}-%`} or i.item_id in (
          select item_id from chronicle_entries where unit_id = ${root.id} and year = ${year} and item_id is not null)
        order by i.day, i.item_id limit ${MAX_ENTRIES}`,
  );
  const edits = await queryRows<{
    id: number;
    item_id: number | null;
    day: string;
    event: string;
    /** A boolean, or 't'/'f' from a driver that leaves it as text. */
    hidden: boolean | string;
    unit_name: string;
  }>(
    db,
    sql`select e.id::int as id, e.item_id::int as item_id, e.day, e.event, e.hidden, u.name as unit_name
        from chronicle_entries e join units u on u.id = e.unit_id
        where e.unit_id = ${root.id} and e.year = ${year} order by e.day, e.id`,
  );
  const files = await itemFilesOf(
    db,
    rows.map((r) => Number(r.item_id)),
  );
  const byItem = new Map(edits.filter((e) => e.item_id != null).map((e) => [Number(e.item_id), e]));
  const entries: ChronicleEntry[] = rows.map((r) => {
    const e = byItem.get(Number(r.item_id));
    return {
      itemId: Number(r.item_id),
      entryId: e ? Number(e.id) : null,
      day: e?.day ?? r.day,
      event: e?.event ?? r.event,
      unitName: r.unit_name,
      hidden: e ? e.hidden === true || e.hidden === 't' : false,
      edited: !!e,
      files: files.get(Number(r.item_id)) ?? noFiles(),
      thumbMaterialId: r.thumb_id == null ? null : Number(r.thumb_id),
      archivalCode: r.archival_code ?? null,
    };
  });
  for (const e of edits.filter((x) => x.item_id == null)) {
    entries.push({
      itemId: null,
      entryId: Number(e.id),
      day: e.day,
      event: e.event,
      unitName: e.unit_name,
      hidden: e.hidden === true || e.hidden === 't',
      edited: true,
      files: noFiles(),
      thumbMaterialId: null,
      archivalCode: null,
    });
  }
  return entries
    .filter((e) => e.day.startsWith(`${year}-`))
    .sort((a, b) => a.day.localeCompare(b.day) || (a.itemId ?? 0) - (b.itemId ?? 0));
}

/** Saves an archivist's version of an entry (an item's, or a new one by hand when itemId is null). */
export async function saveChronicleEntry(
  db: Db,
  e: { unitId: number; year: number; itemId: number | null; day: string; event: string; hidden: boolean },
  by: string,
  now: Date,
): Promise<void> {
  if (e.itemId === null) {
    await db.execute(sql`insert into chronicle_entries (unit_id, year, item_id, day, event, hidden, edited_by, edited_at)
      values (${e.unitId}, ${e.year}, null, ${e.day}, ${e.event}, ${e.hidden}, ${by}, ${now})`);
    return;
  }
  await db.execute(sql`insert into chronicle_entries (unit_id, year, item_id, day, event, hidden, edited_by, edited_at)
    values (${e.unitId}, ${e.year}, ${e.itemId}, ${e.day}, ${e.event}, ${e.hidden}, ${by}, ${now})
    on conflict (unit_id, year, item_id) where item_id is not null
    do update set day = excluded.day, event = excluded.event, hidden = excluded.hidden,
      edited_by = excluded.edited_by, edited_at = excluded.edited_at`);
}

export interface AlbumGroup {
  itemId: number;
  day: string;
  title: string;
  unitName: string;
  archivalCode: string | null;
  reason: string | null;
  place: string | null;
  people: string | null;
  photographer: string | null;
  photos: { id: number; takenAt: Date | null; width: number | null; height: number | null }[];
}

/** 图册: the photo groups of a unit's subtree for a year with their DA/T 50 descriptions, date order. */
export async function albumOf(
  db: Db,
  root: { path: string },
  year: number,
  timeZone: string,
): Promise<AlbumGroup[]> {
  const groups = await queryRows<{
    item_id: number;
    day: string;
    title: string;
    unit_name: string;
    archival_code: string | null;
    reason: string | null;
    place: string | null;
    people: string | null;
    photographer: string | null;
  }>(
    db,
    sql`select * from (
          select fi.id::int as item_id, ${itemDay(timeZone)} as day, coalesce(d.title, fi.title) as title,
            u.name as unit_name, ar.archival_code, d.reason, d.place, d.people, d.photographer
          from filing_items fi join units u on u.id = fi.unit_id
            left join item_descriptions d on d.item_id = fi.id
            left join archive_records ar on ar.item_id = fi.id and ar.status = 'confirmed'
          where fi.undone_at is null and fi.kind = 'photo_group'
            and fi.unit_id = any(array(${subtreeUnitIds(root)}))) g
        where g.day like ${`${year}-%`} order by g.day, g.item_id limit ${MAX_GROUPS}`,
  );
  if (groups.length === 0) return [];
  const ids = groups.map((g) => Number(g.item_id));
  const photos = await queryRows<{
    item_id: number;
    id: number;
    taken_at: Date | string | null;
    width: number | null;
    height: number | null;
  }>(
    db,
    sql`select fim.item_id::int as item_id, m.id::int as id, m.taken_at, m.width, m.height
        from filing_item_materials fim join materials m on m.id = fim.material_id
        where fim.item_id = any(${`{${ids.join(',')}}`}::bigint[]) and m.kind = 'photo' and m.status = 'stored'
        order by fim.item_id, fim.position`,
  );
  return groups.map((g) => ({
    itemId: Number(g.item_id),
    day: g.day,
    title: g.title,
    unitName: g.unit_name,
    archivalCode: g.archival_code ?? null,
    reason: g.reason ?? null,
    place: g.place ?? null,
    people: g.people ?? null,
    photographer: g.photographer ?? null,
    photos: photos
      .filter((p) => Number(p.item_id) === Number(g.item_id))
      .map((p) => ({
        id: Number(p.id),
        takenAt: p.taken_at ? new Date(p.taken_at) : null,
        width: p.width == null ? null : Number(p.width),
        height: p.height == null ? null : Number(p.height),
      })),
  }));
}
