import { sql } from 'drizzle-orm';
import { queryRows, type Db, type Tx } from '../client.js';

export interface NewMaterial {
  messageId: string;
  resourceKey: string;
  resourceType: 'image' | 'file';
  downloadMessageId?: string;
  chatId: string;
  senderOpenId?: string;
  sentAt: Date;
  kind: string;
  role?: 'main' | 'cover';
  originalName?: string;
  declaredMime?: string;
  durationMs?: number;
  caption?: string;
  parentId?: string;
  rootId?: string;
  forwardRootId?: string;
  burstId?: number;
}

/** Inserts materials once per (message, resource); returns the ids of rows that are new. */
export async function insertMaterials(db: Db | Tx, rows: NewMaterial[], now: Date): Promise<number[]> {
  const ids: number[] = [];
  for (const m of rows) {
    const r = await queryRows<{ id: number }>(
      db,
      sql`insert into materials (message_id, resource_key, resource_type, download_message_id, chat_id,
            sender_open_id, sent_at, kind, role, original_name, declared_mime, duration_ms, caption, parent_id, root_id,
            forward_root_id, burst_id, created_at)
          values (${m.messageId}, ${m.resourceKey}, ${m.resourceType}, ${m.downloadMessageId ?? null}, ${m.chatId},
            ${m.senderOpenId ?? null}, ${m.sentAt}, ${m.kind}, ${m.role ?? 'main'}, ${m.originalName ?? null}, ${m.declaredMime ?? null},
            ${m.durationMs ?? null}, ${m.caption ?? null}, ${m.parentId ?? null}, ${m.rootId ?? null},
            ${m.forwardRootId ?? null}, ${m.burstId ?? null}, ${now})
          on conflict (message_id, resource_key) do nothing
          returning id::int as id`,
    );
    if (r[0]) ids.push(Number(r[0].id));
  }
  return ids;
}

export interface BurstMaterial {
  id: number;
  kind: string;
  role: string;
  status: string;
  originalName: string | null;
  quality: string | null;
  sha256: string | null;
  duplicateOf: number | null;
}

export async function materialsOfBurst(db: Db | Tx, burstId: number): Promise<BurstMaterial[]> {
  const rows = await queryRows<any>(
    db,
    sql`select id::int as id, kind, role, status, original_name, quality, sha256, duplicate_of::int as duplicate_of
        from materials where burst_id = ${burstId} order by sent_at, id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    role: r.role,
    status: r.status,
    originalName: r.original_name,
    quality: r.quality,
    sha256: r.sha256,
    duplicateOf: r.duplicate_of == null ? null : Number(r.duplicate_of),
  }));
}
