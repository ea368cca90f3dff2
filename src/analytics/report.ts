import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import type { Database } from "../db/client.js";
import { analyticsPostLatest, analyticsUnavailable, connections } from "../db/schema.js";
import type { MetricName } from "../platforms/analytics.js";
import type { PlatformId } from "../platforms/profiles.js";
import { accountOnlyMetrics, isPostMetric, latestColumn, notProvided, platformName, provided } from "./catalogue.js";
import { postEngagementRate, rateFromSums, type EngagementRate } from "./engagement.js";
import type {
  platformReport,
  ReportFilters,
  reportView,
  seriesPoint,
  topPostView,
  unavailableView,
} from "./schemas.js";
import { reportData, type BestPost, type PlatformSums, type UnavailableNote } from "./report-query.js";
import { conversionTotals, noClicks, sumClicks, sumConversions, trackedClickTotals } from "../conversions/totals.js";

type PlatformReport = z.infer<typeof platformReport>;
type UnavailableView = z.infer<typeof unavailableView>;
type MetricValues = Partial<Record<MetricName, number | null>>;
type DayValues = Partial<Record<MetricName, number>>;

const DAY_MS = 86_400_000;

/** A platform's best posts as the report shows them. */
function topPostViews(
  best: readonly BestPost[],
  filters: ReportFilters,
  publicMediaUrl: (record: { publicToken: string; fileName: string }) => string,
): z.infer<typeof topPostView>[] {
  return best.map((post) => {
    const thumbnail = post.thumbnail?.contentType.startsWith("image/") ? post.thumbnail : null;
    return {
      postId: post.postId,
      targetId: post.targetId,
      connectionId: post.connectionId,
      platform: post.platform,
      text: post.text,
      thumbnailUrl: thumbnail ? publicMediaUrl(thumbnail) : null,
      url: post.url,
      publishedAt: new Date(post.publishedAt),
      metrics: Object.fromEntries(filters.metrics.filter(isPostMetric).map((metric) => [metric, post[metric] ?? null])),
      interactions: post.interactions,
      engagementRate: postEngagementRate({
        interactions: post.interactions,
        views: post.views ?? null,
        reach: post.reach ?? null,
      }),
    };
  });
}

/** A latest row's values of the requested post metrics. */
export function latestValues(
  row: typeof analyticsPostLatest.$inferSelect,
  metrics: readonly MetricName[],
): MetricValues {
  return Object.fromEntries(metrics.filter(isPostMetric).map((metric) => [metric, row[latestColumn[metric]]]));
}

/** Every day from start to end, stepped as instants: parsing each day's text back cost more than the rest. */
export function daysOf(range: { start: string; end: string }): string[] {
  const days: string[] = [];
  const last = Date.parse(`${range.end}T00:00:00Z`);
  for (let at = Date.parse(`${range.start}T00:00:00Z`); at <= last; at += DAY_MS)
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

/** Each of the days with each of the metrics: the day's value, or null where none was read. */
export function seriesOf(
  byDay: Readonly<Record<string, DayValues>> | undefined,
  days: readonly string[],
  metrics: readonly MetricName[],
) {
  const points = days.map((day) => {
    const values = byDay?.[day];
    const point: Record<string, string | number | null> = { day };
    for (const metric of metrics) point[metric] = values?.[metric] ?? null;
    return point;
  });
  // zod's type for a record with one string key among numbers cannot be written out: this is its shape.
  return points as unknown as z.infer<typeof seriesPoint>[];
}

/** The platform's notes of unavailable metrics, grouped by what they say. */
export async function unavailableNotes(
  db: Database,
  organizationId: string,
  where: { platforms?: PlatformId[]; connectionId?: string; targetId?: string },
) {
  return db
    .select({
      platform: connections.platform,
      metric: analyticsUnavailable.metric,
      reason: analyticsUnavailable.reason,
      message: analyticsUnavailable.message,
      reconnectFor: analyticsUnavailable.reconnectFor,
      accounts: sql<number>`count(distinct ${analyticsUnavailable.connectionId})`.mapWith(Number),
      posts: sql<number>`count(${analyticsUnavailable.targetId})`.mapWith(Number),
    })
    .from(analyticsUnavailable)
    .innerJoin(connections, eq(connections.id, analyticsUnavailable.connectionId))
    .where(
      and(
        eq(analyticsUnavailable.organizationId, organizationId),
        where.platforms ? inArray(connections.platform, where.platforms) : undefined,
        where.connectionId ? eq(analyticsUnavailable.connectionId, where.connectionId) : undefined,
        where.targetId ? eq(analyticsUnavailable.targetId, where.targetId) : undefined,
      ),
    )
    .groupBy(
      connections.platform,
      analyticsUnavailable.metric,
      analyticsUnavailable.reason,
      analyticsUnavailable.message,
      analyticsUnavailable.reconnectFor,
    )
    .orderBy(analyticsUnavailable.metric);
}

/** What the platform lacks by nature, then what it did not answer: each requested metric at most once per reason. */
export function unavailableFor(
  platform: PlatformId,
  metrics: readonly MetricName[],
  notes: readonly UnavailableNote[],
  accounts: number,
  level?: "post" | "account",
): UnavailableView[] {
  const lacking = notProvided(platform, metrics, level).map((entry) => ({
    ...entry,
    reconnectFor: null,
    accounts,
    posts: 0,
  }));
  const lackingNames = new Set(lacking.map((entry) => entry.metric));
  const noted = notes
    .filter((note) => note.platform === platform && metrics.includes(note.metric) && !lackingNames.has(note.metric))
    .map((note) => ({
      metric: note.metric,
      reason: note.reason,
      message: note.message,
      reconnectFor: note.reconnectFor,
      accounts: note.accounts,
      posts: note.posts,
    }));
  return [...lacking, ...noted];
}

function rates(row: PlatformSums | undefined): { byViews: EngagementRate; byReach: EngagementRate } {
  return {
    byViews: rateFromSums({
      interactions: row?.rateInteractions ?? null,
      basis: row?.rateViews ?? null,
      posts: row?.ratePosts ?? 0,
      postsWithoutBasis: (row?.posts ?? 0) - (row?.ratePosts ?? 0),
      basisName: "views",
    }),
    byReach: rateFromSums({
      interactions: row?.reachInteractions ?? null,
      basis: row?.reachBasis ?? null,
      posts: row?.reachPosts ?? 0,
      postsWithoutBasis: (row?.posts ?? 0) - (row?.reachPosts ?? 0),
      basisName: "reach",
    }),
  };
}

/** Adds nullable figures: null only when every one is. */
export const addNullable = (values: readonly (number | null | undefined)[]) =>
  values.reduce<number | null>((sum, value) => (value == null ? sum : (sum ?? 0) + value), null);

/**
 * The report behind GET /api/analytics: per platform, totals over the posts published in the
 * range (each the sum of the posts' latest stored values), the engagement rate as a ratio of
 * those sums, the best posts, a daily series of account metrics, and why metrics are missing;
 * then the same totals across platforms, each the sum of the platforms'.
 */
export async function analyticsReport(
  context: AppContext,
  organizationId: string,
  filters: ReportFilters,
  publicMediaUrl: (record: { publicToken: string; fileName: string }) => string,
): Promise<z.infer<typeof reportView>> {
  const [{ accounts, sums, best, series, notes }, clicks, converted] = await Promise.all([
    reportData(context.db, organizationId, filters),
    trackedClickTotals(context, organizationId, filters),
    conversionTotals(context.db, organizationId, filters),
  ]);
  const valuesByDay = new Map<PlatformId, Record<string, DayValues>>();
  for (const month of series)
    valuesByDay.set(month.platform, Object.assign(valuesByDay.get(month.platform) ?? {}, month.days));
  const days = daysOf(filters);
  const reported = filters.platforms ?? accounts.map((row) => row.platform);
  const postMetrics = filters.metrics.filter(isPostMetric);
  const reports: Partial<Record<PlatformId, PlatformReport>> = {};
  for (const platform of reported) {
    const row = sums.find((candidate) => candidate.platform === platform);
    const accountCount = accounts.find((candidate) => candidate.platform === platform)?.count ?? 0;
    const { byViews, byReach } = rates(row);
    const hasReach = provided(platform).post.includes("reach");
    const seriesMetrics = provided(platform).account.length > 0 ? provided(platform).account : accountOnlyMetrics;
    reports[platform] = {
      platform,
      name: platformName(platform),
      accounts: accountCount,
      posts: row?.posts ?? 0,
      totalReach: row?.reach ?? null,
      totalImpressions: row?.views ?? null,
      totalEngagement: row?.interactions ?? null,
      totals: Object.fromEntries(postMetrics.map((metric) => [metric, row?.[metric] ?? null])),
      engagementRate: byViews,
      engagementRateByReach: hasReach ? byReach : null,
      topPosts: topPostViews(
        best.filter((post) => post.platform === platform),
        filters,
        publicMediaUrl,
      ),
      series: seriesOf(
        valuesByDay.get(platform),
        days,
        filters.metrics.filter((metric) => seriesMetrics.includes(metric)),
      ),
      unavailable: unavailableFor(platform, filters.metrics, notes, accountCount),
      trackedClicks: clicks.get(platform) ?? noClicks,
      conversions: converted.byPlatform.get(platform) ?? { count: 0, values: [] },
    };
  }
  const included = reported.map((platform) => sums.find((row) => row.platform === platform));
  const all = Object.values(reports);
  const across = {
    interactions: addNullable(included.map((row) => row?.rateInteractions)),
    basis: addNullable(included.map((row) => row?.rateViews)),
    posts: included.reduce((sum, row) => sum + (row?.ratePosts ?? 0), 0),
  };
  const postCount = all.reduce((sum, report) => sum + report.posts, 0);
  return {
    range: { start: filters.start, end: filters.end },
    metrics: filters.metrics,
    platforms: reports,
    total: {
      totalReach: addNullable(all.map((report) => report.totalReach)),
      totalImpressions: addNullable(all.map((report) => report.totalImpressions)),
      totalEngagement: addNullable(all.map((report) => report.totalEngagement)),
      totals: Object.fromEntries(
        postMetrics.map((metric) => [metric, addNullable(all.map((report) => report.totals[metric]))]),
      ),
      engagementRate: rateFromSums({
        interactions: across.interactions,
        basis: across.basis,
        posts: across.posts,
        postsWithoutBasis: postCount - across.posts,
        basisName: "views",
      }),
      posts: postCount,
      trackedClicks: sumClicks(all.map((report) => report.trackedClicks)),
      conversions: sumConversions(all.map((report) => report.conversions)),
    },
    unattributedConversions: converted.unattributed,
  };
}

/** Connections that count as active on the Overview: every one not disconnected. */
export async function activeConnectionCount(db: Database, organizationId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(connections)
    .where(and(eq(connections.organizationId, organizationId), ne(connections.status, "disconnected")));
  return row?.count ?? 0;
}
