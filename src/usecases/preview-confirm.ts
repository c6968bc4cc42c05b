import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { listConfirmCandidates } from '../db/repos/archive-items.js';
import { listPhotoGroupGaps } from '../db/repos/archive-descriptions.js';
import type { ConfirmPreview } from '../domain/confirm-preview.js';
import { previewedSetOf } from '../domain/previewed-set.js';
import { GAP_LABELS } from '../domain/photo-description.js';
import { uncountedText } from '../domain/uncounted-kinds.js';

export type { ConfirmPreview } from '../domain/confirm-preview.js';

/**
 * What `确认归档` would number, before it does: per class the items, year and retention, and the
 * items that are not ready. Reads only; the archivist confirms on the card.
 */
export async function previewConfirm(
  db: Db,
  scope: { unitPath: string; year: number; taskId?: number },
): Promise<ConfirmPreview> {
  const cands = await listConfirmCandidates(db, scope);
  const byClass = new Map<string, ConfirmPreview['classes'][number]>();
  for (const c of cands) {
    const key = `${c.taskClass}|${c.year}|${c.retention}`;
    const e = byClass.get(key) ?? { taskClass: c.taskClass, year: c.year, retention: c.retention, count: 0 };
    e.count++;
    byClass.set(key, e);
  }
  const ids = new Set(cands.map((c) => c.itemId));
  const codeOf = new Map(cands.map((c) => [c.itemId, c.taskCode]));
  const gaps = (await listPhotoGroupGaps(db, { unitPath: scope.unitPath, year: scope.year })).filter((g) =>
    ids.has(g.itemId),
  );
  // Files of the bursts these 件 were filed from that were never saved (left out of the 件): by the
  // 件's campaign year and task, not by the day the file was sent.
  const [failed] = await queryRows<{ n: number }>(
    db,
    sql`select count(distinct m.id)::int as n from materials m
        join filing_items fi on fi.burst_id = m.burst_id
        join tasks t on t.id = fi.task_id
        join campaigns c on c.id = t.campaign_id
        join units u on u.id = t.unit_id
        where m.status in ('failed', 'needs_reupload') and fi.undone_at is null
          and u.path like ${`${scope.unitPath}%`} and c.year = ${scope.year}
          ${scope.taskId !== undefined ? sql`and t.id = ${scope.taskId}` : sql``}
          and not exists (select 1 from archive_records ar where ar.item_id = fi.id and ar.status = 'confirmed')`,
  );
  // The kinds of each 件's saved files (a video's cover goes with its video), for what its task does not count.
  const kinds = await queryRows<{ id: number; kinds: string[]; taskKinds: string[] }>(
    db,
    sql`select fi.id::int as id, array_agg(m.kind) as kinds, t.kinds as "taskKinds"
        from filing_items fi join tasks t on t.id = fi.task_id
          join filing_item_materials fim on fim.item_id = fi.id join materials m on m.id = fim.material_id
        where fi.id = any(${`{${[...ids].join(',')}}`}::bigint[]) and m.role <> 'cover' and m.status = 'stored'
        group by fi.id, t.kinds`,
  );
  const textOf = new Map(
    kinds.flatMap((k) => {
      const text = uncountedText(k.kinds, k.taskKinds);
      return text ? [[Number(k.id), text] as const] : [];
    }),
  );
  const uncounted = cands
    .filter((c) => textOf.has(c.itemId))
    .map((c) => `#${c.taskCode} ${c.title}：${textOf.get(c.itemId)}`);
  // Files in a format the archive refuses (judged at capture as the 四性 check judges them): the export fails them.
  const refused = await queryRows<{ id: number; names: string[] }>(
    db,
    sql`select fi.id::int as id,
          array_agg(coalesce(m.original_name, '未命名的文件') order by fim.position) as names
        from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
          join materials m on m.id = fim.material_id
        where fi.id = any(${`{${[...ids].join(',')}}`}::bigint[]) and m.role <> 'cover' and m.status = 'stored'
          and m.format_refused
        group by fi.id`,
  );
  const refusedOf = new Map(refused.map((r) => [Number(r.id), r.names]));
  const refusedFormats = cands
    .filter((c) => refusedOf.has(c.itemId))
    .map((c) => `#${c.taskCode} ${c.title}：${refusedOf.get(c.itemId)!.join('、')}`);
  // 件 移出 from another (a split_from row) whose 题名 nobody described: named provisionally 「…（移出部分）」.
  const undescribed = new Set(
    (
      await queryRows<{ id: number }>(
        db,
        sql`select fi.id::int as id from filing_items fi
            where fi.id = any(${`{${[...ids].join(',')}}`}::bigint[])
              and exists (select 1 from audit_log a where a.item_id = fi.id and a.action = 'split_from')
              and not exists (select 1 from item_descriptions d
                              where d.item_id = fi.id and coalesce(d.title, '') <> '')`,
      )
    ).map((r) => Number(r.id)),
  );
  const splits = cands.filter((c) => undescribed.has(c.itemId)).map((c) => `#${c.taskCode} ${c.title}`);
  return {
    total: cands.length,
    undescribedSplits: splits.slice(0, 10),
    undescribedSplitCount: splits.length,
    unitPaths: [...new Set(cands.map((c) => c.unitPath))],
    uncounted: uncounted.slice(0, 10),
    uncountedCount: uncounted.length,
    refusedFormats: refusedFormats.slice(0, 10),
    refusedFormatsCount: refusedFormats.length,
    classes: [...byClass.values()],
    notReady: gaps.slice(0, 10).map((g) => {
      const code = codeOf.get(g.itemId);
      return `${code ? `#${code} ` : ''}${g.title}：缺${g.gaps.map((x) => GAP_LABELS[x]).join('、')}`;
    }),
    notReadyCount: gaps.length,
    failedDownloads: failed?.n ?? 0,
    shown: previewedSetOf(cands),
  };
}
