CREATE INDEX "inbound_events_dead_idx" ON "inbound_events" USING btree ("id") WHERE status = 'dead';--> statement-breakpoint
CREATE INDEX "inbound_events_finished_idx" ON "inbound_events" USING btree ("processed_at") WHERE status in ('done', 'ignored');--> statement-breakpoint
CREATE INDEX "jobs_dead_idx" ON "jobs" USING btree ("id") WHERE status = 'dead';--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("finished_at") WHERE status = 'done';