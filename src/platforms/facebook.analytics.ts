import { z } from "zod";
import type { MetricName, MetricReading, MetricUnavailable, PlatformAnalytics } from "./analytics.js";
import type { Api } from "./http.js";
import { countOf, dayCovered, dayStartSeconds, nextDay, notReady, readInsights, unavailableOf } from "./meta-graph.js";
import { PlatformError } from "./failure.js";

/**
 * Page insights that still exist after the 2025 retirements (page_impressions* became
 * page_media_view, page_fans page_follows), by their normalized names. Daily values; `end_time`
 * closes the day each covers.
 * https://developers.facebook.com/docs/platforminsights/page
 * https://developers.facebook.com/docs/pages-api/changelog/
 */
const pageMetrics: Record<string, MetricName> = {
  page_media_view: "views",
  page_total_media_view_unique: "reach",
  page_post_engagements: "engagements",
  page_follows: "followers",
  page_daily_follows_unique: "follower_growth",
};
/** Post insights (lifetime): views and viewers replaced post_impressions(_unique) in 2025. */
const postMetrics: Record<string, MetricName> = {
  post_media_view: "views",
  post_total_media_view_unique: "reach",
};
/** Clicks are asked alone: reports say post_clicks is being retired, and its loss must not blank views and reach. */
const clickMetrics: Record<string, MetricName> = { post_clicks: "clicks" };
/** The permission insights need; reconnecting asks for it again. https://developers.facebook.com/docs/graph-api/reference/insights */
const INSIGHTS_SCOPE = "read_insights";
/**
 * Reactions, comments and shares as the post's own counters, not insights: every reaction type
 * in the total, and no insights metric to retire.
 * https://developers.facebook.com/docs/graph-api/reference/post/reactions/
 * https://developers.facebook.com/docs/graph-api/reference/object/comments/
 * https://developers.facebook.com/docs/graph-api/reference/post/ (shares)
 */
const summary = z.object({ summary: z.object({ total_count: z.number() }) }).optional();
const postCounters = z.object({
  reactions: summary,
  likes: summary,
  comments: summary,
  shares: z.object({ count: z.number() }).optional(),
});
const POST_COUNTER_FIELDS = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares";
/**
 * A video is a node of its own: likes and comments are its edges, and it has no reactions edge
 * or shares field (Meta's API spec of the Video node, AdVideo.json in facebook-business-sdk-codegen).
 */
const VIDEO_COUNTER_FIELDS = "likes.summary(total_count).limit(0),comments.summary(total_count).limit(0)";
/**
 * A video's insights, lifetime, on its own edge: a video's id is not a post's, and it has no
 * /insights. Watch time comes in milliseconds.
 * https://developers.facebook.com/docs/video-api/guides/insights
 * https://developers.facebook.com/docs/graph-api/reference/video/video_insights
 */
const videoMetrics: Record<string, MetricName> = {
  total_video_views: "video_views",
  total_video_view_total_time: "watch_time_minutes",
};
/** The product publishes a video to a Page's /videos, which answers the video's id; a feed post's id is `{page}_{post}`. */
const isVideoId = (remoteId: string) => !remoteId.includes("_");
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const readingsOf = (items: { name: string; values?: { value: unknown }[] }[], names: Record<string, MetricName>) =>
  items.flatMap((item) => {
    const value = countOf(item.values?.[0]?.value);
    const metric = names[item.name];
    if (!metric || value === undefined) return [];
    return [
      { metric, value: metric === "watch_time_minutes" ? Math.round(value / MINUTE_MS) : value, source: item.name },
    ];
  });

/** What neither kind of Page content has, said as Meta's absence rather than left blank. */
const notProvidedFor = (metrics: readonly MetricName[], message: string): MetricUnavailable[] =>
  metrics.map((metric) => ({ metric, reason: "not_provided", message }));

/** The counters a post or a video answers. */
async function readCounters(api: Api, apiVersion: string | undefined, remoteId: string) {
  const video = isVideoId(remoteId);
  try {
    const { data } = await api.call(postCounters, {
      host: "graph",
      path: `/${apiVersion}/${remoteId}`,
      query: { fields: video ? VIDEO_COUNTER_FIELDS : POST_COUNTER_FIELDS },
    });
    const readings: MetricReading[] = [];
    const liked = video ? data.likes : data.reactions;
    if (liked)
      readings.push({
        metric: "reactions",
        value: liked.summary.total_count,
        source: video ? "likes.summary.total_count" : "reactions.summary.total_count",
      });
    if (data.comments)
      readings.push({
        metric: "comments",
        value: data.comments.summary.total_count,
        source: "comments.summary.total_count",
      });
    // Graph leaves `shares` out of a post nobody shared (verify): 0 where the post answered its other counters.
    if (!video && (data.shares || data.reactions))
      readings.push({ metric: "shares", value: data.shares?.count ?? 0, source: "shares.count" });
    return {
      readings,
      unavailable: video ? notProvidedFor(["shares"], "Meta gives no share count for a video.") : [],
    };
  } catch (error) {
    if (!(error instanceof PlatformError) || error.failure.kind !== "rejected") throw error;
    const message = error.failure.userMessage;
    const counted: MetricName[] = video ? ["reactions", "comments"] : ["reactions", "comments", "shares"];
    const unavailable = counted.map((metric): MetricUnavailable => ({ metric, reason: "refused", message }));
    return { readings: [], unavailable };
  }
}

/** A feed post's insights: views and reach, and clicks asked alone. */
async function readPostInsights(api: Api, path: string) {
  const insights = await readInsights(api, { path, metrics: Object.keys(postMetrics) });
  const clicks = await readInsights(api, { path, metrics: Object.keys(clickMetrics) });
  return {
    readings: [...readingsOf(insights.items, postMetrics), ...readingsOf(clicks.items, clickMetrics)],
    unavailable: [
      ...unavailableOf(insights.refused, postMetrics, INSIGHTS_SCOPE),
      ...notReady(Object.keys(postMetrics), insights.items, insights.refused, postMetrics),
      ...unavailableOf(clicks.refused, clickMetrics, INSIGHTS_SCOPE),
      ...notReady(Object.keys(clickMetrics), clicks.items, clicks.refused, clickMetrics),
      ...notProvidedFor(["video_views", "watch_time_minutes"], "Meta counts video views only on videos."),
    ],
  };
}

/** A video's insights: its views and the time watched. */
async function readVideoInsights(api: Api, path: string) {
  const insights = await readInsights(api, { path, metrics: Object.keys(videoMetrics) });
  return {
    readings: readingsOf(insights.items, videoMetrics),
    unavailable: [
      ...unavailableOf(insights.refused, videoMetrics, INSIGHTS_SCOPE),
      ...notReady(Object.keys(videoMetrics), insights.items, insights.refused, videoMetrics),
      ...notProvidedFor(
        ["views", "reach", "clicks"],
        "Meta gives a video its video views and watch time, not a post's views, reach or clicks.",
      ),
    ],
  };
}

/**
 * Page and post insights, and the posts' public counters.
 * Budget: Pages' reads with a Page token fall under Business Use Case limits, 4,800 calls × the
 * Page's engaged users per 24 hours; declared at its floor (one engaged user) since the count is
 * not known before reading, so a small Page is never overrun.
 * https://developers.facebook.com/docs/graph-api/overview/rate-limiting/#pages
 */
export const facebookAnalytics: PlatformAnalytics = {
  provides: {
    post: ["views", "reach", "reactions", "comments", "shares", "clicks", "video_views", "watch_time_minutes"],
    account: ["views", "reach", "engagements", "followers", "follower_growth"],
  },
  postsPerRead: 1,
  cost: { posts: 3, account: 1 },
  budgets: [
    {
      scope: "account",
      calls: 4_800,
      perMs: DAY_MS,
      source:
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting/#pages (4,800 × engaged users per 24 h, at one engaged user)",
    },
  ],
  // Two years of Page insights are kept; one call spans at most 90 days.
  // https://developers.facebook.com/docs/graph-api/reference/insights
  historyDays: 730,
  accountRangeDays: 90,

  async readPosts(api, _account, posts, { apiVersion }) {
    const answers = [];
    for (const post of posts) {
      const insights = isVideoId(post.remoteId)
        ? await readVideoInsights(api, `/${apiVersion}/${post.remoteId}/video_insights`)
        : await readPostInsights(api, `/${apiVersion}/${post.remoteId}/insights`);
      const counters = await readCounters(api, apiVersion, post.remoteId);
      answers.push({
        remoteId: post.remoteId,
        readings: [...insights.readings, ...counters.readings],
        unavailable: [...insights.unavailable, ...counters.unavailable],
      });
    }
    return answers;
  },

  async readAccount(api, account, range, { apiVersion }) {
    const asked = Object.keys(pageMetrics);
    const { items, refused } = await readInsights(api, {
      path: `/${apiVersion}/${account.externalId}/insights`,
      metrics: asked,
      // until is exclusive: the day after the last one wanted.
      query: { period: "day", since: dayStartSeconds(range.since), until: dayStartSeconds(nextDay(range.until)) },
    });
    const byDay = new Map<string, MetricReading[]>();
    for (const item of items) {
      const metric = pageMetrics[item.name];
      if (!metric) continue;
      for (const point of item.values ?? []) {
        const value = countOf(point.value);
        if (value === undefined || !point.end_time) continue;
        const day = dayCovered(point.end_time);
        if (day < range.since || day > range.until) continue;
        byDay.set(day, [...(byDay.get(day) ?? []), { metric, value, source: item.name }]);
      }
    }
    return {
      days: [...byDay].map(([day, readings]) => ({ day, readings })),
      current: [],
      unavailable: [
        ...unavailableOf(refused, pageMetrics, INSIGHTS_SCOPE),
        ...notReady(asked, items, refused, pageMetrics),
      ],
    };
  },
};
