CREATE TABLE "fonds" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"unit_id" bigint NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"transferring_unit" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fonds" ADD CONSTRAINT "fonds_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "fonds_unit_key" ON "fonds" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "fonds_code_key" ON "fonds" USING btree ("code");