CREATE TABLE "transfer_corrections" (
	"record_id" bigint PRIMARY KEY NOT NULL,
	"reported_at" timestamp with time zone NOT NULL,
	"reported_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "transfer_corrections" ADD CONSTRAINT "transfer_corrections_record_id_archive_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."archive_records"("id") ON DELETE no action ON UPDATE no action;