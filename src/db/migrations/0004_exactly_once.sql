ALTER TABLE "post_targets" ADD COLUMN "claimed_by_worker" text;--> statement-breakpoint
ALTER TABLE "post_targets" ADD COLUMN "claimed_job_id" text;--> statement-breakpoint
ALTER TABLE "worker_heartbeats" ADD COLUMN "presence_key" integer;--> statement-breakpoint
CREATE UNIQUE INDEX "post_targets_remote_post_unique" ON "post_targets" USING btree ("connection_id","remote_post_id") WHERE "post_targets"."remote_post_id" is not null;