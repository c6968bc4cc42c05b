import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import type { DamagedFile } from './backup-info.js';

/** A file a backup found damaged or missing, before its materials are looked up. */
export type FoundDamaged = Omit<DamagedFile, 'materials'>;

/** What the store holds of the files: counts, blob key -> size, and the files found damaged. */
export interface StoredFiles {
  files: number;
  bytes: number;
  sizes: Map<string, number>;
  damaged: FoundDamaged[];
  /** Manifest lines already known (`files/…` -> SHA-256): a verified blob's hash is its name. */
  hashes?: Map<string, string>;
}

/** The rows of `blobs` whose file is not in `sizes` at the recorded size (but those already named damaged). */
export function unmatchedRows(
  rows: Map<string, number>,
  sizes: Map<string, number>,
  damaged: { key: string }[],
): FoundDamaged[] {
  const named = new Set(damaged.map((d) => d.key));
  const out: FoundDamaged[] = [];
  for (const [key, expected] of rows) {
    if (named.has(key)) continue;
    const size = sizes.get(key);
    if (size === undefined) out.push({ key, reason: `不见了，数据库记录 ${expected} 字节` });
    else if (size !== expected) out.push({ key, reason: `${size} 字节，数据库记录 ${expected} 字节` });
  }
  return out;
}

/** The ids of the materials stored in each left-out file (a thumbnail's key names none). */
export async function withMaterials(db: Db, found: FoundDamaged[]): Promise<DamagedFile[]> {
  const byKey = new Map<string, number[]>();
  const keys = found.map((d) => d.key);
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('materials') is not null as present`,
  );
  for (let i = 0; exists?.present && i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    for (const r of await queryRows<{ id: number; key: string }>(
      db,
      sql`select id::float8 as id, storage_key as key from materials
          where storage_key in (${sql.join(
            chunk.map((k) => sql`${k}`),
            sql`, `,
          )}) order by id`,
    ))
      byKey.set(r.key, [...(byKey.get(r.key) ?? []), Number(r.id)]);
  }
  return found.map((d) => ({ ...d, materials: byKey.get(d.key) ?? [] }));
}

/** DAMAGED.txt: a header, then `key<TAB>why<TAB>材料 id、id` per left-out file. */
export function damagedListText(damaged: DamagedFile[]): string {
  const header =
    '# 备份时已损坏或不见了的文件，没有进入这个备份（其余内容完整）。每行：存储键、原因、存在其中的材料 id。\n' +
    '# 用 npm run verify 查出对应的件；文件可从更早的备份、存储桶的旧版本或原始飞书消息找回。\n';
  return (
    header +
    damaged
      .map(
        (d) => `${d.key}\t${d.reason}\t${d.materials.length > 0 ? `材料 ${d.materials.join('、')}` : '-'}\n`,
      )
      .join('')
  );
}
