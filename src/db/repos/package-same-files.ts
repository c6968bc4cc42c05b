import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { heldLastPiece, scopeWhere, type RecordScope } from './archive-catalogue.js';

/**
 * The files a package would carry more than once: the same bytes (SHA-256) in two live records of the
 * scope, or twice in one (two 件 may legitimately hold the same photo: sent again, or filed to two
 * tasks). Per hash, the 档号 holding it, in order. Only the repeated hashes are returned, so the
 * export's memory stays flat however large the scope. Only the 档号 the package holds: those up to each
 * class's last 件号 as `held` read them when the export began (one confirmed since is in the next
 * package, so no copy here may name it).
 */
export async function sameFilesInScope(
  db: Db,
  scope: RecordScope,
  held: { classKey: string; lastPiece: number }[],
): Promise<Map<string, string[]>> {
  const rows = await queryRows<{ sha256: string; codes: string }>(
    db,
    sql`select m.sha256, string_agg(distinct ar.archival_code, E'\n' order by ar.archival_code) as codes
        from archive_records ar join units u on u.id = ar.unit_id
          join filing_item_materials fim on fim.item_id = ar.item_id
          join materials m on m.id = fim.material_id
        where ${scopeWhere(scope)} and ar.status = 'confirmed' and m.sha256 is not null
          and ar.piece_number <= ${heldLastPiece(held)}
          and m.status = 'stored' and m.storage_key is not null
        group by m.sha256 having count(*) > 1`,
  );
  return new Map(rows.map((r) => [r.sha256, r.codes.split('\n')]));
}
