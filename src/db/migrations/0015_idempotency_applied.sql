ALTER TABLE "idempotency_records" ADD COLUMN "applied_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "idempotency_records" ADD COLUMN "applied_target_type" text;--> statement-breakpoint
ALTER TABLE "idempotency_records" ADD COLUMN "applied_target_id" text;