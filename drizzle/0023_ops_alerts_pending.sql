ALTER TABLE "ops_alerts" ADD COLUMN "pending_send" text;--> statement-breakpoint
ALTER TABLE "ops_alerts" ADD COLUMN "pending_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ops_alerts" ADD COLUMN "pending_at" timestamp with time zone;