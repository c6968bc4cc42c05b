-- Search (issue 15): item_search holds each filed item's search text under a GIN index of its character
-- pairs, kept by triggers in the transaction that changes any of those texts. Hand-written below the
-- generated table: the functions and view, the fill of existing items (before the indexes: faster), the
-- triggers.
CREATE TABLE "item_search" (
	"item_id" bigint PRIMARY KEY NOT NULL,
	"doc" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "item_search" ADD CONSTRAINT "item_search_item_id_filing_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."filing_items"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "materials_sender_idx" ON "materials" USING btree ("sender_open_id");
--> statement-breakpoint
CREATE INDEX "filing_items_live_filed_idx" ON "filing_items" USING btree ("filed_at","id") WHERE undone_at is null;
--> statement-breakpoint
CREATE INDEX "filing_items_filed_by_idx" ON "filing_items" USING btree ("filed_by");
--> statement-breakpoint
CREATE INDEX "filing_items_live_unit_filed_idx" ON "filing_items" USING btree ("unit_id","filed_at","id") WHERE undone_at is null;
--> statement-breakpoint
CREATE FUNCTION search_grams(doc text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT DISTINCT g FROM regexp_split_to_table(lower(doc), '\s+') w,
    LATERAL (SELECT substr(w, i, 1) FROM generate_series(1, length(w)) i
      UNION ALL SELECT substr(w, i, 2) FROM generate_series(1, length(w) - 1) i) x(g))
$$;
--> statement-breakpoint
CREATE FUNCTION search_query_grams(term text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(term) = 1 THEN ARRAY[lower(term)] ELSE ARRAY(
    SELECT DISTINCT g FROM regexp_split_to_table(lower(term), '\s+') w,
      LATERAL (SELECT substr(w, i, 2) FROM generate_series(1, length(w) - 1) i) x(g)) END
$$;
--> statement-breakpoint
CREATE VIEW item_search_docs AS
  SELECT fi.id, concat_ws(E'\n', fi.title, d.title, d.doc_number, d.reason, d.place, d.people, d.date, ar.codes,
      p.name, b.caption, t.code, t.title, t.class, u.name, u.full_name, m.texts) AS doc
  FROM filing_items fi
    JOIN tasks t ON t.id = fi.task_id
    JOIN units u ON u.id = fi.unit_id
    LEFT JOIN item_descriptions d ON d.item_id = fi.id
    LEFT JOIN people p ON p.open_id = fi.filed_by
    LEFT JOIN bursts b ON b.id = fi.burst_id
    LEFT JOIN (SELECT item_id, string_agg(archival_code, E'\n' ORDER BY id) AS codes FROM archive_records
      WHERE status = 'confirmed' GROUP BY item_id) ar ON ar.item_id = fi.id
    LEFT JOIN (SELECT fim.item_id,
        string_agg(concat_ws(E'\n', m.caption, m.original_name, ps.name), E'\n' ORDER BY fim.position) AS texts
      FROM filing_item_materials fim JOIN materials m ON m.id = fim.material_id
        LEFT JOIN people ps ON ps.open_id = m.sender_open_id
      GROUP BY fim.item_id) m ON m.item_id = fi.id;
--> statement-breakpoint
CREATE FUNCTION item_search_doc(item bigint) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT doc FROM item_search_docs WHERE id = item);
END $$;
--> statement-breakpoint
CREATE FUNCTION item_search_refresh(items bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- Lock the rows first, then read the texts in a new statement (a fresh snapshot under READ COMMITTED):
  -- two transactions changing different texts of one item write its search row one after the other,
  -- the second with the first's change.
  PERFORM 1 FROM item_search WHERE item_id = ANY(items) ORDER BY item_id FOR UPDATE;
  INSERT INTO item_search (item_id, doc)
  SELECT id, doc
  FROM (SELECT x.id, item_search_doc(x.id) AS doc FROM (SELECT DISTINCT unnest(items) AS id) x) s
  WHERE doc IS NOT NULL
  ORDER BY id
  ON CONFLICT (item_id) DO UPDATE SET doc = excluded.doc
    WHERE item_search.doc IS DISTINCT FROM excluded.doc;
END $$;
--> statement-breakpoint
CREATE FUNCTION item_search_on_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM item_search_refresh(ARRAY[NEW.id]);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION item_search_on_item_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM item_search_refresh(ARRAY[OLD.item_id]); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM item_search_refresh(ARRAY[NEW.item_id]); END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION item_search_on_source() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'bursts' THEN
    PERFORM item_search_refresh(ARRAY(SELECT id FROM filing_items WHERE burst_id = NEW.id AND undone_at IS NULL));
  ELSIF TG_TABLE_NAME = 'materials' THEN
    PERFORM item_search_refresh(ARRAY(SELECT item_id FROM filing_item_materials WHERE material_id = NEW.id));
  ELSIF TG_TABLE_NAME = 'tasks' THEN
    PERFORM item_search_refresh(ARRAY(SELECT id FROM filing_items WHERE task_id = NEW.id));
  ELSIF TG_TABLE_NAME = 'units' THEN
    PERFORM item_search_refresh(ARRAY(SELECT id FROM filing_items WHERE unit_id = NEW.id AND undone_at IS NULL));
  ELSIF TG_TABLE_NAME = 'people' THEN
    PERFORM item_search_refresh(ARRAY(
      SELECT id FROM filing_items WHERE filed_by = NEW.open_id
      UNION SELECT fim.item_id FROM materials m JOIN filing_item_materials fim ON fim.material_id = m.id
        WHERE m.sender_open_id = NEW.open_id));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
INSERT INTO item_search (item_id, doc) SELECT id, doc FROM item_search_docs;
--> statement-breakpoint
CREATE INDEX "item_search_grams_idx" ON "item_search" USING gin (search_grams(doc));
--> statement-breakpoint
CREATE TRIGGER item_search_item_insert AFTER INSERT ON filing_items
  FOR EACH ROW EXECUTE FUNCTION item_search_on_item();
--> statement-breakpoint
CREATE TRIGGER item_search_item_update AFTER UPDATE OF title, task_id, unit_id, filed_by, burst_id ON filing_items
  FOR EACH ROW EXECUTE FUNCTION item_search_on_item();
--> statement-breakpoint
CREATE TRIGGER item_search_materials AFTER INSERT OR UPDATE OR DELETE ON filing_item_materials
  FOR EACH ROW EXECUTE FUNCTION item_search_on_item_child();
--> statement-breakpoint
CREATE TRIGGER item_search_description AFTER INSERT OR UPDATE OR DELETE ON item_descriptions
  FOR EACH ROW EXECUTE FUNCTION item_search_on_item_child();
--> statement-breakpoint
CREATE TRIGGER item_search_archive_record AFTER INSERT OR UPDATE OR DELETE ON archive_records
  FOR EACH ROW EXECUTE FUNCTION item_search_on_item_child();
--> statement-breakpoint
CREATE TRIGGER item_search_burst AFTER UPDATE OF caption ON bursts
  FOR EACH ROW WHEN (OLD.caption IS DISTINCT FROM NEW.caption) EXECUTE FUNCTION item_search_on_source();
--> statement-breakpoint
CREATE TRIGGER item_search_material AFTER UPDATE OF caption, original_name, sender_open_id ON materials
  FOR EACH ROW WHEN (OLD.caption IS DISTINCT FROM NEW.caption OR OLD.original_name IS DISTINCT FROM NEW.original_name
    OR OLD.sender_open_id IS DISTINCT FROM NEW.sender_open_id) EXECUTE FUNCTION item_search_on_source();
--> statement-breakpoint
CREATE TRIGGER item_search_task AFTER UPDATE OF code, title, class ON tasks
  FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.title IS DISTINCT FROM NEW.title
    OR OLD.class IS DISTINCT FROM NEW.class) EXECUTE FUNCTION item_search_on_source();
--> statement-breakpoint
CREATE TRIGGER item_search_unit AFTER UPDATE OF name, full_name ON units
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.full_name IS DISTINCT FROM NEW.full_name)
  EXECUTE FUNCTION item_search_on_source();
--> statement-breakpoint
CREATE TRIGGER item_search_person_insert AFTER INSERT ON people
  FOR EACH ROW EXECUTE FUNCTION item_search_on_source();
--> statement-breakpoint
CREATE TRIGGER item_search_person_update AFTER UPDATE OF name ON people
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION item_search_on_source();
