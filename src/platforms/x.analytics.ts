import { z } from "zod";
import type {
  MetricName,
  MetricReading,
  MetricUnavailable,
  PlatformAnalytics,
  PostMetrics,
  PostToMeasure,
} from "./analytics.js";
import type { Api } from "./http.js";

/**
 * X post metrics through the posts lookup, and the follower count through users/me.
 * https://docs.x.com/x-api/fundamentals/metrics — public metrics for any post; non-public ones
 * (clicks, profile clicks, engagements) for the authorized user's own posts, and "only for posts
 * created within the last 30 days". The OpenAPI document (v2.167, sandbox/specs) names the
 * parameter `post.fields` and the count `repost_count`; the metrics page still writes
 * `tweet.fields` and `retweet_count`, so either count name is read.
 */

const DAY = 86_400_000;
const FIFTEEN_MINUTES = 15 * 60_000;
/** Non-public metrics end 30 days after the post was created. */
const NON_PUBLIC_DAYS = 30;
/** X looks up at most 100 posts by id in one call (the OpenAPI document's `ids` maxItems). */
const POSTS_PER_LOOKUP = 100;

const count = z.number().int().nonnegative();
const publicMetrics = z.object({
  repost_count: count.optional(),
  retweet_count: count.optional(),
  reply_count: count.optional(),
  like_count: count.optional(),
  quote_count: count.optional(),
  bookmark_count: count.optional(),
  impression_count: count.optional(),
});
const nonPublicMetrics = z.object({
  url_link_clicks: count.optional(),
  user_profile_clicks: count.optional(),
  engagements: count.optional(),
});
const lookupError = z.object({
  value: z.string().optional(),
  resource_id: z.string().optional(),
  detail: z.string().optional(),
  title: z.string().optional(),
  field: z.string().optional(),
  type: z.string().optional(),
});
const lookup = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        public_metrics: publicMetrics.optional(),
        non_public_metrics: nonPublicMetrics.optional(),
      }),
    )
    .optional(),
  errors: z.array(lookupError).optional(),
});
type LookedUp = NonNullable<z.infer<typeof lookup>["data"]>[number];
type LookupError = z.infer<typeof lookupError>;

const me = z.object({ data: z.object({ public_metrics: z.object({ followers_count: count }).optional() }) });

/** Each public metric: the normalized name and how it is read from public_metrics. */
const publicReadings: {
  metric: MetricName;
  source: string;
  read: (metrics: z.infer<typeof publicMetrics>) => number | undefined;
}[] = [
  { metric: "views", source: "public_metrics.impression_count", read: (metrics) => metrics.impression_count },
  { metric: "reactions", source: "public_metrics.like_count", read: (metrics) => metrics.like_count },
  { metric: "comments", source: "public_metrics.reply_count", read: (metrics) => metrics.reply_count },
  {
    metric: "shares",
    source: "public_metrics.repost_count+quote_count",
    read: (metrics) => {
      const reposts = metrics.repost_count ?? metrics.retweet_count;
      return reposts === undefined || metrics.quote_count === undefined ? undefined : reposts + metrics.quote_count;
    },
  },
  { metric: "saves", source: "public_metrics.bookmark_count", read: (metrics) => metrics.bookmark_count },
];

const nonPublicReadings: { metric: MetricName; field: keyof z.infer<typeof nonPublicMetrics> }[] = [
  { metric: "clicks", field: "url_link_clicks" },
  { metric: "profile_visits", field: "user_profile_clicks" },
  { metric: "engagements", field: "engagements" },
];

const FIELD_REFUSED = "https://api.twitter.com/2/problems/not-authorized-for-field";

const idOf = (error: LookupError) => error.resource_id ?? error.value;

async function lookUp(api: Api, ids: string[], fields: string) {
  const { data } = await api.call(lookup, {
    host: "api",
    path: "/2/tweets",
    query: { ids: ids.join(","), "post.fields": fields },
  });
  return data;
}

function publicPart(
  post: LookedUp | undefined,
  refusal: LookupError | undefined,
): Pick<PostMetrics, "readings" | "unavailable"> {
  const readings: MetricReading[] = [];
  const unavailable: MetricUnavailable[] = [];
  for (const { metric, source, read } of publicReadings) {
    const value = post?.public_metrics ? read(post.public_metrics) : undefined;
    if (value !== undefined) readings.push({ metric, value, source });
    else
      unavailable.push({
        metric,
        reason: "refused",
        message: refusal?.detail ?? "X answered this post without the metric.",
        source,
      });
  }
  return { readings, unavailable };
}

function nonPublicPart(
  post: LookedUp | undefined,
  why: { reason: MetricUnavailable["reason"]; message: string } | undefined,
): Pick<PostMetrics, "readings" | "unavailable"> {
  const readings: MetricReading[] = [];
  const unavailable: MetricUnavailable[] = [];
  for (const { metric, field } of nonPublicReadings) {
    const source = `non_public_metrics.${field}`;
    const value = post?.non_public_metrics?.[field];
    if (value !== undefined) readings.push({ metric, value, source });
    else
      unavailable.push({
        metric,
        ...(why ?? { reason: "refused", message: "X answered this post without the metric." }),
        source,
      });
  }
  return { readings, unavailable };
}

export const xAnalytics: PlatformAnalytics = {
  provides: {
    post: ["views", "reactions", "comments", "shares", "saves", "clicks", "profile_visits", "engagements"],
    account: ["followers"],
  },
  postsPerRead: POSTS_PER_LOOKUP,
  // Recent posts with their non-public metrics, then older ones (and any X refused them for) with public ones only.
  cost: { posts: 2, account: 1 },
  budgets: [
    {
      scope: "account",
      calls: 5_000,
      perMs: FIFTEEN_MINUTES,
      cost: { posts: 2, account: 0 },
      source: "https://docs.x.com/x-api/fundamentals/rate-limits (GET /2/tweets: 5,000 per user per 15 minutes)",
    },
    {
      scope: "app",
      calls: 3_500,
      perMs: FIFTEEN_MINUTES,
      cost: { posts: 2, account: 0 },
      source: "https://docs.x.com/x-api/fundamentals/rate-limits (GET /2/tweets: 3,500 per app per 15 minutes)",
    },
    {
      scope: "account",
      calls: 75,
      perMs: FIFTEEN_MINUTES,
      cost: { posts: 0, account: 1 },
      source: "https://docs.x.com/x-api/fundamentals/rate-limits (GET /2/users/me: 75 per user per 15 minutes)",
    },
    {
      scope: "app",
      calls: 3_000_000,
      perMs: 30 * DAY,
      countsPostsOncePerUtcDay: true,
      source:
        "https://docs.x.com/x-api/getting-started/pricing: pay-per-usage is billed per post returned ($0.005 a post read, " +
        "$0.010 a user read, each resource once per UTC day) and capped at 3 million post reads per monthly billing " +
        "cycle (the cycle counted here as 30 days; docs.x.com/x-api/fundamentals/post-cap says 2 million: unconfirmed which holds)",
    },
  ],
  // users/me answers the follower count now; X keeps no history of it.
  historyDays: 0,
  postWindowDays: NON_PUBLIC_DAYS,

  async readPosts(api, _account, posts) {
    const now = api.clock.now();
    const isRecent = (post: PostToMeasure) => now - post.publishedAt.getTime() < NON_PUBLIC_DAYS * DAY;
    const recent = posts.filter(isRecent).map((post) => post.remoteId);
    const found = new Map<string, LookedUp>();
    const missing = new Map<string, LookupError>();
    const refusedNonPublic = new Map<string, LookupError>();

    // X leaves a post out of `data` when it refuses a field on it: one such post would lose its public
    // metrics too, so the posts it refused are asked again, with the older ones, for public metrics only.
    if (recent.length > 0) {
      const answer = await lookUp(api, recent, "public_metrics,non_public_metrics");
      for (const post of answer.data ?? []) found.set(post.id, post);
      for (const error of answer.errors ?? []) {
        const id = idOf(error);
        if (!id || found.has(id)) continue;
        if (error.type === FIELD_REFUSED) refusedNonPublic.set(id, error);
        else missing.set(id, error);
      }
    }
    const publicOnly = posts
      .map((post) => post.remoteId)
      .filter((id) => !recent.includes(id) || refusedNonPublic.has(id));
    if (publicOnly.length > 0) {
      const answer = await lookUp(api, publicOnly, "public_metrics");
      for (const post of answer.data ?? []) found.set(post.id, post);
      for (const error of answer.errors ?? []) {
        const id = idOf(error);
        if (id && !found.has(id)) missing.set(id, error);
      }
    }

    return posts.map((post) => {
      const looked = found.get(post.remoteId);
      const gone = missing.get(post.remoteId);
      const refusal = refusedNonPublic.get(post.remoteId);
      const publicMetricsOf = publicPart(looked, gone);
      const nonPublicMetricsOf = nonPublicPart(
        looked,
        gone
          ? { reason: "refused", message: gone.detail ?? "X did not answer this post." }
          : !isRecent(post)
            ? {
                reason: "out_of_window",
                message: "X gives non-public metrics only for posts created within the last 30 days.",
              }
            : refusal
              ? { reason: "refused", message: refusal.detail ?? "X refused the non-public metrics of this post." }
              : undefined,
      );
      return {
        remoteId: post.remoteId,
        readings: [...publicMetricsOf.readings, ...nonPublicMetricsOf.readings],
        unavailable: [...publicMetricsOf.unavailable, ...nonPublicMetricsOf.unavailable],
      };
    });
  },

  async readAccount(api) {
    const { data } = await api.call(me, {
      host: "api",
      path: "/2/users/me",
      query: { "user.fields": "public_metrics" },
    });
    const followers = data.data.public_metrics?.followers_count;
    const notProvided = (metric: MetricName): MetricUnavailable => ({
      metric,
      reason: "not_provided",
      message: "X gives no account-level impressions or reach; its posts' own metrics are read instead.",
    });
    return {
      days: [],
      current:
        followers === undefined
          ? []
          : [{ metric: "followers", value: followers, source: "public_metrics.followers_count" }],
      unavailable: [
        notProvided("views"),
        notProvided("reach"),
        ...(followers === undefined
          ? [
              {
                metric: "followers" as const,
                reason: "refused" as const,
                message: "X answered users/me without public_metrics.",
                source: "public_metrics.followers_count",
              },
            ]
          : []),
      ],
    };
  },
};
