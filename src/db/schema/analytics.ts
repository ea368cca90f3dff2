import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { unavailableReasons, type MetricName } from "../../platforms/analytics.js";
import type { PlatformId } from "../../platforms/profiles.js";
import { connections } from "./connections.js";
import { tenant } from "./identity.js";
import { posts, postTargets } from "./posts.js";

/**
 * Measuring: what the platforms answered, kept as history. A value is only ever what a platform
 * said; a metric it did not answer has no row (or a row in analytics_unavailable saying why),
 * never a 0.
 */

const at = (name: string) => timestamp(name, { withTimezone: true });

/** A column per normalized post metric, and `interactions`: engagement.ts's sum of the parts, kept with them. */
const postMetricColumns = () => ({
  views: doublePrecision("views"),
  reach: doublePrecision("reach"),
  engagements: doublePrecision("engagements"),
  reactions: doublePrecision("reactions"),
  comments: doublePrecision("comments"),
  shares: doublePrecision("shares"),
  saves: doublePrecision("saves"),
  clicks: doublePrecision("clicks"),
  profileVisits: doublePrecision("profile_visits"),
  videoViews: doublePrecision("video_views"),
  watchTimeMinutes: doublePrecision("watch_time_minutes"),
  interactions: doublePrecision("interactions"),
});

/** Every lifetime reading of a published post, as read: growth is the difference between two. */
export const analyticsPostSnapshots = pgTable(
  "analytics_post_snapshots",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    organizationId: tenant(),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    postId: uuid("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    targetId: uuid("target_id")
      .notNull()
      .references(() => postTargets.id, { onDelete: "cascade" }),
    remoteId: text("remote_id").notNull(),
    metric: text("metric").$type<MetricName>().notNull(),
    /** The platform's own name for it (post_media_view, public_metrics.like_count). */
    source: text("source").notNull(),
    value: doublePrecision("value").notNull(),
    fetchedAt: at("fetched_at").notNull(),
  },
  (table) => [index("analytics_post_snapshots_target_idx").on(table.targetId, table.fetchedAt)],
);

/**
 * Each published target's latest reading per metric, one row per target with a column per
 * normalized metric, so a report over a year of posts reads one row per post and never the
 * snapshots. `interactions` is engagement.ts's sum of the parts, kept with the parts it sums.
 */
export const analyticsPostLatest = pgTable(
  "analytics_post_latest",
  {
    targetId: uuid("target_id")
      .primaryKey()
      .references(() => postTargets.id, { onDelete: "cascade" }),
    organizationId: tenant(),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    postId: uuid("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    platform: text("platform").$type<PlatformId>().notNull(),
    remoteId: text("remote_id").notNull(),
    publishedAt: at("published_at").notNull(),
    ...postMetricColumns(),
    /** The platform's name of each metric's latest value. */
    sources: jsonb("sources").$type<Partial<Record<MetricName, string>>>().notNull().default({}),
    fetchedAt: at("fetched_at").notNull(),
  },
  (table) => [
    index("analytics_post_latest_range_idx").on(table.organizationId, table.publishedAt),
    index("analytics_post_latest_post_idx").on(table.postId),
  ],
);

/**
 * Account metrics per day, attributed to the day they cover (not the day a platform stamps). Re-read
 * days replace what was kept: some platforms' figures settle over 48 hours.
 */
export const analyticsAccountDays = pgTable(
  "analytics_account_days",
  {
    organizationId: tenant(),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    platform: text("platform").$type<PlatformId>().notNull(),
    day: date("day", { mode: "string" }).notNull(),
    metric: text("metric").$type<MetricName>().notNull(),
    source: text("source").notNull(),
    value: doublePrecision("value").notNull(),
    fetchedAt: at("fetched_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.connectionId, table.day, table.metric] }),
    index("analytics_account_days_range_idx").on(table.organizationId, table.day),
  ],
);

export const unavailableReason = pgEnum("analytics_unavailable_reason", unavailableReasons);

/**
 * A metric the platform did not answer, for an account (no target) or one post, with why in the
 * platform's words; cleared when a value arrives.
 */
export const analyticsUnavailable = pgTable(
  "analytics_unavailable",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    organizationId: tenant(),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    targetId: uuid("target_id").references(() => postTargets.id, { onDelete: "cascade" }),
    metric: text("metric").$type<MetricName>().notNull(),
    reason: unavailableReason("reason").notNull(),
    message: text("message").notNull(),
    source: text("source"),
    reconnectFor: text("reconnect_for"),
    notedAt: at("noted_at").notNull(),
  },
  (table) => [
    unique("analytics_unavailable_subject").on(table.connectionId, table.targetId, table.metric).nullsNotDistinct(),
    index("analytics_unavailable_organization_idx").on(table.organizationId),
  ],
);

export const collectionKind = pgEnum("analytics_collection_kind", ["account", "post"]);

/**
 * When each connection's account metrics and each published target's metrics are next read.
 * `subjectId` is the connection's id for the account, the target's for a post. Done (a post past
 * the last cadence) is a null next_due_at.
 */
export const analyticsSchedule = pgTable(
  "analytics_schedule",
  {
    subjectId: uuid("subject_id").primaryKey(),
    kind: collectionKind("kind").notNull(),
    organizationId: tenant(),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    targetId: uuid("target_id").references(() => postTargets.id, { onDelete: "cascade" }),
    nextDueAt: at("next_due_at"),
    lastCollectedAt: at("last_collected_at"),
    /** When the account's history the platform still had was read (the first collection). */
    backfilledAt: at("backfilled_at"),
    /** The last read's failure in the platform's words, kept apart from the connection's health. */
    lastError: text("last_error"),
    lastErrorAt: at("last_error_at"),
  },
  (table) => [
    index("analytics_schedule_due_idx")
      .on(table.nextDueAt)
      .where(sql`${table.nextDueAt} is not null`),
    index("analytics_schedule_connection_idx").on(table.connectionId),
  ],
);

/**
 * Reads charged against a platform's declared budgets, counted across processes: per platform,
 * per scope (a connection's id, or "app"), per fixed window.
 */
export const analyticsBudgetSpend = pgTable(
  "analytics_budget_spend",
  {
    platform: text("platform").$type<PlatformId>().notNull(),
    scopeKey: text("scope_key").notNull(),
    /** A platform may declare an hourly and a daily budget on one scope: each window length counts apart. */
    windowMs: bigint("window_ms", { mode: "number" }).notNull(),
    windowStart: at("window_start").notNull(),
    calls: integer("calls").notNull(),
  },
  (table) => [primaryKey({ columns: [table.platform, table.scopeKey, table.windowMs, table.windowStart] })],
);

/**
 * A rollup's sums over the latest values of the posts it covers. The rate's sums cover the posts
 * that have both interactions and a positive basis.
 */
const postSums = () => ({
  organizationId: tenant(),
  platform: text("platform").$type<PlatformId>().notNull(),
  posts: integer("posts").notNull(),
  ...postMetricColumns(),
  rateInteractions: doublePrecision("rate_interactions"),
  rateViews: doublePrecision("rate_views"),
  ratePosts: integer("rate_posts").notNull(),
  reachInteractions: doublePrecision("reach_interactions"),
  reachBasis: doublePrecision("reach_basis"),
  reachPosts: integer("reach_posts").notNull(),
  /** The best posts covered, [target id, interactions] by interactions: a range's best are among its parts'. */
  top: jsonb("top").$type<[string, number][]>().notNull().default([]),
});

/**
 * Each day's published posts per organization and platform, summed from their latest values
 * (recomputed from analytics_post_latest whenever one of that day's posts is read, never added
 * to), so a report reads a row per day instead of a row per post.
 */
export const analyticsPostDays = pgTable(
  "analytics_post_days",
  { ...postSums(), day: date("day", { mode: "string" }).notNull() },
  (table) => [primaryKey({ columns: [table.organizationId, table.platform, table.day] })],
);

/**
 * The same sums per calendar month (`month` is its first day), recomputed from the month's day
 * rows whenever one of them is: a year's report reads about 12 rows per platform, and days only
 * for the months the range covers in part.
 */
export const analyticsPostMonths = pgTable(
  "analytics_post_months",
  { ...postSums(), month: date("month", { mode: "string" }).notNull() },
  (table) => [primaryKey({ columns: [table.organizationId, table.platform, table.month] })],
);

/**
 * Account metrics per organization, platform and day, summed over its accounts, all of a day's
 * metrics in one row: the report's series reads a row per day.
 */
export const analyticsPlatformDays = pgTable(
  "analytics_platform_days",
  {
    organizationId: tenant(),
    platform: text("platform").$type<PlatformId>().notNull(),
    day: date("day", { mode: "string" }).notNull(),
    values: jsonb("values").$type<Partial<Record<MetricName, number>>>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.organizationId, table.platform, table.day] })],
);

/**
 * The platform days of each calendar month packed in one row (`days`: each day's values by its
 * date), so a year's daily series reads about 13 rows per platform instead of 365.
 */
export const analyticsPlatformMonths = pgTable(
  "analytics_platform_months",
  {
    organizationId: tenant(),
    platform: text("platform").$type<PlatformId>().notNull(),
    month: date("month", { mode: "string" }).notNull(),
    days: jsonb("days").$type<Record<string, Partial<Record<MetricName, number>>>>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.organizationId, table.platform, table.month] })],
);
