ALTER TABLE "transfer_packages" ADD COLUMN "handed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transfer_packages" ADD COLUMN "handed_to" text;--> statement-breakpoint
ALTER TABLE "transfer_packages" ADD COLUMN "handed_by" text;--> statement-breakpoint
ALTER TABLE "transfer_packages" ADD COLUMN "handed_recorded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transfer_packages" ADD COLUMN "voided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transfer_packages" ADD COLUMN "voided_by" text;--> statement-breakpoint
ALTER TABLE "transfer_packages" ADD COLUMN "void_reason" text;--> statement-breakpoint
-- Until now every 移交包 (not 预检包) counted as handed over when it was made: keep them so (handed on the
-- day it was made, receiver not recorded), so no 移交后变更 owed on them disappears.
UPDATE "transfer_packages" SET "handed_at" = "created_at", "handed_recorded_at" = "created_at" WHERE NOT "pre_check";
