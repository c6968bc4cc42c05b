-- Quality problems of a wide unit page (a province): the recent compressed photos and failed downloads are
-- counted by chat, the recent live photo groups by unit, each on its partial index alone (index-only).
DROP INDEX "materials_compressed_sent_idx";--> statement-breakpoint
DROP INDEX "materials_failed_sent_idx";--> statement-breakpoint
CREATE INDEX "filing_items_live_photo_groups_filed_idx" ON "filing_items" USING btree ("filed_at","unit_id","id") WHERE undone_at is null and kind = 'photo_group';--> statement-breakpoint
CREATE INDEX "materials_compressed_sent_idx" ON "materials" USING btree ("sent_at","chat_id") WHERE kind = 'photo' and quality = 'compressed';--> statement-breakpoint
CREATE INDEX "materials_failed_sent_idx" ON "materials" USING btree ("sent_at","chat_id") WHERE status in ('failed', 'needs_reupload', 'too_large');