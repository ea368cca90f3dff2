import { z } from "zod";
import type { AccountDay, MetricName, MetricUnavailable, PlatformAnalytics } from "./analytics.js";
import { countOf, dayStartSeconds, nextDay, notReady, readInsights, unavailableOf } from "./meta-graph.js";

/**
 * Media insights, lifetime, read as `values[0].value` (reading `total_value` here gives zeros).
 * `views` replaced impressions, plays and video_views (retired 2025-04-21 on every version);
 * total_interactions replaced engagement.
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
 */
const mediaMetrics: Record<string, MetricName> = {
  reach: "reach",
  views: "views",
  likes: "reactions",
  comments: "comments",
  shares: "shares",
  saved: "saves",
  total_interactions: "engagements",
};
/**
 * Account insights per day as `total_value` (likes, comments, shares, saves and views answer no
 * time series); one number for the window asked, so each call asks one day.
 * https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights/
 */
const accountMetrics: Record<string, MetricName> = {
  reach: "reach",
  views: "views",
  total_interactions: "engagements",
  likes: "reactions",
  comments: "comments",
  shares: "shares",
  saves: "saves",
};
const INSIGHTS_SCOPE = "instagram_manage_insights";
const followers = z.object({ followers_count: z.number().optional() });
const DAY_MS = 86_400_000;

/**
 * Media and account insights through the Page's token.
 * Budget: Instagram Platform calls fall under Business Use Case limits, 4,800 calls × the
 * account's impressions per 24 hours; declared at its floor (one impression).
 * https://developers.facebook.com/docs/graph-api/overview/rate-limiting/#instagram-graph-api
 */
export const instagramAnalytics: PlatformAnalytics = {
  provides: {
    post: ["views", "reach", "reactions", "comments", "shares", "saves", "engagements"],
    account: ["views", "reach", "engagements", "reactions", "comments", "shares", "saves", "followers"],
  },
  postsPerRead: 1,
  cost: { posts: 1, account: 2 },
  budgets: [
    {
      scope: "account",
      calls: 4_800,
      perMs: DAY_MS,
      source:
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting/#instagram-graph-api (4,800 × impressions per 24 h, at one impression)",
    },
  ],
  // Account insights reach back 30 days (not confirmed in Meta's pages seen: the tools that read
  // them cap at 28–30); a total_value is one number per call, so a call is one day.
  historyDays: 30,
  accountRangeDays: 1,

  async readPosts(api, _account, posts, { apiVersion }) {
    const answers = [];
    for (const post of posts) {
      const asked = Object.keys(mediaMetrics);
      const { items, refused } = await readInsights(api, {
        path: `/${apiVersion}/${post.remoteId}/insights`,
        metrics: asked,
      });
      answers.push({
        remoteId: post.remoteId,
        readings: items.flatMap((item) => {
          const value = countOf(item.values?.[0]?.value);
          const metric = mediaMetrics[item.name];
          return metric && value !== undefined ? [{ metric, value, source: item.name }] : [];
        }),
        unavailable: [
          ...unavailableOf(refused, mediaMetrics, INSIGHTS_SCOPE),
          ...notReady(asked, items, refused, mediaMetrics),
        ],
      });
    }
    return answers;
  },

  async readAccount(api, account, range, { apiVersion }) {
    const days: AccountDay[] = [];
    const unavailable: MetricUnavailable[] = [];
    const asked = Object.keys(accountMetrics);
    for (let day = range.since; day <= range.until; day = nextDay(day)) {
      const { items, refused } = await readInsights(api, {
        path: `/${apiVersion}/${account.externalId}/insights`,
        metrics: asked,
        query: {
          period: "day",
          metric_type: "total_value",
          since: dayStartSeconds(day),
          until: dayStartSeconds(nextDay(day)),
        },
      });
      days.push({
        day,
        readings: items.flatMap((item) => {
          const metric = accountMetrics[item.name];
          const value = item.total_value?.value;
          return metric && value !== undefined ? [{ metric, value, source: `${item.name} (total_value)` }] : [];
        }),
      });
      unavailable.push(
        ...unavailableOf(refused, accountMetrics, INSIGHTS_SCOPE),
        ...notReady(asked, items, refused, accountMetrics),
      );
    }
    // The follower count is a field of the account, as of now: read with the range that ends today.
    // https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user
    const today = new Date(api.clock.now()).toISOString().slice(0, 10);
    const { data } =
      range.until >= today
        ? await api.call(followers, {
            host: "graph",
            path: `/${apiVersion}/${account.externalId}`,
            query: { fields: "followers_count" },
          })
        : { data: {} as z.infer<typeof followers> };
    const current =
      data.followers_count === undefined
        ? []
        : [{ metric: "followers" as const, value: data.followers_count, source: "followers_count" }];
    const seen = new Set<string>();
    return {
      days,
      current,
      unavailable: unavailable.filter((note) => !seen.has(note.metric) && seen.add(note.metric)),
    };
  },
};
