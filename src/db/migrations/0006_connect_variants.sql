ALTER TABLE "connections" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "oauth_attempts" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "pending_grants" ADD COLUMN "variant" text;