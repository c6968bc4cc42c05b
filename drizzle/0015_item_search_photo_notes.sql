-- Search (issue 15): each photo's own 说明 and 背景 (photo_notes, migration 0011) become part of its item's
-- search text, next to the photo's caption and file name; a trigger on photo_notes keeps it, like the
-- item's description. The view keeps its columns (id, doc), so it is replaced in place; the items that
-- already have photo notes get their text rewritten once.
CREATE OR REPLACE VIEW item_search_docs AS
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
        string_agg(concat_ws(E'\n', m.caption, m.original_name, ps.name, pn.note, pn.background), E'\n'
          ORDER BY fim.position) AS texts
      FROM filing_item_materials fim JOIN materials m ON m.id = fim.material_id
        LEFT JOIN people ps ON ps.open_id = m.sender_open_id
        LEFT JOIN photo_notes pn ON pn.item_id = fim.item_id AND pn.material_id = fim.material_id
      GROUP BY fim.item_id) m ON m.item_id = fi.id;
--> statement-breakpoint
CREATE TRIGGER item_search_photo_note AFTER INSERT OR UPDATE OR DELETE ON photo_notes
  FOR EACH ROW EXECUTE FUNCTION item_search_on_item_child();
--> statement-breakpoint
SELECT item_search_refresh(ARRAY(SELECT DISTINCT item_id FROM photo_notes));
