import { sql, type SQL } from 'drizzle-orm';

/**
 * A task's filed count, the one rule every figure uses (cards, 进度/缺什么, pages, digest, reminders,
 * escalation, the progress triggers): over its live items, the files of each kind it accepts — and, in a
 * task that accepts documents and not photos, one 份 per item holding photos (a signed form photographed
 * page by page and sent in one go is one document: it is exported as one 文书 件 with a PDF). The rule is
 * the SQL function task_filed (migration 0032), inlined by the planner; these build its arguments.
 *
 * `mask` is the task's kind_mask column (photo 1, document 2, audio 4, video 8): tasks_progress_idx covers
 * it, and filing_items_live_unit_idx covers every count below, so both are read index-only.
 */
const taskFiled = (mask: string, n: string[]): SQL => sql.raw(`task_filed(${mask}, ${n.join(', ')})`);

/** What one live item (alias `fi` of filing_items) adds to its task `mask`: sum it over the task's items. */
export const itemFiled = (mask: string, fi: string): SQL =>
  taskFiled(mask, [
    `${fi}.n_photo`,
    `${fi}.n_document`,
    `${fi}.n_audio`,
    `${fi}.n_video`,
    `least(${fi}.n_photo, 1)`,
  ]);

/** The per-task sums of live filing_items (unaliased) that `summedFiled` reads. */
export const ITEM_SUMS = sql.raw(
  `sum(n_photo) as n_photo, sum(n_document) as n_document, sum(n_audio) as n_audio, sum(n_video) as n_video,
    sum(least(n_photo, 1)) as photo_items`,
);

/** Filed count of task `mask` from its ITEM_SUMS `f` (none when it has no live item). */
export const summedFiled = (mask: string, f: string): SQL =>
  taskFiled(
    mask,
    ['n_photo', 'n_document', 'n_audio', 'n_video', 'photo_items'].map((c) => `coalesce(${f}.${c}, 0)`),
  );
