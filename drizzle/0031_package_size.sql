ALTER TABLE "transfer_packages" ADD COLUMN "bytes" bigint;--> statement-breakpoint
ALTER TABLE "transfer_packages" ADD COLUMN "files" integer;