CREATE TABLE "platform_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"organization_id" uuid,
	"connection_id" uuid,
	"operation" text NOT NULL,
	"status_class" text NOT NULL,
	"failure_kind" text,
	"duration_ms" integer NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connection_errors" ADD COLUMN "first_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "connection_errors" ADD COLUMN "occurrences" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "connection_errors" ADD COLUMN "resolved_by_user_id" uuid;--> statement-breakpoint
ALTER TABLE "platform_calls" ADD CONSTRAINT "platform_calls_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "platform_calls_platform_idx" ON "platform_calls" USING btree ("platform","at");--> statement-breakpoint
CREATE INDEX "platform_calls_organization_idx" ON "platform_calls" USING btree ("organization_id","platform","at");--> statement-breakpoint
CREATE INDEX "platform_calls_at_idx" ON "platform_calls" USING btree ("at");--> statement-breakpoint
ALTER TABLE "connection_errors" ADD CONSTRAINT "connection_errors_resolved_by_user_id_users_id_fk" FOREIGN KEY ("resolved_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
UPDATE "connection_errors" SET "first_at" = "at";--> statement-breakpoint
-- Open errors recorded per retry become one incident per connection and type: the latest row
-- stays, carrying how many there were and when the first was.
WITH "incidents" AS (
	SELECT "connection_id", "error_type", max("id") AS "kept", count(*) AS "occurrences", min("at") AS "first_at"
	FROM "connection_errors" WHERE NOT "resolved" AND "connection_id" IS NOT NULL
	GROUP BY "connection_id", "error_type"
)
UPDATE "connection_errors" SET "occurrences" = "incidents"."occurrences", "first_at" = "incidents"."first_at"
FROM "incidents" WHERE "connection_errors"."id" = "incidents"."kept";--> statement-breakpoint
DELETE FROM "connection_errors" WHERE NOT "resolved" AND "connection_id" IS NOT NULL AND "id" NOT IN (
	SELECT max("id") FROM "connection_errors" WHERE NOT "resolved" AND "connection_id" IS NOT NULL
	GROUP BY "connection_id", "error_type"
);--> statement-breakpoint
CREATE UNIQUE INDEX "connection_errors_open_unique" ON "connection_errors" USING btree ("connection_id","error_type") WHERE not resolved;