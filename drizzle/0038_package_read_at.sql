ALTER TABLE "transfer_packages" ADD COLUMN "read_at" timestamp with time zone;--> statement-breakpoint
-- Packages made before this was kept: the day they were recorded, as 移交后变更 compared until now.
UPDATE "transfer_packages" SET "read_at" = "created_at";--> statement-breakpoint
ALTER TABLE "transfer_packages" ALTER COLUMN "read_at" SET NOT NULL;
