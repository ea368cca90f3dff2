import {
  metricNames,
  type MetricName,
  type MetricUnavailable,
  type PlatformAnalytics,
} from "../platforms/analytics.js";
import { platforms } from "../platforms/index.js";
import type { PlatformId } from "../platforms/profiles.js";
import type { analyticsPostLatest } from "../db/schema.js";

/** Metrics read per day of an account; every other one is read per post. */
export const accountOnlyMetrics: readonly MetricName[] = ["followers", "follower_growth"];
export const postMetricNames = metricNames.filter((metric) => !accountOnlyMetrics.includes(metric));
export type PostMetricName = Exclude<MetricName, "followers" | "follower_growth">;

/** The column of analytics_post_latest that keeps each post metric. */
export const latestColumn = {
  views: "views",
  reach: "reach",
  engagements: "engagements",
  reactions: "reactions",
  comments: "comments",
  shares: "shares",
  saves: "saves",
  clicks: "clicks",
  profile_visits: "profileVisits",
  video_views: "videoViews",
  watch_time_minutes: "watchTimeMinutes",
} as const satisfies Record<PostMetricName, keyof typeof analyticsPostLatest.$inferSelect>;

export const isPostMetric = (metric: MetricName): metric is PostMetricName => metric in latestColumn;

export const analyticsOf = (connection: { platform: PlatformId }): PlatformAnalytics | undefined =>
  platforms[connection.platform].analytics;

/** The platform's name as its profile spells it. */
export const platformName = (platform: PlatformId) => platforms[platform].name;

/** What a platform measures, posts and account; nothing where it declares no analytics. */
export function provided(platform: PlatformId): { post: readonly MetricName[]; account: readonly MetricName[] } {
  return platforms[platform].analytics?.provides ?? { post: [], account: [] };
}

/** The requested metrics a platform has no such thing as (for its posts, its account, or either), each said in its name. */
export function notProvided(
  platform: PlatformId,
  metrics: readonly MetricName[],
  level?: "post" | "account",
): MetricUnavailable[] {
  const { post, account } = provided(platform);
  const offered = level === "post" ? post : level === "account" ? account : [...post, ...account];
  return metrics
    .filter((metric) => !offered.includes(metric))
    .map((metric) => ({ metric, reason: "not_provided", message: `not provided by ${platformName(platform)}` }));
}
