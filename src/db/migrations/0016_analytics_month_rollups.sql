CREATE TABLE "analytics_platform_months" (
	"organization_id" uuid NOT NULL,
	"platform" text NOT NULL,
	"month" date NOT NULL,
	"days" jsonb NOT NULL,
	CONSTRAINT "analytics_platform_months_organization_id_platform_month_pk" PRIMARY KEY("organization_id","platform","month")
);
--> statement-breakpoint
CREATE TABLE "analytics_post_months" (
	"organization_id" uuid NOT NULL,
	"platform" text NOT NULL,
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
	"month" date NOT NULL,
	CONSTRAINT "analytics_post_months_organization_id_platform_month_pk" PRIMARY KEY("organization_id","platform","month")
);
--> statement-breakpoint
ALTER TABLE "analytics_platform_months" ADD CONSTRAINT "analytics_platform_months_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_post_months" ADD CONSTRAINT "analytics_post_months_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;