import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { recountTaskCopies } from '../db/repos/filings.js';
import { formatVerdict } from '../domain/format-verdict.js';

export interface RejudgeOutcome {
  /** Materials whose verdict changed (accepted now, or refused now). */
  materials: number;
  /** Tasks recounted because a live item of theirs holds one of them. */
  tasks: number;
}

/**
 * Judges the stored files' formats again against archive.yaml `allowedFormats` as read at this start: a county
 * that adds a format (or takes one off) changes the verdict of files stored before, not only of those to come,
 * so archive.yaml stays the one list. Reads the distinct (resolved type, magic-bytes type) pairs only, judges each
 * with formatVerdict (what capture and the 四性 check use) and, for a pair whose verdict changed, updates its
 * materials and recounts the tasks whose live items hold them, in one transaction per pair. Files never judged
 * (stored before migration 0036, covers: `format_refused` null) are left alone. Idempotent: instances started
 * together each find nothing left to change after the first.
 */
export async function rejudgeFormats(db: Db, allowedFormats: readonly string[]): Promise<RejudgeOutcome> {
  const pairs = await queryRows<{ sniffed_mime: string | null; bytes_mime: string | null; refused: boolean }>(
    db,
    sql`select distinct sniffed_mime, bytes_mime, format_refused as refused from materials
        where format_refused is not null`,
  );
  const outcome: RejudgeOutcome = { materials: 0, tasks: 0 };
  for (const p of pairs) {
    const verdict = formatVerdict(
      { mime: p.sniffed_mime ?? 'application/octet-stream', bytesMime: p.bytes_mime },
      allowedFormats,
    );
    const refused = verdict.verdict === 'refused';
    if (refused === p.refused) continue;
    await db.transaction(async (tx) => {
      const changed = await queryRows<{ id: number }>(
        tx,
        sql`update materials set format_refused = ${refused}
            where format_refused = ${p.refused} and sniffed_mime is not distinct from ${p.sniffed_mime}
              and bytes_mime is not distinct from ${p.bytes_mime}
            returning id::int as id`,
      );
      if (changed.length === 0) return;
      const tasks = await queryRows<{ task_id: number }>(
        tx,
        sql`select distinct fi.task_id::int as task_id from filing_item_materials fim
              join filing_items fi on fi.id = fim.item_id and fi.undone_at is null
            where fim.material_id = any(${`{${changed.map((c) => c.id).join(',')}}`}::bigint[])`,
      );
      await recountTaskCopies(
        tx,
        tasks.map((t) => Number(t.task_id)),
      );
      outcome.materials += changed.length;
      outcome.tasks += tasks.length;
    });
  }
  return outcome;
}
