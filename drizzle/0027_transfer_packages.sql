CREATE TABLE "transfer_package_records" (
	"package_id" bigint NOT NULL,
	"record_id" bigint NOT NULL,
	CONSTRAINT "transfer_package_records_package_id_record_id_pk" PRIMARY KEY("package_id","record_id")
);
--> statement-breakpoint
CREATE TABLE "transfer_packages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"source" text NOT NULL,
	"unit_id" bigint NOT NULL,
	"year" integer NOT NULL,
	"fonds_codes" text NOT NULL,
	"layout" text NOT NULL,
	"pre_check" boolean NOT NULL,
	"digest" text NOT NULL,
	"out_dir" text NOT NULL,
	"records" integer NOT NULL,
	"sent_chat_id" text,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "transfer_package_records" ADD CONSTRAINT "transfer_package_records_package_id_transfer_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."transfer_packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_package_records" ADD CONSTRAINT "transfer_package_records_record_id_archive_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."archive_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_packages" ADD CONSTRAINT "transfer_packages_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "transfer_package_records_record_idx" ON "transfer_package_records" USING btree ("record_id");--> statement-breakpoint
CREATE INDEX "transfer_packages_unit_year_idx" ON "transfer_packages" USING btree ("unit_id","year");--> statement-breakpoint
CREATE INDEX "transfer_packages_out_dir_idx" ON "transfer_packages" USING btree ("out_dir");