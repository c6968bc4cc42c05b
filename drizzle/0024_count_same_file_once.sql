-- The same file is counted once per task (recountTaskCopies, src/db/repos/filings.ts): items filed before
-- held a copy of bytes already in their task and counted it. Recount the tasks holding such copies now,
-- with the rule the code applies from here on (the lower-numbered material counts); the progress triggers
-- follow the updated counts.
WITH copies AS (
  SELECT DISTINCT fi.task_id
  FROM materials m
    JOIN filing_item_materials fim ON fim.material_id = m.id
    JOIN filing_items fi ON fi.id = fim.item_id AND fi.undone_at IS NULL
  WHERE m.duplicate_of IS NOT NULL),
held AS (
  SELECT fi.id AS item_id, fim.material_id, m.kind, m.sha256, fi.task_id
  FROM filing_items fi
    JOIN filing_item_materials fim ON fim.item_id = fi.id
    JOIN materials m ON m.id = fim.material_id
  WHERE fi.task_id IN (SELECT task_id FROM copies) AND fi.undone_at IS NULL),
counted AS (
  SELECT h.item_id,
    count(*) FILTER (WHERE h.kind = 'photo' AND h.first)::int AS n_photo,
    count(*) FILTER (WHERE h.kind = 'document' AND h.first)::int AS n_document,
    count(*) FILTER (WHERE h.kind = 'audio' AND h.first)::int AS n_audio,
    count(*) FILTER (WHERE h.kind = 'video' AND h.first)::int AS n_video
  FROM (SELECT h.*, h.sha256 IS NULL OR row_number() OVER (
          PARTITION BY h.task_id, h.kind, h.sha256 ORDER BY h.material_id, h.item_id) = 1 AS first
        FROM held h) h
  GROUP BY h.item_id)
UPDATE filing_items fi
SET n_photo = c.n_photo, n_document = c.n_document, n_audio = c.n_audio, n_video = c.n_video
FROM counted c
WHERE fi.id = c.item_id
  AND (fi.n_photo, fi.n_document, fi.n_audio, fi.n_video)
    IS DISTINCT FROM (c.n_photo, c.n_document, c.n_audio, c.n_video);
