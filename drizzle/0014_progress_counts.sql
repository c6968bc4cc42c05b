-- Progress counts (issue 15): unit_progress_counts holds task counts per unit (own and subtree),
-- campaign and due time, kept by statement triggers in the transaction that changes a task, an item or
-- a unit's place; and two partial indexes for a province's recent quality problems. Hand-written below
-- the generated part: types, functions, the first fill, triggers.
CREATE TABLE "unit_progress_counts" (
	"unit_id" bigint NOT NULL,
	"subtree" boolean NOT NULL,
	"campaign_id" bigint NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"total" integer NOT NULL,
	"waived" integer NOT NULL,
	"complete" integer NOT NULL,
	"partly" integer NOT NULL,
	CONSTRAINT "unit_progress_counts_pkey" PRIMARY KEY("unit_id","subtree","campaign_id","due_at")
);
--> statement-breakpoint
CREATE INDEX "materials_compressed_sent_idx" ON "materials" USING btree ("sent_at") WHERE kind = 'photo' and quality = 'compressed';--> statement-breakpoint
CREATE INDEX "materials_failed_sent_idx" ON "materials" USING btree ("sent_at") WHERE status in ('failed', 'needs_reupload', 'too_large');
--> statement-breakpoint
CREATE TYPE progress_delta AS (unit_id bigint, path text, own boolean, campaign_id bigint, due_at timestamptz,
  total integer, waived integer, complete integer, partly integer);
--> statement-breakpoint
CREATE TYPE progress_item_change AS (task_id bigint, unit_id bigint, n_photo integer, n_document integer,
  n_audio integer, n_video integer, sign integer);
--> statement-breakpoint
CREATE FUNCTION progress_filed(task bigint, unit bigint, kind_mask integer) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum((kind_mask & 1) * n_photo + (kind_mask >> 1 & 1) * n_document
    + (kind_mask >> 2 & 1) * n_audio + (kind_mask >> 3 & 1) * n_video), 0)::int
  FROM filing_items WHERE task_id = task AND unit_id = unit AND undone_at IS NULL
$$;
--> statement-breakpoint
CREATE FUNCTION progress_delta_of(unit_id bigint, path text, campaign_id bigint, due_at timestamptz, state text,
    min_count integer, filed integer, sign integer) RETURNS progress_delta LANGUAGE sql IMMUTABLE AS $$
  SELECT ROW(unit_id, path, true, campaign_id, due_at, sign, sign * (state = 'waived')::int,
    sign * (state <> 'waived' AND filed >= min_count)::int,
    sign * (state <> 'waived' AND filed > 0 AND filed < min_count)::int)::progress_delta
$$;
--> statement-breakpoint
CREATE FUNCTION progress_counts_apply(deltas progress_delta[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO unit_progress_counts AS p (unit_id, subtree, campaign_id, due_at, total, waived, complete, partly)
  SELECT k.unit_id, k.subtree, d.campaign_id, d.due_at, sum(d.total), sum(d.waived), sum(d.complete), sum(d.partly)
  FROM unnest(deltas) d
    CROSS JOIN LATERAL (
      SELECT d.unit_id, false WHERE d.own
      UNION ALL
      SELECT a::bigint, true FROM unnest(string_to_array(trim(BOTH '/' FROM d.path), '/')) a
    ) k(unit_id, subtree)
  GROUP BY 1, 2, 3, 4
  HAVING sum(d.total) <> 0 OR sum(d.waived) <> 0 OR sum(d.complete) <> 0 OR sum(d.partly) <> 0
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (unit_id, subtree, campaign_id, due_at) DO UPDATE SET total = p.total + excluded.total,
    waived = p.waived + excluded.waived, complete = p.complete + excluded.complete, partly = p.partly + excluded.partly
$$;
--> statement-breakpoint
CREATE FUNCTION progress_counts_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM unit_progress_counts;
  INSERT INTO unit_progress_counts (unit_id, subtree, campaign_id, due_at, total, waived, complete, partly)
  WITH f AS (
    SELECT task_id, unit_id, sum(n_photo) AS n_photo, sum(n_document) AS n_document, sum(n_audio) AS n_audio,
      sum(n_video) AS n_video
    FROM filing_items WHERE undone_at IS NULL GROUP BY task_id, unit_id
  ), p AS (
    SELECT t.unit_id, t.campaign_id, t.due_at, t.state, t.min_count,
      ((t.kind_mask & 1) * coalesce(f.n_photo, 0) + (t.kind_mask >> 1 & 1) * coalesce(f.n_document, 0)
        + (t.kind_mask >> 2 & 1) * coalesce(f.n_audio, 0) + (t.kind_mask >> 3 & 1) * coalesce(f.n_video, 0)) AS filed
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
SELECT progress_counts_rebuild();
--> statement-breakpoint
CREATE FUNCTION progress_counts_on_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d progress_delta[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM units WHERE id IN (SELECT unit_id FROM new_rows) ORDER BY id FOR SHARE;
    SELECT array_agg(progress_delta_of(n.unit_id, u.path, n.campaign_id, n.due_at, n.state, n.min_count,
        progress_filed(n.id, n.unit_id, n.kind_mask), 1))
      INTO d FROM new_rows n JOIN units u ON u.id = n.unit_id;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM units WHERE id IN (SELECT unit_id FROM old_rows) ORDER BY id FOR SHARE;
    SELECT array_agg(progress_delta_of(o.unit_id, u.path, o.campaign_id, o.due_at, o.state, o.min_count,
        progress_filed(o.id, o.unit_id, o.kind_mask), -1))
      INTO d FROM old_rows o JOIN units u ON u.id = o.unit_id;
  ELSE
    PERFORM 1 FROM units WHERE id IN (
        SELECT o.unit_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.unit_id, o.campaign_id, o.due_at, o.state, o.min_count, o.kind_mask)
          IS DISTINCT FROM (n.unit_id, n.campaign_id, n.due_at, n.state, n.min_count, n.kind_mask)
        UNION SELECT n.unit_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.unit_id, o.campaign_id, o.due_at, o.state, o.min_count, o.kind_mask)
          IS DISTINCT FROM (n.unit_id, n.campaign_id, n.due_at, n.state, n.min_count, n.kind_mask))
      ORDER BY id FOR SHARE;
    SELECT array_agg(x) INTO d FROM (
      SELECT progress_delta_of(o.unit_id, u.path, o.campaign_id, o.due_at, o.state, o.min_count,
          progress_filed(o.id, o.unit_id, o.kind_mask), -1) AS x
        FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN units u ON u.id = o.unit_id
        WHERE (o.unit_id, o.campaign_id, o.due_at, o.state, o.min_count, o.kind_mask)
          IS DISTINCT FROM (n.unit_id, n.campaign_id, n.due_at, n.state, n.min_count, n.kind_mask)
      UNION ALL
      SELECT progress_delta_of(n.unit_id, u.path, n.campaign_id, n.due_at, n.state, n.min_count,
          progress_filed(n.id, n.unit_id, n.kind_mask), 1)
        FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN units u ON u.id = n.unit_id
        WHERE (o.unit_id, o.campaign_id, o.due_at, o.state, o.min_count, o.kind_mask)
          IS DISTINCT FROM (n.unit_id, n.campaign_id, n.due_at, n.state, n.min_count, n.kind_mask)) s;
  END IF;
  IF d IS NOT NULL THEN PERFORM progress_counts_apply(d); END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER progress_counts_tasks_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_counts_on_tasks();
--> statement-breakpoint
CREATE TRIGGER progress_counts_tasks_update AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_counts_on_tasks();
--> statement-breakpoint
CREATE TRIGGER progress_counts_tasks_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_counts_on_tasks();
--> statement-breakpoint
CREATE FUNCTION progress_counts_on_items() RETURNS trigger LANGUAGE plpgsql AS $$
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
    SELECT t.id, sum(c.sign * ((t.kind_mask & 1) * c.n_photo + (t.kind_mask >> 1 & 1) * c.n_document
      + (t.kind_mask >> 2 & 1) * c.n_audio + (t.kind_mask >> 3 & 1) * c.n_video))::int AS n
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
CREATE TRIGGER progress_counts_items_insert AFTER INSERT ON filing_items REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_counts_on_items();
--> statement-breakpoint
CREATE TRIGGER progress_counts_items_update AFTER UPDATE ON filing_items
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_counts_on_items();
--> statement-breakpoint
CREATE TRIGGER progress_counts_items_delete AFTER DELETE ON filing_items REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_counts_on_items();
--> statement-breakpoint
CREATE FUNCTION progress_counts_on_units() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d progress_delta[];
BEGIN
  -- A unit moved (its path changed): its own tasks now count under the new ancestors, not the old.
  SELECT array_agg(y) INTO d FROM (
    SELECT ROW(o.id, o.path, false, c.campaign_id, c.due_at, -c.total, -c.waived, -c.complete, -c.partly)::progress_delta
        AS y
      FROM old_rows o JOIN new_rows n ON n.id = o.id
        JOIN unit_progress_counts c ON c.unit_id = o.id AND NOT c.subtree
      WHERE o.path IS DISTINCT FROM n.path
    UNION ALL
    SELECT ROW(n.id, n.path, false, c.campaign_id, c.due_at, c.total, c.waived, c.complete, c.partly)::progress_delta
      FROM old_rows o JOIN new_rows n ON n.id = o.id
        JOIN unit_progress_counts c ON c.unit_id = n.id AND NOT c.subtree
      WHERE o.path IS DISTINCT FROM n.path) s;
  IF d IS NOT NULL THEN PERFORM progress_counts_apply(d); END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER progress_counts_units_update AFTER UPDATE ON units REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION progress_counts_on_units();
