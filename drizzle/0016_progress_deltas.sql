-- Progress deltas (issue 14): the 0014 triggers append their changes to unit_progress_deltas instead of
-- updating unit_progress_counts in place. Every filing changed the rows of its village's township,
-- county and province, so 50 concurrent filings queued on the province's row until each other's
-- commit (and two transactions filing twice could deadlock). A timer folds the deltas in
-- (progress_counts_fold); readers sum both through the unit_progress_rows view. Hand-written below
-- the generated part.
CREATE TABLE "unit_progress_deltas" (
	"unit_id" bigint NOT NULL,
	"subtree" boolean NOT NULL,
	"campaign_id" bigint NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"total" integer NOT NULL,
	"waived" integer NOT NULL,
	"complete" integer NOT NULL,
	"partly" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "unit_progress_deltas_unit_idx" ON "unit_progress_deltas" USING btree ("unit_id","subtree");
--> statement-breakpoint
CREATE VIEW unit_progress_rows AS
  SELECT unit_id, subtree, campaign_id, due_at, total, waived, complete, partly FROM unit_progress_counts
  UNION ALL
  SELECT unit_id, subtree, campaign_id, due_at, total, waived, complete, partly FROM unit_progress_deltas;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION progress_counts_apply(deltas progress_delta[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO unit_progress_deltas (unit_id, subtree, campaign_id, due_at, total, waived, complete, partly)
  SELECT k.unit_id, k.subtree, d.campaign_id, d.due_at, sum(d.total), sum(d.waived), sum(d.complete), sum(d.partly)
  FROM unnest(deltas) d
    CROSS JOIN LATERAL (
      SELECT d.unit_id, false WHERE d.own
      UNION ALL
      SELECT a::bigint, true FROM unnest(string_to_array(trim(BOTH '/' FROM d.path), '/')) a
    ) k(unit_id, subtree)
  GROUP BY 1, 2, 3, 4
  HAVING sum(d.total) <> 0 OR sum(d.waived) <> 0 OR sum(d.complete) <> 0 OR sum(d.partly) <> 0
$$;
--> statement-breakpoint
-- Moves every delta visible now into the counts, in one statement: a reader sees either the deltas or
-- their sum in the counts, never both or neither. A delta committed meanwhile stays for the next fold;
-- two folds at once (two instances) wait on each other's rows, so nothing is added twice.
CREATE FUNCTION progress_counts_fold() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
  WITH moved AS (
    DELETE FROM unit_progress_deltas
    RETURNING unit_id, subtree, campaign_id, due_at, total, waived, complete, partly
  ), folded AS (
    INSERT INTO unit_progress_counts AS p (unit_id, subtree, campaign_id, due_at, total, waived, complete, partly)
    SELECT unit_id, subtree, campaign_id, due_at, sum(total), sum(waived), sum(complete), sum(partly)
    FROM moved GROUP BY 1, 2, 3, 4
    HAVING sum(total) <> 0 OR sum(waived) <> 0 OR sum(complete) <> 0 OR sum(partly) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (unit_id, subtree, campaign_id, due_at) DO UPDATE SET total = p.total + excluded.total,
      waived = p.waived + excluded.waived, complete = p.complete + excluded.complete, partly = p.partly + excluded.partly
    RETURNING 1
  )
  SELECT count(*) INTO n FROM moved;
  RETURN n;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION progress_counts_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM unit_progress_deltas;
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
CREATE OR REPLACE FUNCTION progress_counts_on_units() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d progress_delta[];
BEGIN
  -- A unit moved (its path changed): its own tasks now count under the new ancestors, not the old.
  -- Its own counts are the folded rows plus the pending deltas.
  WITH own AS (
    SELECT o.id, o.path AS old_path, n.path AS new_path, c.campaign_id, c.due_at, sum(c.total)::int AS total,
      sum(c.waived)::int AS waived, sum(c.complete)::int AS complete, sum(c.partly)::int AS partly
    FROM old_rows o JOIN new_rows n ON n.id = o.id
      JOIN unit_progress_rows c ON c.unit_id = o.id AND NOT c.subtree
    WHERE o.path IS DISTINCT FROM n.path
    GROUP BY o.id, o.path, n.path, c.campaign_id, c.due_at
  )
  SELECT array_agg(y) INTO d FROM (
    SELECT ROW(id, old_path, false, campaign_id, due_at, -total, -waived, -complete, -partly)::progress_delta AS y
      FROM own
    UNION ALL
    SELECT ROW(id, new_path, false, campaign_id, due_at, total, waived, complete, partly)::progress_delta FROM own) s;
  IF d IS NOT NULL THEN PERFORM progress_counts_apply(d); END IF;
  RETURN NULL;
END $$;
