CREATE TYPE "public"."conversion_attribution" AS ENUM('click_id', 'utm');--> statement-breakpoint
CREATE TYPE "public"."conversion_source" AS ENUM('api', 'site');--> statement-breakpoint
CREATE TABLE "conversion_settings" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"site_key" text,
	"site_key_created_at" timestamp with time zone,
	"attribution_window_days" integer DEFAULT 7 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"event_name" text NOT NULL,
	"value" numeric(20, 4),
	"currency" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" "conversion_source" NOT NULL,
	"presented_click_id" text,
	"utm_source" text,
	"utm_medium" text,
	"utm_campaign" text,
	"utm_content" text,
	"attributed_by" "conversion_attribution",
	"unattributed_reason" text,
	"click_id" bigint,
	"link_id" uuid,
	"post_id" uuid,
	"target_id" uuid,
	"connection_id" uuid,
	"platform" text,
	"campaign_id" uuid
);
--> statement-breakpoint
ALTER TABLE "conversion_settings" ADD CONSTRAINT "conversion_settings_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_click_id_link_clicks_id_fk" FOREIGN KEY ("click_id") REFERENCES "public"."link_clicks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_link_id_tracked_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."tracked_links"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_target_id_post_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."post_targets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversion_settings_site_key_unique" ON "conversion_settings" USING btree ("site_key");--> statement-breakpoint
CREATE UNIQUE INDEX "conversions_event_unique" ON "conversions" USING btree ("organization_id","event_id");--> statement-breakpoint
CREATE INDEX "conversions_occurred_idx" ON "conversions" USING btree ("organization_id","occurred_at");--> statement-breakpoint
CREATE INDEX "conversions_campaign_idx" ON "conversions" USING btree ("campaign_id");