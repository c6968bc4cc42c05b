-- 张号 of confirmed photo groups, fixed at confirmation (usecases/confirm-archive.ts), so a recall no longer
-- renumbers the photos after the one it took off. Hand-written below the generated table: the groups already
-- confirmed get their 张号 as the export numbered them until now (photos in filing order).
CREATE TABLE "archive_photo_numbers" (
	"record_id" bigint NOT NULL,
	"material_id" bigint NOT NULL,
	"photo_number" integer NOT NULL,
	"recalled_at" timestamp with time zone,
	CONSTRAINT "archive_photo_numbers_pkey" PRIMARY KEY("record_id","photo_number")
);
--> statement-breakpoint
ALTER TABLE "archive_photo_numbers" ADD CONSTRAINT "archive_photo_numbers_record_id_archive_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."archive_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "archive_photo_numbers" ADD CONSTRAINT "archive_photo_numbers_material_id_materials_id_fk" FOREIGN KEY ("material_id") REFERENCES "public"."materials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "archive_photo_numbers_material_key" ON "archive_photo_numbers" USING btree ("record_id","material_id");
--> statement-breakpoint
INSERT INTO archive_photo_numbers (record_id, material_id, photo_number)
SELECT ar.id, fim.material_id, row_number() OVER (PARTITION BY ar.id ORDER BY fim.position, m.id)
FROM archive_records ar
JOIN filing_item_materials fim ON fim.item_id = ar.item_id
JOIN materials m ON m.id = fim.material_id
WHERE ar.status = 'confirmed' AND m.kind = 'photo';
