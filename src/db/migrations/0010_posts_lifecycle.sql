ALTER TYPE "public"."post_status" ADD VALUE 'draft' BEFORE 'scheduled';--> statement-breakpoint
ALTER TYPE "public"."post_status" ADD VALUE 'awaiting_approval' BEFORE 'scheduled';--> statement-breakpoint
CREATE TABLE "posting_settings" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"require_approval" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "post_targets" ADD COLUMN "sent_content" jsonb;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "versions" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "review_comment" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "reviewed_by_user_id" uuid;--> statement-breakpoint
ALTER TABLE "posting_settings" ADD CONSTRAINT "posting_settings_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "posts_reviewed_by_user_id_users_id_fk" FOREIGN KEY ("reviewed_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;