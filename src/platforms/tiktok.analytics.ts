import { z } from "zod";
import type { MetricName, MetricReading, MetricUnavailable, PlatformAnalytics, PostMetrics } from "./analytics.js";
import type { Api } from "./http.js";
import { PlatformError, type StoredAccount } from "./platform.js";
import { request } from "./tiktok.api.js";

/**
 * What TikTok measures through the Display API: lifetime counters of the user's own videos
 * (`video.list`) and the follower count now (`user.info.stats`). No reach, impressions, saves or
 * watch time, and no history: account days are the collector's snapshots of the counter.
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-query
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-object
 * https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
 */

/** Video query takes at most 20 ids. https://developers.tiktok.com/doc/tiktok-api-v1-video-query */
const VIDEOS_PER_QUERY = 20;
const MINUTE_MS = 60_000;

/** Each counter of the video object and the normalized metrics it stands for. */
const videoCounters = {
  view_count: ["views", "video_views"],
  like_count: ["reactions"],
  comment_count: ["comments"],
  share_count: ["shares"],
} satisfies Record<string, MetricName[]>;
type Counter = keyof typeof videoCounters;
const counterNames = Object.keys(videoCounters) as Counter[];
const postMetrics = counterNames.flatMap((counter) => videoCounters[counter]);

const videoQuery = z.object({
  videos: z
    .array(
      z.object({
        id: z.string(),
        view_count: z.number().optional(),
        like_count: z.number().optional(),
        comment_count: z.number().optional(),
        share_count: z.number().optional(),
      }),
    )
    .default([]),
});
const userStats = z.object({ user: z.object({ follower_count: z.number().optional() }) });

const SCOPE_REFUSALS = new Set(["scope_not_authorized", "scope_permission_missed"]);
/** The follower count's scope: https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info */
const FOLLOWERS_SCOPE = "user.info.stats";

const unavailable = (
  metrics: readonly MetricName[],
  reason: MetricUnavailable["reason"],
  message: string,
  extra: Partial<MetricUnavailable> = {},
): MetricUnavailable[] => metrics.map((metric) => ({ metric, reason, message, ...extra }));

/**
 * A read refused for one permission, or for this request alone, is those metrics unavailable in
 * TikTok's words; an expired token, a rate limit or an outage is thrown for the collector to
 * handle as publishing does.
 */
function refusalOf(error: unknown, metrics: readonly MetricName[], scope: string): MetricUnavailable[] {
  if (!(error instanceof PlatformError)) throw error;
  if (typeof error.platformCode === "string" && SCOPE_REFUSALS.has(error.platformCode))
    return unavailable(metrics, "permission", error.message, { reconnectFor: scope });
  if (error.failure.kind === "rejected") return unavailable(metrics, "refused", error.failure.userMessage);
  throw error;
}

async function readPosts(api: Api, posts: readonly { remoteId: string }[]): Promise<PostMetrics[]> {
  // A post TikTok has not made public is known only by its publish id, which video query does not take.
  const queried = posts.map((post) => post.remoteId).filter((id) => /^\d+$/.test(id));
  let videos: z.infer<typeof videoQuery>["videos"] = [];
  let refused: MetricUnavailable[] = [];
  if (queried.length > 0) {
    try {
      ({ videos } = await request(api, videoQuery, {
        method: "POST",
        host: "api",
        path: "/v2/video/query/",
        query: { fields: ["id", ...counterNames].join(",") },
        json: { filters: { video_ids: queried } },
      }));
    } catch (error) {
      refused = refusalOf(error, postMetrics, "video.list");
    }
  }
  return posts.map(({ remoteId }) => {
    if (!queried.includes(remoteId))
      return {
        remoteId,
        readings: [],
        unavailable: unavailable(
          postMetrics,
          "not_provided",
          "TikTok gives no post id for a post it has not made public, so it has no metrics to read.",
        ),
      };
    if (refused.length > 0) return { remoteId, readings: [], unavailable: refused };
    const video = videos.find((candidate) => candidate.id === remoteId);
    if (!video)
      return {
        remoteId,
        readings: [],
        unavailable: unavailable(
          postMetrics,
          "refused",
          "TikTok returned no such video for this account (deleted, made private, or not public yet).",
        ),
      };
    const readings: MetricReading[] = [];
    const missing: MetricUnavailable[] = [];
    for (const counter of counterNames) {
      const value = video[counter];
      if (value === undefined)
        missing.push(
          ...unavailable(videoCounters[counter], "not_provided", `TikTok gave no ${counter} for this video.`, {
            source: counter,
          }),
        );
      else for (const metric of videoCounters[counter]) readings.push({ metric, value, source: counter });
    }
    return { remoteId, readings, unavailable: missing };
  });
}

/** Whether the grant lacks a scope, as far as the token answer said (TikTok names the scopes granted). */
const lacks = (account: StoredAccount, scope: string) =>
  Boolean(account.scopes?.length) && !account.scopes!.includes(scope);

async function readAccount(api: Api, account: StoredAccount) {
  // Asked without the scope, TikTok refuses every day (scope_permission_missed): the answer is known.
  if (lacks(account, FOLLOWERS_SCOPE))
    return {
      days: [],
      current: [],
      unavailable: unavailable(
        ["followers"],
        "permission",
        `TikTok gives the follower count only with ${FOLLOWERS_SCOPE}, which this connection was not granted.`,
        { reconnectFor: FOLLOWERS_SCOPE },
      ),
    };
  try {
    const { user } = await request(api, userStats, {
      host: "api",
      path: "/v2/user/info/",
      query: { fields: "follower_count" },
    });
    const current: MetricReading[] =
      user.follower_count === undefined
        ? []
        : [{ metric: "followers", value: user.follower_count, source: "follower_count" }];
    const missing =
      user.follower_count === undefined
        ? unavailable(["followers"], "not_provided", "TikTok gave no follower_count for this account.")
        : [];
    return { days: [], current, unavailable: missing };
  } catch (error) {
    return { days: [], current: [], unavailable: refusalOf(error, ["followers"], FOLLOWERS_SCOPE) };
  }
}

export const tiktokAnalytics: PlatformAnalytics = {
  provides: {
    post: postMetrics,
    account: ["followers"],
  },
  postsPerRead: VIDEOS_PER_QUERY,
  cost: { posts: 1, account: 1 },
  budgets: [
    {
      scope: "app",
      calls: 600,
      perMs: MINUTE_MS,
      source:
        "https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit (600 a minute, sliding, for each of /v2/user/info/ and /v2/video/query/; counted together here, which keeps inside both)",
    },
  ],
  // Counters now only: history is what the collector snapshotted.
  historyDays: 0,
  readPosts: (api, _account, posts) => readPosts(api, posts),
  readAccount: (api, account) => readAccount(api, account),
};
