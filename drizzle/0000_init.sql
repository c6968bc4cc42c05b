CREATE TABLE "inbound_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"message_id" text,
	"event_type" text NOT NULL,
	"source" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_at" timestamp with time zone,
	"locked_by" text,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "chats" (
	"chat_id" text PRIMARY KEY NOT NULL,
	"chat_type" text DEFAULT 'group' NOT NULL,
	"name" text,
	"active" boolean DEFAULT true NOT NULL,
	"added_by" text,
	"added_at" timestamp with time zone,
	"removed_at" timestamp with time zone,
	"last_message_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 8 NOT NULL,
	"last_error" text,
	"run_at" timestamp with time zone NOT NULL,
	"locked_at" timestamp with time zone,
	"locked_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "blobs" (
	"sha256" text PRIMARY KEY NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sniffed_mime" text,
	"storage_key" text NOT NULL,
	"stored_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bursts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"chat_id" text NOT NULL,
	"sender_open_id" text NOT NULL,
	"first_message_id" text NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"closes_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"caption" text,
	"ack_message_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "materials" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"resource_key" text NOT NULL,
	"resource_type" text NOT NULL,
	"download_message_id" text,
	"chat_id" text NOT NULL,
	"sender_open_id" text,
	"sent_at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"role" text DEFAULT 'main' NOT NULL,
	"original_name" text,
	"declared_mime" text,
	"sniffed_mime" text,
	"size_bytes" bigint,
	"duration_ms" integer,
	"sha256" text,
	"storage_key" text,
	"duplicate_of" bigint,
	"caption" text,
	"parent_id" text,
	"root_id" text,
	"forward_root_id" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"burst_id" bigint,
	"taken_at" timestamp with time zone,
	"gps_lat" double precision,
	"gps_lng" double precision,
	"camera_make" text,
	"camera_model" text,
	"width" integer,
	"height" integer,
	"quality" text,
	"thumbnail_key" text,
	"created_at" timestamp with time zone NOT NULL,
	"stored_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"message_id" text PRIMARY KEY NOT NULL,
	"chat_id" text NOT NULL,
	"chat_type" text NOT NULL,
	"sender_open_id" text,
	"msg_type" text NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"text" text,
	"parent_id" text,
	"root_id" text,
	"forward_root_id" text,
	"upper_message_id" text,
	"disposition" text NOT NULL,
	"mentions" jsonb,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chat_bindings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"chat_id" text NOT NULL,
	"unit_id" bigint NOT NULL,
	"status" text NOT NULL,
	"bound_by" text,
	"bound_at" timestamp with time zone NOT NULL,
	"paused_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "households" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"unit_id" bigint NOT NULL,
	"code" text NOT NULL,
	"head_name" text NOT NULL,
	"group_name" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "people" (
	"open_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "unit_roles" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"unit_id" bigint NOT NULL,
	"open_id" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "units" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"parent_id" bigint,
	"path" text NOT NULL,
	"full_name" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"source" text NOT NULL,
	"unit_id" bigint,
	"task_id" bigint,
	"item_id" bigint,
	"burst_id" bigint,
	"chat_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"title" text NOT NULL,
	"checklist_code" text NOT NULL,
	"checklist_version" integer NOT NULL,
	"year" integer NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checklists" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"version" integer NOT NULL,
	"title" text NOT NULL,
	"level" text NOT NULL,
	"source_file" text NOT NULL,
	"content_hash" text NOT NULL,
	"content" jsonb NOT NULL,
	"loaded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "filing_item_materials" (
	"item_id" bigint NOT NULL,
	"material_id" bigint NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "filing_item_materials_pkey" PRIMARY KEY("item_id","material_id")
);
--> statement-breakpoint
CREATE TABLE "filing_items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" bigint NOT NULL,
	"unit_id" bigint NOT NULL,
	"burst_id" bigint,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"n_photo" integer DEFAULT 0 NOT NULL,
	"n_document" integer DEFAULT 0 NOT NULL,
	"n_audio" integer DEFAULT 0 NOT NULL,
	"n_video" integer DEFAULT 0 NOT NULL,
	"filed_by" text NOT NULL,
	"filed_at" timestamp with time zone NOT NULL,
	"via" text NOT NULL,
	"chat_id" text,
	"refiled_at" timestamp with time zone,
	"undone_at" timestamp with time zone,
	"undone_by" text
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" bigint NOT NULL,
	"unit_id" bigint NOT NULL,
	"household_id" bigint,
	"item_code" text NOT NULL,
	"code" text NOT NULL,
	"position" integer NOT NULL,
	"title" text NOT NULL,
	"class" text NOT NULL,
	"retention" text NOT NULL,
	"kinds" text[] NOT NULL,
	"kind_mask" integer GENERATED ALWAYS AS ((case when 'photo' = any(kinds) then 1 else 0 end) | (case when 'document' = any(kinds) then 2 else 0 end)
          | (case when 'audio' = any(kinds) then 4 else 0 end) | (case when 'video' = any(kinds) then 8 else 0 end)) STORED NOT NULL,
	"min_count" integer NOT NULL,
	"keywords" text[] NOT NULL,
	"guidance" text,
	"due_at" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"responsible" text[] NOT NULL,
	"waived_at" timestamp with time zone,
	"waived_by" text,
	"waived_reason" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "completeness_snapshots" (
	"unit_id" bigint NOT NULL,
	"week" text NOT NULL,
	"total" integer NOT NULL,
	"done" integer NOT NULL,
	"overdue" integer NOT NULL,
	"taken_at" timestamp with time zone NOT NULL,
	CONSTRAINT "completeness_snapshots_pkey" PRIMARY KEY("unit_id","week")
);
--> statement-breakpoint
CREATE TABLE "schedule_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"slot" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"instance" text,
	"attempts" integer DEFAULT 1 NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" jsonb,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "scheduled_sends" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"target" text NOT NULL,
	"period" text NOT NULL,
	"receive_id_type" text NOT NULL,
	"receive_id" text NOT NULL,
	"msg_type" text NOT NULL,
	"content" text NOT NULL,
	"unit_id" bigint,
	"task_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"message_id" text,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "archive_counters" (
	"class_key" text PRIMARY KEY NOT NULL,
	"last_number" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "archive_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"item_id" bigint NOT NULL,
	"unit_id" bigint NOT NULL,
	"class_key" text NOT NULL,
	"fonds_code" text NOT NULL,
	"category_code" text NOT NULL,
	"year" integer NOT NULL,
	"retention_code" text NOT NULL,
	"org_code" text NOT NULL,
	"piece_number" integer NOT NULL,
	"archival_code" text NOT NULL,
	"pages" integer,
	"status" text DEFAULT 'confirmed' NOT NULL,
	"confirmed_at" timestamp with time zone NOT NULL,
	"confirmed_by" text NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_by" text,
	"withdrawn_reason" text
);
--> statement-breakpoint
CREATE TABLE "item_descriptions" (
	"item_id" bigint PRIMARY KEY NOT NULL,
	"doc_number" text,
	"responsible" text,
	"title" text,
	"date" text,
	"secrecy" text,
	"pages" integer,
	"remarks" text,
	"reason" text,
	"place" text,
	"people" text,
	"photographer" text,
	"described_by" text NOT NULL,
	"described_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bot_messages" (
	"message_id" text PRIMARY KEY NOT NULL,
	"chat_id" text,
	"purpose" text NOT NULL,
	"unit_id" bigint,
	"burst_id" bigint,
	"task_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chat_bindings" ADD CONSTRAINT "chat_bindings_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "households" ADD CONSTRAINT "households_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_roles" ADD CONSTRAINT "unit_roles_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_parent_id_units_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "filing_item_materials" ADD CONSTRAINT "filing_item_materials_item_id_filing_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."filing_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "filing_item_materials" ADD CONSTRAINT "filing_item_materials_material_id_materials_id_fk" FOREIGN KEY ("material_id") REFERENCES "public"."materials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "filing_items" ADD CONSTRAINT "filing_items_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "filing_items" ADD CONSTRAINT "filing_items_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "filing_items" ADD CONSTRAINT "filing_items_burst_id_bursts_id_fk" FOREIGN KEY ("burst_id") REFERENCES "public"."bursts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "public"."households"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "archive_records" ADD CONSTRAINT "archive_records_item_id_filing_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."filing_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "archive_records" ADD CONSTRAINT "archive_records_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_descriptions" ADD CONSTRAINT "item_descriptions_item_id_filing_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."filing_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_events_event_id_key" ON "inbound_events" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_events_message_id_key" ON "inbound_events" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "inbound_events_due_idx" ON "inbound_events" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "inbound_events_processing_idx" ON "inbound_events" USING btree ("locked_at") WHERE status = 'processing';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_kind_key_key" ON "jobs" USING btree ("kind","key");--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "jobs" USING btree ("run_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "jobs_processing_idx" ON "jobs" USING btree ("locked_at") WHERE status = 'processing';--> statement-breakpoint
CREATE INDEX "bursts_open_idx" ON "bursts" USING btree ("chat_id","sender_open_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "bursts_closing_idx" ON "bursts" USING btree ("closes_at") WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "materials_message_resource_key" ON "materials" USING btree ("message_id","resource_key");--> statement-breakpoint
CREATE INDEX "materials_chat_sent_idx" ON "materials" USING btree ("chat_id","sent_at");--> statement-breakpoint
CREATE INDEX "materials_sha256_idx" ON "materials" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "materials_burst_idx" ON "materials" USING btree ("burst_id");--> statement-breakpoint
CREATE INDEX "materials_unfinished_idx" ON "materials" USING btree ("created_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "messages_chat_sent_idx" ON "messages" USING btree ("chat_id","sent_at");--> statement-breakpoint
CREATE UNIQUE INDEX "chat_bindings_live_chat_key" ON "chat_bindings" USING btree ("chat_id") WHERE status <> 'ended';--> statement-breakpoint
CREATE INDEX "chat_bindings_unit_idx" ON "chat_bindings" USING btree ("unit_id") WHERE status = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "households_unit_code_key" ON "households" USING btree ("unit_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "unit_roles_unit_person_role_key" ON "unit_roles" USING btree ("unit_id","open_id","role");--> statement-breakpoint
CREATE INDEX "unit_roles_open_id_idx" ON "unit_roles" USING btree ("open_id");--> statement-breakpoint
CREATE UNIQUE INDEX "units_code_key" ON "units" USING btree ("code");--> statement-breakpoint
CREATE INDEX "units_path_idx" ON "units" USING btree ("path" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "units_parent_idx" ON "units" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "audit_log_unit_at_idx" ON "audit_log" USING btree ("unit_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_item_idx" ON "audit_log" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "audit_log_task_idx" ON "audit_log" USING btree ("task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "campaigns_code_key" ON "campaigns" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "checklists_code_version_key" ON "checklists" USING btree ("code","version");--> statement-breakpoint
CREATE INDEX "filing_item_materials_material_idx" ON "filing_item_materials" USING btree ("material_id");--> statement-breakpoint
CREATE UNIQUE INDEX "filing_items_live_burst_key" ON "filing_items" USING btree ("burst_id") WHERE undone_at is null and burst_id is not null;--> statement-breakpoint
CREATE INDEX "filing_items_live_unit_idx" ON "filing_items" USING btree ("unit_id","task_id","n_photo","n_document","n_audio","n_video") WHERE undone_at is null;--> statement-breakpoint
CREATE INDEX "filing_items_task_idx" ON "filing_items" USING btree ("task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_slot_key" ON "tasks" USING btree ("campaign_id","unit_id",coalesce(household_id, 0),"item_code");--> statement-breakpoint
CREATE INDEX "tasks_unit_code_idx" ON "tasks" USING btree ("unit_id","code");--> statement-breakpoint
CREATE INDEX "tasks_progress_idx" ON "tasks" USING btree ("unit_id","id","campaign_id","state","due_at","min_count","position","code","kind_mask");--> statement-breakpoint
CREATE INDEX "tasks_household_idx" ON "tasks" USING btree ("household_id");--> statement-breakpoint
CREATE UNIQUE INDEX "schedule_runs_job_slot_key" ON "schedule_runs" USING btree ("job","slot");--> statement-breakpoint
CREATE UNIQUE INDEX "scheduled_sends_kind_target_period_key" ON "scheduled_sends" USING btree ("kind","target","period");--> statement-breakpoint
CREATE INDEX "scheduled_sends_period_idx" ON "scheduled_sends" USING btree ("period","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "archive_records_class_piece_key" ON "archive_records" USING btree ("class_key","piece_number");--> statement-breakpoint
CREATE UNIQUE INDEX "archive_records_code_key" ON "archive_records" USING btree ("archival_code");--> statement-breakpoint
CREATE UNIQUE INDEX "archive_records_live_item_key" ON "archive_records" USING btree ("item_id") WHERE status = 'confirmed';--> statement-breakpoint
CREATE INDEX "archive_records_unit_year_idx" ON "archive_records" USING btree ("unit_id","year");--> statement-breakpoint
CREATE INDEX "archive_records_item_idx" ON "archive_records" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "bot_messages_burst_idx" ON "bot_messages" USING btree ("burst_id");