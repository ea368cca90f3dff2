import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { PlatformId } from "../../platforms/profiles.js";
import { createdAt, tenant, users } from "./identity.js";

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
