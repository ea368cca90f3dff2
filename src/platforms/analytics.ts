import type { Api } from "./http.js";
import type { PlatformContext, StoredAccount } from "./platform.js";

/**
 * The normalized metrics every platform's own metrics map to (one catalogue: the platform's own
 * name travels with each value as its source). Counts unless named otherwise.
 */
export const metricNames = [
  /** Impressions or views: not unique; the platform's "views" where impressions were retired. */
  "views",
  /** Unique accounts reached. */
  "reach",
  /** The platform's own composite (Instagram total_interactions, X engagements): stored, never used for the rate. */
  "engagements",
  "reactions",
  "comments",
  /** Shares, reposts (X: reposts + quotes), reshares. */
  "shares",
  /** Saves and bookmarks. */
  "saves",
  /** Link clicks as the platform reports them. */
  "clicks",
  "profile_visits",
  "video_views",
  "watch_time_minutes",
  /** Account level: followers, subscribers or members as of the day. */
  "followers",
  /** Account level: followers gained less lost over the day. */
  "follower_growth",
] as const;
export type MetricName = (typeof metricNames)[number];

/**
 * Why a metric has no value. Distinct from zero everywhere:
 * - not_provided: the platform has no such metric for this kind of account or post;
 * - retired: the platform withdrew the metric (Graph #100) — the others are still read;
 * - permission: the grant lacks the scope (`reconnectFor` names it); publishing is unaffected;
 * - not_ready: the platform answered no data yet (Meta's empty set, YouTube's missing rows);
 * - out_of_window: the post or day is past what the platform still answers (the last value kept stands);
 * - refused: the platform refused the read for another reason, in its own words.
 */
export const unavailableReasons = [
  "not_provided",
  "retired",
  "permission",
  "not_ready",
  "out_of_window",
  "refused",
] as const;
export type UnavailableReason = (typeof unavailableReasons)[number];

export interface MetricReading {
  metric: MetricName;
  value: number;
  /** The platform's own metric name (`post_media_view`, `public_metrics.like_count`). */
  source: string;
}

export interface MetricUnavailable {
  metric: MetricName;
  reason: UnavailableReason;
  /** The platform's own words, or for not_provided a sentence naming the platform. */
  message: string;
  source?: string;
  /** The permission a reconnect would ask for, where a missing one is the cause. */
  reconnectFor?: string;
}

/** A published post to read lifetime metrics for: the id and details its publish result kept. */
export interface PostToMeasure {
  remoteId: string;
  publishedAt: Date;
}

export interface PostMetrics {
  remoteId: string;
  readings: MetricReading[];
  unavailable: MetricUnavailable[];
}

/** One calendar day (UTC, YYYY-MM-DD) of account metrics, attributed to the day the values cover. */
export interface AccountDay {
  day: string;
  readings: MetricReading[];
}

export interface AccountMetrics {
  days: AccountDay[];
  /** Counters as of the read (followers now), which the collector keeps as the read day's value. */
  current: MetricReading[];
  unavailable: MetricUnavailable[];
}

/**
 * A platform's allowance for reads, which the collector stays inside: `calls` requests per
 * `perMs`, counted per connected account or across the whole app (every organization shares
 * one client id). Costs are in the same units (YouTube's quota units, X's billed reads).
 */
export interface ReadBudget {
  scope: "account" | "app";
  calls: number;
  perMs: number;
  /** A daily window that resets at midnight in this IANA time zone (YouTube's quota: Pacific) rather than rolling. */
  resetsAtMidnightIn?: string;
  /** Where the figure comes from (a documentation link), or why it is an estimate. */
  source: string;
  /**
   * What one readPosts and one readAccount call cost against this budget, where it differs from
   * the platform's `cost`: X bills posts returned, not requests, and a read that never touches
   * an endpoint's window costs it 0.
   */
  cost?: { posts: number; account: number };
  /**
   * The budget counts posts, not calls: a read of posts costs the posts it asks for that were not
   * read yet that UTC day, and an account read nothing (X's pay-per-use bills each post returned
   * once per UTC day, however often it is read).
   */
  countsPostsOncePerUtcDay?: boolean;
}

/** What a platform offers for measuring, in its module; absent where it offers nothing. */
export interface PlatformAnalytics {
  /** The normalized metrics its posts and its account can have; any other is "not provided". */
  provides: { post: readonly MetricName[]; account: readonly MetricName[] };
  /** Posts one readPosts call takes at most (X 100, YouTube 50, TikTok 20). */
  postsPerRead: number;
  /** What one readPosts and one readAccount call cost against the budgets. */
  cost: { posts: number; account: number };
  budgets: readonly ReadBudget[];
  /** How far back the platform still answers account history, for the backfill on connect. */
  historyDays: number;
  /**
   * The most days one readAccount call may span (Facebook's insights 90, Instagram's 30): the
   * collector slices longer ranges. The whole history in one call when absent.
   */
  accountRangeDays?: number;
  /** How long after publishing the platform answers a post's metrics (X's non-public ones: 30 days). */
  postWindowDays?: number;
  /** Lifetime metrics of published posts; absent where the platform gives none (Telegram). */
  readPosts?(
    api: Api,
    account: StoredAccount,
    posts: readonly PostToMeasure[],
    context: PlatformContext,
  ): Promise<PostMetrics[]>;
  /** Daily account metrics for the days since..until (inclusive), and the counters now. */
  readAccount(
    api: Api,
    account: StoredAccount,
    range: { since: string; until: string },
    context: PlatformContext,
  ): Promise<AccountMetrics>;
}
