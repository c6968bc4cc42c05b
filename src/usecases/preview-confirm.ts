import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { listConfirmCandidates } from '../db/repos/archive-items.js';
import { listPhotoGroupGaps } from '../db/repos/archive-descriptions.js';
import type { ConfirmPreview } from '../domain/confirm-preview.js';
import { GAP_LABELS } from '../domain/photo-description.js';

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
  const gaps = (await listPhotoGroupGaps(db, { unitPath: scope.unitPath, year: scope.year })).filter((g) =>
    ids.has(g.itemId),
  );
  const [failed] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from materials m
        join chat_bindings b on b.chat_id = m.chat_id and b.status = 'active'
        join units u on u.id = b.unit_id
        where m.status in ('failed', 'needs_reupload') and u.path like ${`${scope.unitPath}%`}
          and extract(year from m.sent_at) = ${scope.year}`,
  );
  return {
    total: cands.length,
    classes: [...byClass.values()],
    notReady: gaps.slice(0, 10).map((g) => `${g.title}：缺${g.gaps.map((x) => GAP_LABELS[x]).join('、')}`),
    notReadyCount: gaps.length,
    failedDownloads: failed?.n ?? 0,
  };
}
