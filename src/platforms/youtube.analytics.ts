import { z } from "zod";
import type {
  AccountDay,
  MetricName,
  MetricReading,
  MetricUnavailable,
  PlatformAnalytics,
  PostMetrics,
} from "./analytics.js";
import type { Api } from "./http.js";
import { PlatformError } from "./platform.js";

/**
 * What YouTube measures: lifetime counters per video from the Data API (`videos.list`,
 * statistics as strings), shares and watch time per video from one Analytics report over the
 * batch, and channel days from an Analytics `day` report plus the subscriber count now.
 * https://developers.google.com/youtube/v3/docs/videos#statistics
 * https://developers.google.com/youtube/analytics/reference/reports/query
 * https://developers.google.com/youtube/analytics/channel_reports
 */

const ANALYTICS_SCOPE = "https://www.googleapis.com/auth/yt-analytics.readonly";
const DAY_MS = 86_400_000;
/** videos.list takes at most 50 ids. https://developers.google.com/youtube/v3/docs/videos/list#id */
const VIDEOS_PER_LIST = 50;

/** Counts are uint64 written as strings; a statistic the owner hid or switched off is absent. */
const videoStatistics = z.object({
  items: z
    .array(
      z.object({
        id: z.string(),
        statistics: z
          .object({
            viewCount: z.string().optional(),
            likeCount: z.string().optional(),
            commentCount: z.string().optional(),
          })
          .optional(),
      }),
    )
    .default([]),
});

const channelStatistics = z.object({
  items: z
    .array(
      z.object({
        statistics: z
          .object({ subscriberCount: z.string().optional(), hiddenSubscriberCount: z.boolean().optional() })
          .optional(),
      }),
    )
    .default([]),
});

/** Columns are the dimensions then the metrics; `rows` is absent when there is no data. */
const resultTable = z.object({
  columnHeaders: z.array(z.object({ name: z.string() })),
  rows: z.array(z.array(z.union([z.string(), z.number()]))).optional(),
});

type Row = Record<string, string | number>;

/** Each Data API counter and the normalized metrics it stands for. */
const videoCounters: { source: "viewCount" | "likeCount" | "commentCount"; metrics: MetricName[] }[] = [
  { source: "viewCount", metrics: ["views", "video_views"] },
  { source: "likeCount", metrics: ["reactions"] },
  { source: "commentCount", metrics: ["comments"] },
];

/** Analytics metrics per video, and per channel day, with their normalized names. */
const videoReportMetrics: Record<string, MetricName[]> = {
  estimatedMinutesWatched: ["watch_time_minutes"],
  shares: ["shares"],
};
const dayReportMetrics: Record<string, MetricName[]> = {
  views: ["views", "video_views"],
  estimatedMinutesWatched: ["watch_time_minutes"],
  likes: ["reactions"],
  comments: ["comments"],
  shares: ["shares"],
  subscribersGained: ["follower_growth"],
  subscribersLost: ["follower_growth"],
};
const FOLLOWER_GROWTH_SOURCE = "subscribersGained - subscribersLost";

const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

const unavailable = (
  metrics: readonly MetricName[],
  reason: MetricUnavailable["reason"],
  message: string,
  extra: Partial<MetricUnavailable> = {},
): MetricUnavailable[] => [...new Set(metrics)].map((metric) => ({ metric, reason, message, ...extra }));

/** A report's answer: its rows keyed by column name, or why some or all of its metrics have none. */
interface Report {
  rows: Row[];
  /** Metrics asked for and answered (an unknown one is left out and retried without). */
  answered: string[];
  refused: MetricUnavailable[];
}

/**
 * An Analytics report read by column name. A metric YouTube no longer knows fails the whole query
 * ("Unknown identifier (x) given in field parameters.metrics."): it is marked retired and the
 * query asked again without it. A grant without the Analytics scope is refused with
 * insufficientPermissions, which the classifier reads as a token fault: here it is only that
 * the reports are closed, so those metrics are unavailable and the Data API counters stand.
 */
async function readReport(
  api: Api,
  query: Record<string, string>,
  metrics: Record<string, MetricName[]>,
): Promise<Report> {
  const refused: MetricUnavailable[] = [];
  let asked = Object.keys(metrics);
  const normalized = (names: string[]) => names.flatMap((name) => metrics[name] ?? []);
  while (asked.length > 0) {
    try {
      const { data } = await api.call(resultTable, {
        host: "analytics",
        path: "/v2/reports",
        query: { ids: "channel==MINE", ...query, metrics: asked.join(",") },
      });
      const names = data.columnHeaders.map((column) => column.name);
      const rows = (data.rows ?? []).map((row) => Object.fromEntries(names.map((name, index) => [name, row[index]!])));
      return { rows, answered: asked, refused };
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      const words = error.failure.kind === "rejected" ? error.failure.userMessage : "";
      const unknown = /Unknown identifier \((\w+)\) given in field parameters\.metrics/.exec(words)?.[1];
      if (unknown && asked.includes(unknown)) {
        refused.push(...unavailable(normalized([unknown]), "retired", words, { source: unknown }));
        asked = asked.filter((name) => name !== unknown);
        continue;
      }
      if (error.failure.kind === "token_invalid" && error.status === 403) {
        const message = "The grant does not include YouTube Analytics: reconnect the channel to allow it.";
        refused.push(...unavailable(normalized(asked), "permission", message, { reconnectFor: ANALYTICS_SCOPE }));
        return { rows: [], answered: [], refused };
      }
      if (error.failure.kind === "rejected") {
        refused.push(...unavailable(normalized(asked), "refused", error.failure.userMessage));
        return { rows: [], answered: [], refused };
      }
      throw error;
    }
  }
  return { rows: [], answered: [], refused };
}

/** Readings of a report row for the metrics the report answered; follower growth is gained less lost. */
function readingsOf(row: Row, answered: string[], metrics: Record<string, MetricName[]>): MetricReading[] {
  const readings: MetricReading[] = [];
  for (const source of answered) {
    if (source === "subscribersGained" || source === "subscribersLost") continue;
    const value = row[source];
    if (typeof value !== "number") continue;
    for (const metric of metrics[source] ?? []) readings.push({ metric, value, source });
  }
  const gained = row.subscribersGained;
  const lost = row.subscribersLost;
  if (typeof gained === "number" && typeof lost === "number")
    readings.push({ metric: "follower_growth", value: gained - lost, source: FOLLOWER_GROWTH_SOURCE });
  return readings;
}

async function readPosts(api: Api, posts: readonly { remoteId: string; publishedAt: Date }[]): Promise<PostMetrics[]> {
  const ids = posts.map((post) => post.remoteId);
  const { data } = await api.call(videoStatistics, {
    host: "api",
    path: "/youtube/v3/videos",
    query: { part: "statistics", id: ids.join(",") },
  });
  const earliest = Math.min(...posts.map((post) => post.publishedAt.getTime()));
  // One report for the whole batch (a video filter takes a list); sort and maxResults as the top-videos report asks.
  const report = await readReport(
    api,
    {
      startDate: isoDay(earliest),
      endDate: isoDay(api.clock.now()),
      dimensions: "video",
      filters: `video==${ids.join(",")}`,
      sort: "-estimatedMinutesWatched",
      maxResults: String(ids.length),
    },
    videoReportMetrics,
  );
  const reportMetrics = Object.values(videoReportMetrics).flat();
  return ids.map((remoteId) => {
    const video = data.items.find((item) => item.id === remoteId);
    if (!video) {
      const message = "YouTube has no such video for this channel (deleted, or no longer visible to it).";
      return {
        remoteId,
        readings: [],
        unavailable: unavailable(
          [...videoCounters.flatMap((counter) => counter.metrics), ...reportMetrics],
          "refused",
          message,
        ),
      };
    }
    const readings: MetricReading[] = [];
    const missing: MetricUnavailable[] = [...report.refused];
    for (const counter of videoCounters) {
      const text = video.statistics?.[counter.source];
      if (text === undefined)
        missing.push(
          ...unavailable(
            counter.metrics,
            "not_provided",
            `YouTube gives no ${counter.source} for this video (hidden or switched off by the channel).`,
            { source: counter.source },
          ),
        );
      else for (const metric of counter.metrics) readings.push({ metric, value: Number(text), source: counter.source });
    }
    if (report.answered.length > 0) {
      const row = report.rows.find((candidate) => candidate.video === remoteId);
      if (row) readings.push(...readingsOf(row, report.answered, videoReportMetrics));
      else
        missing.push(
          ...unavailable(
            report.answered.flatMap((name) => videoReportMetrics[name] ?? []),
            "not_ready",
            "YouTube Analytics has no data for this video yet (its reports lag by two to three days).",
          ),
        );
    }
    return { remoteId, readings, unavailable: missing };
  });
}

async function readAccount(
  api: Api,
  range: { since: string; until: string },
): Promise<{ days: AccountDay[]; current: MetricReading[]; unavailable: MetricUnavailable[] }> {
  const report = await readReport(
    api,
    { startDate: range.since, endDate: range.until, dimensions: "day", sort: "day" },
    dayReportMetrics,
  );
  const days = report.rows
    .filter((row) => typeof row.day === "string")
    .map((row) => ({ day: row.day as string, readings: readingsOf(row, report.answered, dayReportMetrics) }));
  const missing = [...report.refused];
  if (report.answered.length > 0 && days.length === 0)
    missing.push(
      ...unavailable(
        report.answered.flatMap((name) => dayReportMetrics[name] ?? []),
        "not_ready",
        "YouTube Analytics has no data for these days yet (its reports lag by two to three days).",
      ),
    );
  const { data } = await api.call(channelStatistics, {
    host: "api",
    path: "/youtube/v3/channels",
    query: { part: "statistics", mine: "true" },
  });
  const statistics = data.items[0]?.statistics;
  const current: MetricReading[] = [];
  if (statistics?.hiddenSubscriberCount || statistics?.subscriberCount === undefined)
    missing.push(
      ...unavailable(
        ["followers"],
        "not_provided",
        "The channel hides its subscriber count, so YouTube does not give it.",
        { source: "subscriberCount" },
      ),
    );
  else current.push({ metric: "followers", value: Number(statistics.subscriberCount), source: "subscriberCount" });
  return { days, current, unavailable: missing };
}

export const youtubeAnalytics: PlatformAnalytics = {
  provides: {
    post: ["views", "video_views", "reactions", "comments", "shares", "watch_time_minutes"],
    account: [
      "views",
      "video_views",
      "reactions",
      "comments",
      "shares",
      "watch_time_minutes",
      "followers",
      "follower_growth",
    ],
  },
  postsPerRead: VIDEOS_PER_LIST,
  // Each read is one list call (1 unit) and one Analytics query.
  cost: { posts: 1, account: 1 },
  budgets: [
    {
      scope: "app",
      calls: 10_000,
      perMs: DAY_MS,
      resetsAtMidnightIn: "America/Los_Angeles",
      source:
        "https://developers.google.com/youtube/v3/getting-started#quota (10,000 units a day per project, list = 1 unit, reset at midnight Pacific; shared with publishing)",
    },
    {
      scope: "app",
      calls: 10_000,
      perMs: DAY_MS,
      resetsAtMidnightIn: "America/Los_Angeles",
      source:
        "unconfirmed: the YouTube Analytics API's quota is shown per project in the Cloud console, not documented; assumed as the Data API's",
    },
  ],
  // Channel reports go back to the channel's creation (unconfirmed); a year is backfilled.
  historyDays: 365,
  readPosts: (api, _account, posts) => readPosts(api, posts),
  readAccount: (api, _account, range) => readAccount(api, range),
};
