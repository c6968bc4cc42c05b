CREATE TABLE "photo_notes" (
	"item_id" bigint NOT NULL,
	"material_id" bigint NOT NULL,
	"note" text,
	"background" text,
	"described_by" text NOT NULL,
	"described_at" timestamp with time zone NOT NULL,
	CONSTRAINT "photo_notes_item_id_material_id_pk" PRIMARY KEY("item_id","material_id")
);
--> statement-breakpoint
ALTER TABLE "item_descriptions" ADD COLUMN "background" text;--> statement-breakpoint
ALTER TABLE "photo_notes" ADD CONSTRAINT "photo_notes_item_id_filing_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."filing_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "photo_notes" ADD CONSTRAINT "photo_notes_material_id_materials_id_fk" FOREIGN KEY ("material_id") REFERENCES "public"."materials"("id") ON DELETE no action ON UPDATE no action;