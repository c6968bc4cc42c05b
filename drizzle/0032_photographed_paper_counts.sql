-- Photographed paper counts (config/checklists/village-jzfp.yaml: 「一次发来的材料（含拍照的纸质件）整理为一件文书」):
-- in a task that accepts documents and not photos, an item holding photos counts one 份 for them (a signed
-- 入户调查表 photographed page by page and sent in one go is one document; its export is one 文书 件 with a
-- PDF). task_filed is the one definition of a task's filed count: src/db/repos/filed-count.ts builds every
-- query's figure from it, and the progress triggers below use it too. Arguments: the task's kind_mask (photo
-- 1, document 2, audio 4, video 8) and its live items' per-kind counts and how many of them hold a photo.
-- Plain SQL, immutable: the planner inlines it, so scans of tasks and items stay index-only.
CREATE OR REPLACE FUNCTION task_filed(kind_mask integer, n_photo bigint, n_document bigint, n_audio bigint, n_video bigint,
    photo_items bigint) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ((kind_mask & 1) * n_photo + (kind_mask >> 1 & 1) * n_document
    + (kind_mask >> 1 & 1) * (1 - (kind_mask & 1)) * photo_items
    + (kind_mask >> 2 & 1) * n_audio + (kind_mask >> 3 & 1) * n_video)::int
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION progress_filed(task bigint, unit bigint, kind_mask integer) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT coalesce(task_filed(kind_mask, sum(n_photo), sum(n_document), sum(n_audio), sum(n_video),
    sum(least(n_photo, 1))), 0)
  FROM filing_items WHERE task_id = task AND unit_id = unit AND undone_at IS NULL
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION progress_counts_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM unit_progress_deltas;
  DELETE FROM unit_progress_counts;
  INSERT INTO unit_progress_counts (unit_id, subtree, campaign_id, due_at, total, waived, complete, partly)
  WITH f AS (
    SELECT task_id, unit_id, sum(n_photo) AS n_photo, sum(n_document) AS n_document, sum(n_audio) AS n_audio,
      sum(n_video) AS n_video, sum(least(n_photo, 1)) AS photo_items
    FROM filing_items WHERE undone_at IS NULL GROUP BY task_id, unit_id
  ), p AS (
    SELECT t.unit_id, t.campaign_id, t.due_at, t.state, t.min_count,
      task_filed(t.kind_mask, coalesce(f.n_photo, 0), coalesce(f.n_document, 0), coalesce(f.n_audio, 0),
        coalesce(f.n_video, 0), coalesce(f.photo_items, 0)) AS filed
    FROM tasks t LEFT JOIN f ON f.task_id = t.id AND f.unit_id = t.unit_id
  ), own AS (
    SELECT unit_id, campaign_id, due_at, count(*)::int AS total,
      count(*) FILTER (WHERE state = 'waived')::int AS waived,
      count(*) FILTER (WHERE state <> 'waived' AND filed >= min_count)::int AS complete,
      count(*) FILTER (WHERE state <> 'waived' AND filed > 0 AND filed < min_count)::int AS partly
    FROM p GROUP BY unit_id, campaign_id, due_at
  )
  SELECT unit_id, false, campaign_id, due_at, total, waived, complete, partly FROM own
  UNION ALL
  SELECT a::bigint, true, o.campaign_id, o.due_at, sum(o.total), sum(o.waived), sum(o.complete), sum(o.partly)
  FROM own o JOIN units u ON u.id = o.unit_id
    CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM u.path), '/')) a
  GROUP BY 1, 3, 4;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION progress_counts_on_items() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  x progress_item_change[];
  d progress_delta[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(ROW(n.task_id, n.unit_id, n.n_photo, n.n_document, n.n_audio, n.n_video, 1)::progress_item_change)
      INTO x FROM new_rows n WHERE n.undone_at IS NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(ROW(o.task_id, o.unit_id, o.n_photo, o.n_document, o.n_audio, o.n_video, -1)::progress_item_change)
      INTO x FROM old_rows o WHERE o.undone_at IS NULL;
  ELSE
    SELECT array_agg(c) INTO x FROM (
      SELECT ROW(n.task_id, n.unit_id, n.n_photo, n.n_document, n.n_audio, n.n_video, 1)::progress_item_change AS c
        FROM new_rows n WHERE n.undone_at IS NULL
      UNION ALL
      SELECT ROW(o.task_id, o.unit_id, o.n_photo, o.n_document, o.n_audio, o.n_video, -1)::progress_item_change
        FROM old_rows o WHERE o.undone_at IS NULL) s;
  END IF;
  IF x IS NULL THEN RETURN NULL; END IF;
  -- Lock the tasks (and their units' paths) first; the counts below are read in new statements, so
  -- under READ COMMITTED they include every filing committed before the lock was granted.
  PERFORM 1 FROM tasks WHERE id IN (SELECT task_id FROM unnest(x)) ORDER BY id FOR NO KEY UPDATE;
  PERFORM 1 FROM units WHERE id IN (SELECT t.unit_id FROM tasks t WHERE t.id IN (SELECT task_id FROM unnest(x)))
    ORDER BY id FOR SHARE;
  WITH ch AS (
    -- What each changed item adds, by the same rule as the whole task's count (task_filed is linear).
    SELECT t.id, sum(c.sign * task_filed(t.kind_mask, c.n_photo, c.n_document, c.n_audio, c.n_video,
      least(c.n_photo, 1)))::int AS n
    FROM unnest(x) c JOIN tasks t ON t.id = c.task_id AND t.unit_id = c.unit_id
    GROUP BY t.id
  ), c AS (
    SELECT t.unit_id, u.path, t.campaign_id, t.due_at, t.state, t.min_count, ch.n,
      progress_filed(t.id, t.unit_id, t.kind_mask) AS filed
    FROM ch JOIN tasks t ON t.id = ch.id JOIN units u ON u.id = t.unit_id
    WHERE ch.n <> 0
  )
  SELECT array_agg(y) INTO d FROM (
    SELECT progress_delta_of(c.unit_id, c.path, c.campaign_id, c.due_at, c.state, c.min_count, c.filed - c.n, -1) AS y
      FROM c
    UNION ALL
    SELECT progress_delta_of(c.unit_id, c.path, c.campaign_id, c.due_at, c.state, c.min_count, c.filed, 1) FROM c) s;
  IF d IS NOT NULL THEN PERFORM progress_counts_apply(d); END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Items filed before hold photos their document tasks did not count: count them now.
SELECT progress_counts_rebuild();
