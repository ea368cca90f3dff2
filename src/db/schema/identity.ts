import { membershipRoles } from "../../auth/permissions.js";
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

export const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

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
export const tenant = () =>
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
    /** An API key that acted (its id and name as they were): the actor of every write it made. */
    actorApiKeyId: uuid("actor_api_key_id"),
    actorApiKeyName: text("actor_api_key_name"),
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
