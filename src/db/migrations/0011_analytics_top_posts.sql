DROP INDEX "analytics_post_latest_top_idx";--> statement-breakpoint
ALTER TABLE "analytics_post_days" ADD COLUMN "top" jsonb DEFAULT '[]'::jsonb NOT NULL;