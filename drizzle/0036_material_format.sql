ALTER TABLE "materials" ADD COLUMN "bytes_mime" text;--> statement-breakpoint
ALTER TABLE "materials" ADD COLUMN "format_refused" boolean;