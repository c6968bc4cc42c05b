import type { RecordFacts } from '../db/repos/archive-catalogue.js';
import {
  buildCatalogueEntry,
  withdrawnRemarks,
  type CatalogueEntry,
  type CatalogueRow,
} from '../domain/catalogue.js';
import { recalledPhotosRemarks } from '../domain/photo-entries.js';

export interface CatalogueOptions {
  timeZone: string;
  secrecyDefault: string;
  /** 机关代字 → 发文机关 (archive.yaml `issuers`). */
  issuers?: Readonly<Record<string, string>>;
}

/** The catalogue fields of a record: defaults from task/unit/materials, what people entered wins. */
export function catalogueEntryOf(r: RecordFacts, opts: CatalogueOptions): CatalogueEntry {
  const entry = buildCatalogueEntry(
    {
      kind: r.kind,
      itemTitle: r.itemTitle,
      taskTitle: r.taskTitle,
      householdName: r.householdName,
      unitName: r.unitName,
      unitOfficialName: r.unitOfficialName,
      senderName: r.senderName,
      materials: r.materials,
      description: r.description,
      recordPages: r.pages,
    },
    opts,
  );
  if (r.status === 'withdrawn') {
    const note = withdrawnRemarks(
      r.withdrawnAt ?? r.confirmedAt,
      opts.timeZone,
      r.reconfirmedAs,
      r.withdrawnReason,
    );
    return { ...entry, remarks: entry.remarks ? `${note}；${entry.remarks}` : note };
  }
  // A confirmed group's 照片号 are never renumbered: the 张号 a recall left unused are stated here.
  const gap = entry.photo ? recalledPhotosRemarks(r.recalledPhotos, opts.timeZone) : '';
  if (gap) return { ...entry, remarks: entry.remarks ? `${entry.remarks}；${gap}` : gap };
  return entry;
}

export function catalogueRowOf(seq: number, r: RecordFacts, opts: CatalogueOptions): CatalogueRow {
  const { photo: _photo, ...entry } = catalogueEntryOf(r, opts);
  return { seq, archivalCode: r.archivalCode, ...entry };
}
