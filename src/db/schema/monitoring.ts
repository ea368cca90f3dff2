import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { AlertRule } from "../../monitoring/alerts/rules.js";
import type { EventType } from "../../monitoring/event-types.js";
import type { StatusClass } from "../../platforms/call-record.js";
import type { PlatformFailure } from "../../platforms/failure.js";
import type { PlatformId } from "../../platforms/profiles.js";
import { createdAt, organizations, tenant, users } from "./identity.js";

/**
 * Every platform call, as Api.call reports it, written in batches for platform API health;
 * kept PLATFORM_CALLS_RETENTION_DAYS. Not every call has an organization (none before a
 * connection exists), and a connection id is kept as a label only: a call is history, not a
 * reference, so a batch never fails on a connection gone since.
 */
export const platformCalls = pgTable(
  "platform_calls",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    platform: text("platform").$type<PlatformId>().notNull(),
    organizationId: uuid("organization_id").references(() => organizations.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id"),
    operation: text("operation").notNull(),
    statusClass: text("status_class").$type<StatusClass>().notNull(),
    failureKind: text("failure_kind").$type<PlatformFailure["kind"]>(),
    durationMs: integer("duration_ms").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    /** The request's or job's correlation id: from a failed call to its log lines and its post. */
    correlationId: text("correlation_id"),
  },
  (table) => [
    index("platform_calls_platform_idx").on(table.platform, table.at),
    index("platform_calls_organization_idx").on(table.organizationId, table.platform, table.at),
    index("platform_calls_at_idx").on(table.at),
  ],
);

/**
 * Events waiting to be handed to their sinks (alerts, webhooks): an outbox written in the same
 * transaction as the change, taken by one dispatcher at a time (FOR UPDATE SKIP LOCKED) and marked
 * dispatched in the transaction that records what each sink made of it.
 */
export const monitoringEvents = pgTable(
  "monitoring_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    type: text("type").$type<EventType>().notNull(),
    /** What a subscriber is told: the audit entry's target and details, never a secret. */
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    dispatchedAt: timestamp("dispatched_at", { withTimezone: true }),
  },
  (table) => [
    index("monitoring_events_pending_idx")
      .on(table.id)
      .where(sql`dispatched_at is null`),
  ],
);

/**
 * Where an organization is told of its events: an HTTPS address, the event types it wants and the
 * signing secret (sealed, record `webhook:{id}`). Disabled by the product after too many failed
 * deliveries in a row, with the reason, until a person enables it again.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    events: text("events").array().$type<EventType[]>().notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    /** Deliveries that ended failed, every retry spent, since the last one that arrived. */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    disabledReason: text("disabled_reason"),
    createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("webhook_endpoints_organization_idx").on(table.organizationId)],
);

export const webhookDeliveryState = pgEnum("webhook_delivery_state", ["pending", "delivered", "failed"]);

/** What a webhook message says: the event, as the receiver reads it. */
export interface WebhookPayload {
  id: string;
  type: string;
  createdAt: string;
  organizationId: string;
  data: Record<string, unknown>;
}

/** One event for one endpoint: pending while attempts remain, then delivered or failed. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    /** The event's public id (`evt_…`), the payload's `id`: the same across every attempt. */
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").$type<WebhookPayload>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    state: webhookDeliveryState("state").notNull().default("pending"),
    /** The last attempt's answer: its status (none when no answer came), how long it took, what went wrong. */
    responseStatus: integer("response_status"),
    durationMs: integer("duration_ms"),
    error: text("error"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("webhook_deliveries_event_unique").on(table.endpointId, table.eventId),
    index("webhook_deliveries_endpoint_idx").on(table.endpointId, table.createdAt),
    index("webhook_deliveries_organization_idx").on(table.organizationId),
  ],
);

export const alertSeverity = pgEnum("alert_severity", ["info", "warning", "critical"]);

/**
 * One incident an organization is told of. A repeat of an open incident (same incident key) adds
 * an occurrence to it instead of a new alert, so a storm of failures is one alert and one e-mail;
 * once resolved, the next occurrence opens a new alert.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenant(),
    rule: text("rule").$type<AlertRule>().notNull(),
    severity: alertSeverity("severity").notNull(),
    title: text("title").notNull(),
    message: text("message").notNull(),
    /** What makes two occurrences the same incident: the rule and its subject (`post_failed:{connectionId}`). */
    incidentKey: text("incident_key").notNull(),
    subjectType: text("subject_type"),
    subjectId: text("subject_id"),
    occurrences: integer("occurrences").notNull().default(1),
    firstAt: timestamp("first_at", { withTimezone: true }).notNull(),
    lastAt: timestamp("last_at", { withTimezone: true }).notNull(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    resolvedByUserId: uuid("resolved_by_user_id").references(() => users.id, { onDelete: "set null" }),
    /** The database's time of the last change: what the live stream polls (clock_timestamp, not the app's clock). */
    changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("alerts_organization_idx").on(table.organizationId, table.lastAt),
    uniqueIndex("alerts_open_incident_unique")
      .on(table.organizationId, table.incidentKey)
      .where(sql`resolved_at is null`),
    index("alerts_changed_idx").on(table.changedAt),
  ],
);

/** A member's copy of an alert: whether they have read it, and when it was e-mailed to them. */
export const alertReceipts = pgTable(
  "alert_receipts",
  {
    alertId: uuid("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    organizationId: tenant(),
    inApp: boolean("in_app").notNull(),
    readAt: timestamp("read_at", { withTimezone: true }),
    emailedAt: timestamp("emailed_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.alertId, table.userId] }),
    index("alert_receipts_unread_idx").on(table.organizationId, table.userId, table.readAt),
  ],
);

/** Which channels reach a member for each rule; a rule without a row takes the role's defaults. */
export const alertPreferences = pgTable(
  "alert_preferences",
  {
    organizationId: tenant(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    rule: text("rule").$type<AlertRule>().notNull(),
    inApp: boolean("in_app").notNull(),
    email: boolean("email").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.organizationId, table.userId, table.rule] }),
    index("alert_preferences_user_idx").on(table.userId),
  ],
);
