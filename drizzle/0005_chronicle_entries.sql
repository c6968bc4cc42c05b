CREATE TABLE "chronicle_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"unit_id" bigint NOT NULL,
	"year" integer NOT NULL,
	"item_id" bigint,
	"day" text NOT NULL,
	"event" text NOT NULL,
	"hidden" boolean DEFAULT false NOT NULL,
	"edited_by" text NOT NULL,
	"edited_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "chronicle_entries_item_key" ON "chronicle_entries" USING btree ("unit_id","year","item_id") WHERE item_id is not null;--> statement-breakpoint
CREATE INDEX "chronicle_entries_unit_year_idx" ON "chronicle_entries" USING btree ("unit_id","year");