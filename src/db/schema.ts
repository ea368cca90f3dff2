import { membershipRoles } from "../auth/permissions.js";
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
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { AlertRule } from "../monitoring/alerts/rules.js";
import type { EventType } from "../monitoring/event-types.js";
import type { StatusClass } from "../platforms/call-record.js";
import type { PlatformFailure } from "../platforms/failure.js";
import type { PlatformId, PostOptions } from "../platforms/profiles.js";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** Roles held inside one organization; SUPER_ADMIN is installation-wide and lives on the user. */
export const membershipRole = pgEnum("membership_role", membershipRoles);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    isSuperAdmin: boolean("is_super_admin").notNull().default(false),
    createdAt: createdAt(),
    lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
  },
  (table) => [uniqueIndex("users_email_unique").on(sql`lower(${table.email})`)],
);

export const organizations = pgTable("organizations", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

/** Every tenant table's owner: an organization, whose deletion takes the rows with it. */
const tenant = () =>
  uuid("organization_id")
    .notNull()
    .references(() => organizations.id, { onDelete: "cascade" });

export const memberships = pgTable(
  "memberships",
  {
    organizationId: tenant(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: membershipRole("role").notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.organizationId, table.userId] }),
    index("memberships_user_idx").on(table.userId),
  ],
);

export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenant(),
    email: text("email").notNull(),
    role: membershipRole("role").notNull(),
    /** sha256 of the link's secret, for lookup when the link is opened. */
    tokenHash: text("token_hash").notNull().unique(),
    /** The secret itself, sealed by the vault, so an admin can copy the link again. */
    tokenCiphertext: text("token_ciphertext").notNull(),
    invitedByUserId: uuid("invited_by_user_id").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedByUserId: uuid("accepted_by_user_id").references(() => users.id, { onDelete: "set null" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index("invitations_organization_idx").on(table.organizationId)],
);

export const sessions = pgTable(
  "sessions",
  {
    /** sha256 of the cookie's secret: a database dump does not yield live sessions. */
    idHash: text("id_hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    activeOrganizationId: uuid("active_organization_id").references(() => organizations.id, {
      onDelete: "set null",
    }),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (table) => [index("sessions_user_idx").on(table.userId), index("sessions_expires_idx").on(table.expiresAt)],
);

/** One data key per organization, wrapped (AES-256-GCM) by a versioned master key. */
export const organizationKeys = pgTable("organization_keys", {
  organizationId: uuid("organization_id")
    .primaryKey()
    .references(() => organizations.id, { onDelete: "cascade" }),
  wrappedKey: text("wrapped_key").notNull(),
  masterKeyVersion: integer("master_key_version").notNull(),
  createdAt: createdAt(),
  rotatedAt: timestamp("rotated_at", { withTimezone: true }),
});

export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    organizationId: uuid("organization_id").references(() => organizations.id, { onDelete: "cascade" }),
    actorUserId: uuid("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    /** Kept as written, so the entry still says who after the user is deleted. */
    actorEmail: text("actor_email"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    /** The request's or job's correlation id: from an entry to the log lines behind it. */
    correlationId: text("correlation_id"),
    createdAt: createdAt(),
  },
  (table) => [
    index("audit_events_organization_idx").on(table.organizationId, table.createdAt),
    index("audit_events_action_idx").on(table.action, table.createdAt),
  ],
);

/** Each worker process writes here on an interval; /api/health reads it. */
export const workerHeartbeats = pgTable("worker_heartbeats", {
  workerId: text("worker_id").primaryKey(),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  seenAt: timestamp("seen_at", { withTimezone: true }).notNull(),
  /** The session advisory lock the worker holds while its process lives: PostgreSQL drops it the moment the process dies. */
  presenceKey: integer("presence_key"),
});

export const connectionStatus = pgEnum("connection_status", [
  "healthy",
  "expired",
  "invalid",
  "rate_limited",
  "disconnected",
]);

/**
 * One account an organization posts to. Tokens are sealed by the vault, bound to this row's id;
 * a disconnect clears them but keeps the row, so a reconnect keeps the connection's history.
 */
export const connections = pgTable(
  "connections",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    platform: text("platform").$type<PlatformId>().notNull(),
    externalId: text("external_id").notNull(),
    accountKind: text("account_kind").notNull(),
    name: text("name").notNull(),
    username: text("username"),
    avatarUrl: text("avatar_url"),
    isSandbox: boolean("is_sandbox").notNull().default(false),
    /** The connect variant (its app at the platform) the grant came through; null on platforms without variants. */
    variant: text("variant"),
    status: connectionStatus("status").notNull().default("healthy"),
    accessTokenCiphertext: text("access_token_ciphertext"),
    refreshTokenCiphertext: text("refresh_token_ciphertext"),
    tokenExpiresAt: timestamp("token_expires_at", { withTimezone: true }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", { withTimezone: true }),
    scopes: text("scopes").array().notNull().default([]),
    details: jsonb("details").$type<Record<string, string>>().notNull().default({}),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true }),
    lastCheckedAt: timestamp("last_checked_at", { withTimezone: true }),
    lastRefreshedAt: timestamp("last_refreshed_at", { withTimezone: true }),
    errorCount: integer("error_count").notNull().default(0),
    lastError: text("last_error"),
    lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
    rateLimitedUntil: timestamp("rate_limited_until", { withTimezone: true }),
    connectedByUserId: uuid("connected_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    disconnectedAt: timestamp("disconnected_at", { withTimezone: true }),
  },
  (table) => [
    index("connections_organization_idx").on(table.organizationId),
    uniqueIndex("connections_account_unique").on(table.organizationId, table.platform, table.externalId),
    index("connections_expiry_idx").on(table.status, table.tokenExpiresAt),
  ],
);

export const connectionErrorType = pgEnum("connection_error_type", ["oauth", "api", "rate_limit", "token"]);

/**
 * Platform errors as incidents, per organization and platform: a repeat of an open incident
 * (same connection and type) counts one more occurrence and moves `at` instead of adding a row.
 * Resolved by the connection's next success (`resolved_by_user_id` null) or by a person.
 */
export const connectionErrors = pgTable(
  "connection_errors",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    organizationId: tenant(),
    connectionId: uuid("connection_id").references(() => connections.id, { onDelete: "cascade" }),
    platform: text("platform").$type<PlatformId>().notNull(),
    errorType: connectionErrorType("error_type").notNull(),
    /** The latest occurrence's words. */
    message: text("message").notNull(),
    /** The latest occurrence. */
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    firstAt: timestamp("first_at", { withTimezone: true }).notNull().defaultNow(),
    occurrences: integer("occurrences").notNull().default(1),
    resolved: boolean("resolved").notNull().default(false),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    resolvedByUserId: uuid("resolved_by_user_id").references(() => users.id, { onDelete: "set null" }),
    /** The latest occurrence's correlation id: its log lines and platform calls carry it. */
    correlationId: text("correlation_id"),
  },
  (table) => [
    index("connection_errors_organization_idx").on(table.organizationId, table.platform, table.at),
    // One open incident per connection and type: a repeat updates it (insert … on conflict).
    uniqueIndex("connection_errors_open_unique")
      .on(table.connectionId, table.errorType)
      .where(sql`not resolved`),
  ],
);

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

/** An OAuth dance under way: its state (hashed), bound to the session and organization that began it. */
export const oauthAttempts = pgTable(
  "oauth_attempts",
  {
    stateHash: text("state_hash").primaryKey(),
    organizationId: tenant(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionIdHash: text("session_id_hash").notNull(),
    platform: text("platform").$type<PlatformId>().notNull(),
    isSandbox: boolean("is_sandbox").notNull(),
    /** The connect variant (its app at the platform) the grant came through; null on platforms without variants. */
    variant: text("variant"),
    codeVerifierCiphertext: text("code_verifier_ciphertext"),
    redirectUri: text("redirect_uri").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index("oauth_attempts_organization_idx").on(table.organizationId)],
);

/** A grant that can post as several accounts, waiting for the person to choose; tokens sealed. */
export const pendingGrants = pgTable(
  "pending_grants",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    platform: text("platform").$type<PlatformId>().notNull(),
    isSandbox: boolean("is_sandbox").notNull(),
    /** The connect variant (its app at the platform) the grant came through; null on platforms without variants. */
    variant: text("variant"),
    grantCiphertext: text("grant_ciphertext").notNull(),
    accounts: jsonb("accounts")
      .$type<{ externalId: string; kind: string; name: string; username?: string; avatarUrl?: string }[]>()
      .notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("pending_grants_organization_idx").on(table.organizationId)],
);

/** A file uploaded for posts; served to platforms that fetch media at an unguessable URL. */
export const media = pgTable(
  "media",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    uploadedByUserId: uuid("uploaded_by_user_id").references(() => users.id, { onDelete: "set null" }),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    /** Read from the file's header when the format allows; null when unknown. */
    width: integer("width"),
    height: integer("height"),
    durationSeconds: real("duration_seconds"),
    /** The secret part of the public URL; platforms fetch /media/{token}/{fileName}. */
    publicToken: text("public_token").notNull().unique(),
    createdAt: createdAt(),
  },
  (table) => [index("media_organization_idx").on(table.organizationId)],
);

export const postStatus = pgEnum("post_status", [
  "scheduled",
  "publishing",
  "published",
  "partially_published",
  "failed",
  "cancelled",
]);

/** What a member wrote once, for several accounts; each account's delivery is a post target. */
export const posts = pgTable(
  "posts",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    authorUserId: uuid("author_user_id").references(() => users.id, { onDelete: "set null" }),
    content: text("content").notNull(),
    link: text("link"),
    mediaIds: uuid("media_ids").array().notNull().default([]),
    /** Per-platform choices, keyed by platform id, each read by its platform's profile. */
    options: jsonb("options").$type<PostOptions>().notNull().default({}),
    /** When to publish, in UTC; null means now. */
    scheduledAt: timestamp("scheduled_at", { withTimezone: true }),
    status: postStatus("status").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
  },
  (table) => [index("posts_organization_idx").on(table.organizationId, table.scheduledAt)],
);

export const targetState = pgEnum("target_state", [
  "queued",
  "publishing",
  "published",
  "failed",
  "unknown",
  "cancelled",
]);

export interface TargetProgress {
  partIds?: string[];
  processing?: {
    /** The platform's own state (publish's StillProcessing answer). */
    state: Record<string, unknown>;
    /** Epoch milliseconds after which the platform is no longer waited for. */
    deadline: number;
    checks: number;
    checkAt: number;
    waitingFor: string;
  };
}

/**
 * One post to one account: queued → publishing → published, failed or unknown. A worker marks
 * it publishing before calling the platform; one that finds it publishing reconciles first.
 */
export const postTargets = pgTable(
  "post_targets",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    postId: uuid("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    platform: text("platform").$type<PlatformId>().notNull(),
    state: targetState("state").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    publishingStartedAt: timestamp("publishing_started_at", { withTimezone: true }),
    /** The worker and job holding the target while it is publishing: a dead worker's targets are reconciled at once. */
    claimedByWorker: text("claimed_by_worker"),
    claimedJobId: text("claimed_job_id"),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    remotePostId: text("remote_post_id"),
    remoteUrl: text("remote_url"),
    /**
     * Parts already on the platform (X thread replies), so a retry continues instead of repeating
     * them; and what the platform is still processing (containers, a video), so a check, a
     * takeover or a retry continues from it instead of creating or uploading it again.
     */
    progress: jsonb("progress").$type<TargetProgress>().notNull().default({}),
    error: text("error"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("post_targets_unique").on(table.postId, table.connectionId),
    // Two targets can never be the same remote post: reconciliation that would claim one twice fails here.
    uniqueIndex("post_targets_remote_post_unique")
      .on(table.connectionId, table.remotePostId)
      .where(sql`${table.remotePostId} is not null`),
    index("post_targets_due_idx").on(table.state, table.dueAt),
    index("post_targets_organization_idx").on(table.organizationId),
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
