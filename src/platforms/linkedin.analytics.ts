import { z } from "zod";
import type {
  AccountDay,
  MetricName,
  MetricReading,
  MetricUnavailable,
  PlatformAnalytics,
  PostMetrics,
  PostToMeasure,
} from "./analytics.js";
import { restHeaders } from "./linkedin.rest.js";
import type { Api } from "./http.js";
import { PlatformError } from "./platform.js";

/**
 * LinkedIn organization statistics (Community Management, the pages app's rw_organization_admin,
 * the member a page's ADMINISTRATOR) and member post statistics (r_member_postAnalytics).
 * https://learn.microsoft.com/linkedin/marketing/community-management/organizations/share-statistics
 * https://learn.microsoft.com/linkedin/marketing/community-management/organizations/follower-statistics
 * https://learn.microsoft.com/linkedin/marketing/community-management/members/post-statistics
 */

const DAY = 86_400_000;
/** Share statistics cover "the past 12 months, using a rolling 12-month window". */
const WINDOW_MONTHS = 12;
/** URNs asked in one `List(…)`: LinkedIn names no maximum (unconfirmed); the URL stays short at this many. */
const POSTS_PER_READ = 20;
const ORGANIZATION_PERMISSION = "rw_organization_admin";
/** Restricted: granted to apps LinkedIn approves; the profile app does not ask for it (sandbox/README.md). */
const MEMBER_ANALYTICS_PERMISSION = "r_member_postAnalytics";

const count = z.number().int().nonnegative();
const shareStatistics = z.object({
  impressionCount: count.optional(),
  uniqueImpressionsCount: count.optional(),
  clickCount: count.optional(),
  likeCount: count.optional(),
  commentCount: count.optional(),
  shareCount: count.optional(),
});
const timeRange = z.object({ start: z.number(), end: z.number() });
const shareStatisticsAnswer = z.object({
  elements: z.array(
    z.object({
      share: z.string().optional(),
      ugcPost: z.string().optional(),
      timeRange: timeRange.optional(),
      totalShareStatistics: shareStatistics,
    }),
  ),
});
const followerStatisticsAnswer = z.object({
  elements: z.array(
    z.object({
      timeRange,
      followerGains: z.object({ organicFollowerGain: z.number().int(), paidFollowerGain: z.number().int() }),
    }),
  ),
});
const networkSize = z.object({ firstDegreeSize: count });
const date = z.object({ year: z.number(), month: z.number(), day: z.number() });
const memberAnswer = z.object({
  elements: z.array(z.object({ count, dateRange: z.object({ start: date, end: date }).optional() })),
});

/**
 * LinkedIn's organization statistics as normalized metrics. `engagement` is LinkedIn's own rate
 * (a fraction, not a count): it is neither a count to store nor a number to sum, so it is not read.
 */
const organizationMetrics: { metric: MetricName; field: keyof z.infer<typeof shareStatistics> }[] = [
  { metric: "views", field: "impressionCount" },
  { metric: "reach", field: "uniqueImpressionsCount" },
  { metric: "reactions", field: "likeCount" },
  { metric: "comments", field: "commentCount" },
  { metric: "shares", field: "shareCount" },
  { metric: "clicks", field: "clickCount" },
];

/** One query type per call, each one metric. */
const memberMetrics: { metric: MetricName; queryType: string }[] = [
  { metric: "views", queryType: "IMPRESSION" },
  { metric: "reach", queryType: "MEMBERS_REACHED" },
  { metric: "reactions", queryType: "REACTION" },
  { metric: "comments", queryType: "COMMENT" },
  { metric: "shares", queryType: "RESHARE" },
];

const isOrganization = (urn: string) => urn.startsWith("urn:li:organization:");

/** The oldest time share statistics still cover. */
function windowStart(now: number): number {
  const start = new Date(now);
  start.setUTCMonth(start.getUTCMonth() - WINDOW_MONTHS);
  return start.getTime();
}

const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);
const startOfDay = (day: string) => Date.parse(`${day}T00:00:00Z`);

/**
 * A GET whose query carries Rest.li 2.0 structures, which must reach LinkedIn as written: its
 * parentheses, colons and commas unescaped, and each URN inside them URL-encoded.
 * https://learn.microsoft.com/linkedin/shared/api-guide/concepts/protocol-version
 */
function restliCall<T>(
  api: Api,
  schema: z.ZodType<T>,
  path: string,
  query: Record<string, string>,
  structures: Record<string, string>,
  apiVersion: string | undefined,
) {
  const url = api.url("api", path, query);
  url.search = [url.search.slice(1), ...Object.entries(structures).map(([name, value]) => `${name}=${value}`)]
    .filter(Boolean)
    .join("&");
  return api.call(schema, { host: "api", path, absoluteUrl: url, headers: restHeaders(apiVersion) });
}

const timeIntervals = (start: number, end: number) => `(timeRange:(start:${start},end:${end}),timeGranularityType:DAY)`;

/**
 * What a refused read means for the metrics it was for: LinkedIn's 403 ACCESS_DENIED is a missing
 * permission (or role); any other refusal of the request is that read's alone. A token, limit or
 * server failure is the whole call's, and is thrown on as publishing's are.
 */
function refusalOf(error: unknown, permission: string): Omit<MetricUnavailable, "metric"> {
  if (!(error instanceof PlatformError) || error.failure.kind !== "rejected") throw error;
  const message = error.message.replace(/^linkedin: /, "");
  return error.status === 403
    ? { reason: "permission", message, reconnectFor: permission }
    : { reason: "refused", message };
}

function unavailableAll(
  metrics: readonly { metric: MetricName }[],
  details: Omit<MetricUnavailable, "metric">,
): MetricUnavailable[] {
  return metrics.map(({ metric }) => ({ metric, ...details }));
}

const OUT_OF_WINDOW = "LinkedIn keeps share statistics for a rolling 12 months only.";

async function organizationPosts(
  api: Api,
  organization: string,
  posts: readonly PostToMeasure[],
  apiVersion: string | undefined,
): Promise<PostMetrics[]> {
  const oldest = windowStart(api.clock.now());
  const inWindow = posts.filter((post) => post.publishedAt.getTime() >= oldest);
  const statistics = new Map<string, z.infer<typeof shareStatistics>>();
  let refusal: Omit<MetricUnavailable, "metric"> | undefined;
  // Shares and UGC posts are asked by their own parameter.
  for (const [parameter, prefix] of [
    ["shares", "urn:li:share:"],
    ["ugcPosts", "urn:li:ugcPost:"],
  ] as const) {
    const urns = inWindow.map((post) => post.remoteId).filter((urn) => urn.startsWith(prefix));
    if (urns.length === 0 || refusal) continue;
    try {
      const { data } = await restliCall(
        api,
        shareStatisticsAnswer,
        "/rest/organizationalEntityShareStatistics",
        { q: "organizationalEntity", organizationalEntity: organization },
        { [parameter]: `List(${urns.map(encodeURIComponent).join(",")})` },
        apiVersion,
      );
      for (const element of data.elements) {
        const urn = element.share ?? element.ugcPost;
        if (urn) statistics.set(urn, element.totalShareStatistics);
      }
    } catch (error) {
      refusal = refusalOf(error, ORGANIZATION_PERMISSION);
    }
  }
  return posts.map((post) => {
    if (post.publishedAt.getTime() < oldest)
      return {
        remoteId: post.remoteId,
        readings: [],
        unavailable: unavailableAll(organizationMetrics, { reason: "out_of_window", message: OUT_OF_WINDOW }),
      };
    if (refusal)
      return {
        remoteId: post.remoteId,
        readings: [],
        unavailable: unavailableAll(organizationMetrics, refusal),
      };
    const found = statistics.get(post.remoteId);
    const readings: MetricReading[] = [];
    const unavailable: MetricUnavailable[] = [];
    for (const { metric, field } of organizationMetrics) {
      const value = found?.[field];
      if (value !== undefined) readings.push({ metric, value, source: field });
      else
        unavailable.push({
          metric,
          reason: "not_ready",
          message: "LinkedIn answered no statistics for this post yet.",
          source: field,
        });
    }
    return { remoteId: post.remoteId, readings, unavailable };
  });
}

/** Each metric of a member's post, one call per query type; a refused permission stops the reads. */
async function memberPosts(api: Api, posts: readonly PostToMeasure[], apiVersion: string | undefined) {
  const results: PostMetrics[] = [];
  for (const post of posts) {
    const kind = post.remoteId.startsWith("urn:li:ugcPost:") ? "ugcPost" : "share";
    const readings: MetricReading[] = [];
    const unavailable: MetricUnavailable[] = [];
    for (const { metric, queryType } of memberMetrics) {
      try {
        const { data } = await restliCall(
          api,
          memberAnswer,
          "/rest/memberCreatorPostAnalytics",
          { q: "entity", queryType, aggregation: "TOTAL" },
          { entity: `(${kind}:${encodeURIComponent(post.remoteId)})` },
          apiVersion,
        );
        const total = data.elements[0]?.count;
        if (total !== undefined) readings.push({ metric, value: total, source: queryType });
        if (total !== undefined) continue;
        unavailable.push({
          metric,
          reason: "not_ready",
          message: "LinkedIn answered no count for this post yet.",
          source: queryType,
        });
      } catch (error) {
        const refusal = refusalOf(error, MEMBER_ANALYTICS_PERMISSION);
        // A missing permission is the grant's, not the post's: no other post can be read either.
        if (refusal.reason === "permission")
          return posts.map((each) => ({
            remoteId: each.remoteId,
            readings: [],
            unavailable: unavailableAll(memberMetrics, refusal),
          }));
        unavailable.push({ metric, ...refusal, source: queryType });
      }
    }
    results.push({ remoteId: post.remoteId, readings, unavailable });
  }
  return results;
}

function addReading(days: Map<string, MetricReading[]>, day: string, reading: MetricReading) {
  const readings = days.get(day) ?? [];
  readings.push(reading);
  days.set(day, readings);
}

async function organizationAccount(
  api: Api,
  organization: string,
  range: { since: string; until: string },
  apiVersion: string | undefined,
) {
  const oldest = windowStart(api.clock.now());
  // The first whole day inside the window, and the end of the last day asked (exclusive).
  const start = Math.max(startOfDay(range.since), Math.ceil(oldest / DAY) * DAY);
  const end = startOfDay(range.until) + DAY;
  const days = new Map<string, MetricReading[]>();
  const current: MetricReading[] = [];
  const unavailable: MetricUnavailable[] = [];
  const statisticsMetrics = [...organizationMetrics, { metric: "follower_growth" as const }];
  if (startOfDay(range.since) < start)
    unavailable.push(
      ...unavailableAll(statisticsMetrics, {
        reason: "out_of_window",
        message: `${OUT_OF_WINDOW} Days before ${dayOf(start)} are no longer answered.`,
      }),
    );

  if (start < end) {
    try {
      const { data } = await restliCall(
        api,
        shareStatisticsAnswer,
        "/rest/organizationalEntityShareStatistics",
        { q: "organizationalEntity", organizationalEntity: organization },
        { timeIntervals: timeIntervals(start, end) },
        apiVersion,
      );
      for (const element of data.elements) {
        if (!element.timeRange) continue;
        for (const { metric, field } of organizationMetrics) {
          const value = element.totalShareStatistics[field];
          if (value !== undefined) addReading(days, dayOf(element.timeRange.start), { metric, value, source: field });
        }
      }
    } catch (error) {
      unavailable.push(...unavailableAll(organizationMetrics, refusalOf(error, ORGANIZATION_PERMISSION)));
    }
    try {
      const { data } = await restliCall(
        api,
        followerStatisticsAnswer,
        "/rest/organizationalEntityFollowerStatistics",
        { q: "organizationalEntity", organizationalEntity: organization },
        { timeIntervals: timeIntervals(start, end) },
        apiVersion,
      );
      for (const element of data.elements)
        addReading(days, dayOf(element.timeRange.start), {
          metric: "follower_growth",
          value: element.followerGains.organicFollowerGain + element.followerGains.paidFollowerGain,
          source: "followerGains.organicFollowerGain+paidFollowerGain",
        });
    } catch (error) {
      unavailable.push({ metric: "follower_growth", ...refusalOf(error, ORGANIZATION_PERMISSION) });
    }
  }

  try {
    const { data } = await api.call(networkSize, {
      host: "api",
      path: `/rest/networkSizes/${encodeURIComponent(organization)}`,
      query: { edgeType: "COMPANY_FOLLOWED_BY_MEMBER" },
      headers: restHeaders(apiVersion),
    });
    current.push({ metric: "followers", value: data.firstDegreeSize, source: "networkSizes.firstDegreeSize" });
  } catch (error) {
    unavailable.push({ metric: "followers", ...refusalOf(error, ORGANIZATION_PERMISSION) });
  }

  const accountDays: AccountDay[] = [...days]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, readings]) => ({ day, readings }));
  return { days: accountDays, current, unavailable };
}

const asDate = (day: string) => {
  const [year, month, dayOfMonth] = day.split("-").map(Number);
  return `(year:${year},month:${month},day:${dayOfMonth})`;
};

/** A member's daily totals over all their posts (the `me` finder), one query type per call. */
async function memberAccount(api: Api, range: { since: string; until: string }, apiVersion: string | undefined) {
  const days = new Map<string, MetricReading[]>();
  const unavailable: MetricUnavailable[] = [
    {
      metric: "followers",
      reason: "not_provided",
      message: "LinkedIn does not give apps a member's follower count.",
    },
  ];
  for (const { metric, queryType } of memberMetrics) {
    try {
      const { data } = await restliCall(
        api,
        memberAnswer,
        "/rest/memberCreatorPostAnalytics",
        { q: "me", queryType, aggregation: "DAILY" },
        // The end is the day after the last one asked, as timeRange ends are exclusive (unconfirmed for dateRange).
        { dateRange: `(start:${asDate(range.since)},end:${asDate(dayOf(startOfDay(range.until) + DAY))})` },
        apiVersion,
      );
      for (const element of data.elements) {
        if (!element.dateRange) continue;
        const { year, month, day } = element.dateRange.start;
        const key = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
        addReading(days, key, { metric, value: element.count, source: queryType });
      }
    } catch (error) {
      const refusal = refusalOf(error, MEMBER_ANALYTICS_PERMISSION);
      if (refusal.reason !== "permission") {
        unavailable.push({ metric, ...refusal, source: queryType });
        continue;
      }
      // The grant lacks the permission: every query type is refused alike.
      unavailable.push(...unavailableAll(memberMetrics, refusal));
      break;
    }
  }
  const accountDays: AccountDay[] = [...days]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, readings]) => ({ day, readings }));
  return { days: accountDays, current: [], unavailable };
}

export const linkedinAnalytics: PlatformAnalytics = {
  provides: {
    post: ["views", "reach", "reactions", "comments", "shares", "clicks"],
    account: ["views", "reach", "reactions", "comments", "shares", "clicks", "followers", "follower_growth"],
  },
  postsPerRead: POSTS_PER_READ,
  // A page: one share statistics call for shares and one for UGC posts; its account: share and
  // follower statistics and the network size. A member's reads are refused at the first call
  // without r_member_postAnalytics, which the product does not ask for; with it they would take
  // one call per post and query type.
  cost: { posts: 2, account: 3 },
  budgets: [
    {
      scope: "app",
      calls: 100_000,
      perMs: DAY,
      source:
        "estimate: LinkedIn counts calls per application and per member a day, reset at midnight UTC " +
        "(https://learn.microsoft.com/linkedin/shared/api-guide/concepts/rate-limits); each endpoint's figure is " +
        "shown only in the app's Developer Portal analytics, so this is the sandbox's application limit",
    },
  ],
  historyDays: 365,
  postWindowDays: 365,

  readPosts(api, account, posts, { apiVersion }) {
    const author = account.details.authorUrn ?? account.externalId;
    return isOrganization(author)
      ? organizationPosts(api, author, posts, apiVersion)
      : memberPosts(api, posts, apiVersion);
  },

  readAccount(api, account, range, { apiVersion }) {
    const author = account.details.authorUrn ?? account.externalId;
    return isOrganization(author)
      ? organizationAccount(api, author, range, apiVersion)
      : memberAccount(api, range, apiVersion);
  },
};
