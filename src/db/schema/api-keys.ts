import {
  bigserial,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, membershipRole, tenant, users } from "./identity.js";

/**
 * An organization's API keys: what scripts and automation tools present instead of a session.
 * The secret is shown once and kept only as its SHA-256, so a database dump yields no live key.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: tenant(),
    name: text("name").notNull(),
    /** The permissions it carries, from the role table: ADMIN or USER, never above its creator's. */
    role: membershipRole("role").notNull(),
    /** The first characters of the key as shown (`msk_` and a few more), so a person can tell keys apart. */
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    /** Whose rights the key was made from; the key acts for the organization, in their name where a user is needed. */
    createdByUserId: uuid("created_by_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedByUserId: uuid("revoked_by_user_id").references(() => users.id, { onDelete: "set null" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    lastUsedIp: text("last_used_ip"),
  },
  (table) => [
    uniqueIndex("api_keys_secret_hash_unique").on(table.secretHash),
    index("api_keys_organization_idx").on(table.organizationId, table.createdAt),
  ],
);

/**
 * A key's requests counted per fixed window (its start), shared by every API process: one row per
 * key and window, incremented in one statement.
 */
export const apiKeyRequestWindows = pgTable(
  "api_key_request_windows",
  {
    apiKeyId: uuid("api_key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    requests: integer("requests").notNull(),
  },
  (table) => [primaryKey({ columns: [table.apiKeyId, table.windowStart] })],
);

/**
 * What a creating request with an `Idempotency-Key` answered, so a retry gets the same answer and
 * creates nothing. `principal` is whoever sent it (`api_key:{id}` or `user:{id}`): one caller's
 * keys never meet another's. A row without a status is a request still in progress, or one whose
 * process stopped.
 */
export const idempotencyRecords = pgTable(
  "idempotency_records",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    organizationId: tenant(),
    principal: text("principal").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** SHA-256 of the method, the route and the canonical JSON of the validated body. */
    fingerprint: text("fingerprint").notNull(),
    statusCode: integer("status_code"),
    contentType: text("content_type"),
    responseBody: text("response_body"),
    /**
     * Set in the transaction of the change the request made (its first audited write): the change
     * committed exactly when this is set, whether or not its answer was kept.
     */
    appliedAt: timestamp("applied_at", { withTimezone: true }),
    /** What the change wrote (its audit entry's target), named to a retry whose answer was lost. */
    appliedTargetType: text("applied_target_type"),
    appliedTargetId: text("applied_target_id"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (table) => [
    uniqueIndex("idempotency_records_key_unique").on(table.organizationId, table.principal, table.idempotencyKey),
    index("idempotency_records_expires_idx").on(table.expiresAt),
  ],
);
