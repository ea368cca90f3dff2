CREATE TYPE "public"."analytics_collection_kind" AS ENUM('account', 'post');--> statement-breakpoint
CREATE TYPE "public"."analytics_unavailable_reason" AS ENUM('not_provided', 'retired', 'permission', 'not_ready', 'out_of_window', 'refused');--> statement-breakpoint
CREATE TABLE "analytics_account_days" (
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"platform" text NOT NULL,
	"day" date NOT NULL,
	"metric" text NOT NULL,
	"source" text NOT NULL,
	"value" double precision NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL,
	CONSTRAINT "analytics_account_days_connection_id_day_metric_pk" PRIMARY KEY("connection_id","day","metric")
);
--> statement-breakpoint
CREATE TABLE "analytics_budget_spend" (
	"platform" text NOT NULL,
	"scope_key" text NOT NULL,
	"window_ms" bigint NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"calls" integer NOT NULL,
	CONSTRAINT "analytics_budget_spend_platform_scope_key_window_ms_window_start_pk" PRIMARY KEY("platform","scope_key","window_ms","window_start")
);
--> statement-breakpoint
CREATE TABLE "analytics_platform_days" (
	"organization_id" uuid NOT NULL,
	"platform" text NOT NULL,
	"day" date NOT NULL,
	"values" jsonb NOT NULL,
	CONSTRAINT "analytics_platform_days_organization_id_platform_day_pk" PRIMARY KEY("organization_id","platform","day")
);
--> statement-breakpoint
CREATE TABLE "analytics_post_days" (
	"organization_id" uuid NOT NULL,
	"platform" text NOT NULL,
	"day" date NOT NULL,
	"posts" integer NOT NULL,
	"views" double precision,
	"reach" double precision,
	"engagements" double precision,
	"reactions" double precision,
	"comments" double precision,
	"shares" double precision,
	"saves" double precision,
	"clicks" double precision,
	"profile_visits" double precision,
	"video_views" double precision,
	"watch_time_minutes" double precision,
	"interactions" double precision,
	"rate_interactions" double precision,
	"rate_views" double precision,
	"rate_posts" integer NOT NULL,
	"reach_interactions" double precision,
	"reach_basis" double precision,
	"reach_posts" integer NOT NULL,
	"top" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "analytics_post_days_organization_id_platform_day_pk" PRIMARY KEY("organization_id","platform","day")
);
--> statement-breakpoint
CREATE TABLE "analytics_post_latest" (
	"target_id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"post_id" uuid NOT NULL,
	"platform" text NOT NULL,
	"remote_id" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"views" double precision,
	"reach" double precision,
	"engagements" double precision,
	"reactions" double precision,
	"comments" double precision,
	"shares" double precision,
	"saves" double precision,
	"clicks" double precision,
	"profile_visits" double precision,
	"video_views" double precision,
	"watch_time_minutes" double precision,
	"interactions" double precision,
	"sources" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_post_snapshots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"post_id" uuid NOT NULL,
	"target_id" uuid NOT NULL,
	"remote_id" text NOT NULL,
	"metric" text NOT NULL,
	"source" text NOT NULL,
	"value" double precision NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_schedule" (
	"subject_id" uuid PRIMARY KEY NOT NULL,
	"kind" "analytics_collection_kind" NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"target_id" uuid,
	"next_due_at" timestamp with time zone,
	"last_collected_at" timestamp with time zone,
	"backfilled_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "analytics_unavailable" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"target_id" uuid,
	"metric" text NOT NULL,
	"reason" "analytics_unavailable_reason" NOT NULL,
	"message" text NOT NULL,
	"source" text,
	"reconnect_for" text,
	"noted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "analytics_unavailable_subject" UNIQUE NULLS NOT DISTINCT("connection_id","target_id","metric")
);
--> statement-breakpoint
ALTER TABLE "analytics_account_days" ADD CONSTRAINT "analytics_account_days_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_account_days" ADD CONSTRAINT "analytics_account_days_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_platform_days" ADD CONSTRAINT "analytics_platform_days_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_days" ADD CONSTRAINT "analytics_post_days_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_latest" ADD CONSTRAINT "analytics_post_latest_target_id_post_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."post_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_latest" ADD CONSTRAINT "analytics_post_latest_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_latest" ADD CONSTRAINT "analytics_post_latest_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_latest" ADD CONSTRAINT "analytics_post_latest_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_snapshots" ADD CONSTRAINT "analytics_post_snapshots_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_snapshots" ADD CONSTRAINT "analytics_post_snapshots_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_snapshots" ADD CONSTRAINT "analytics_post_snapshots_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_snapshots" ADD CONSTRAINT "analytics_post_snapshots_target_id_post_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."post_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_schedule" ADD CONSTRAINT "analytics_schedule_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_schedule" ADD CONSTRAINT "analytics_schedule_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_schedule" ADD CONSTRAINT "analytics_schedule_target_id_post_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."post_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_unavailable" ADD CONSTRAINT "analytics_unavailable_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_unavailable" ADD CONSTRAINT "analytics_unavailable_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_unavailable" ADD CONSTRAINT "analytics_unavailable_target_id_post_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."post_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "analytics_account_days_range_idx" ON "analytics_account_days" USING btree ("organization_id","day");--> statement-breakpoint
CREATE INDEX "analytics_post_latest_range_idx" ON "analytics_post_latest" USING btree ("organization_id","published_at");--> statement-breakpoint
CREATE INDEX "analytics_post_latest_post_idx" ON "analytics_post_latest" USING btree ("post_id");--> statement-breakpoint
CREATE INDEX "analytics_post_snapshots_target_idx" ON "analytics_post_snapshots" USING btree ("target_id","fetched_at");--> statement-breakpoint
CREATE INDEX "analytics_schedule_due_idx" ON "analytics_schedule" USING btree ("next_due_at") WHERE "analytics_schedule"."next_due_at" is not null;--> statement-breakpoint
CREATE INDEX "analytics_schedule_connection_idx" ON "analytics_schedule" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "analytics_unavailable_organization_idx" ON "analytics_unavailable" USING btree ("organization_id");