ALTER TABLE "units" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "merged_into_id" bigint;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_merged_into_id_units_id_fk" FOREIGN KEY ("merged_into_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;