import { and, eq, gte, inArray, lte, ne, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import type { Database } from "../db/client.js";
import {
  analyticsPlatformDays,
  analyticsPostDays,
  analyticsPostLatest,
  analyticsUnavailable,
  connections,
  media,
  posts,
  postTargets,
} from "../db/schema.js";
import type { MetricName } from "../platforms/analytics.js";
import type { PlatformId } from "../platforms/profiles.js";
import {
  accountOnlyMetrics,
  isPostMetric,
  latestColumn,
  notProvided,
  platformName,
  postMetricNames,
  provided,
} from "./catalogue.js";
import { postEngagementRate, rateFromSums, type EngagementRate } from "./engagement.js";
import type {
  platformReport,
  ReportFilters,
  reportView,
  seriesPoint,
  topPostView,
  unavailableView,
} from "./schemas.js";
import { TOP_PER_DAY } from "./rollups.js";
import { conversionTotals, noClicks, sumClicks, sumConversions, trackedClickTotals } from "../conversions/totals.js";

type PlatformReport = z.infer<typeof platformReport>;
type UnavailableView = z.infer<typeof unavailableView>;
type MetricValues = Partial<Record<MetricName, number | null>>;

/** Posts shown as a platform's best, by interactions: the days' rollups keep as many each. */
const TOP_POSTS = TOP_PER_DAY;
const DAY_MS = 86_400_000;

const nullableNumber = (value: unknown) => (value == null ? null : Number(value));
const sumOf = (column: AnyPgColumn) => sql<number | null>`sum(${column})`.mapWith(nullableNumber);

/**
 * Sums of every post metric over the posts published in the range, per platform: from the
 * day rollups (analytics_post_days), each itself the sum of that day's posts' latest values.
 */
async function postSums(db: Database, organizationId: string, filters: ReportFilters) {
  const days = analyticsPostDays;
  const sums = Object.fromEntries(
    postMetricNames.map((metric) => [metric, sumOf(days[latestColumn[metric as keyof typeof latestColumn]])]),
  ) as Record<keyof typeof latestColumn, ReturnType<typeof sumOf>>;
  return db
    .select({
      platform: days.platform,
      posts: sql<number>`sum(${days.posts})`.mapWith(Number),
      interactions: sumOf(days.interactions),
      ...sums,
      rateInteractions: sumOf(days.rateInteractions),
      rateViews: sumOf(days.rateViews),
      ratePosts: sql<number>`sum(${days.ratePosts})`.mapWith(Number),
      reachInteractions: sumOf(days.reachInteractions),
      reachBasis: sumOf(days.reachBasis),
      reachPosts: sql<number>`sum(${days.reachPosts})`.mapWith(Number),
      tops: sql<[string, number][][]>`jsonb_agg(${days.top})`,
    })
    .from(days)
    .where(
      and(
        eq(days.organizationId, organizationId),
        gte(days.day, filters.start),
        lte(days.day, filters.end),
        filters.platforms ? inArray(days.platform, filters.platforms) : undefined,
      ),
    )
    .groupBy(days.platform);
}

type SumRow = Awaited<ReturnType<typeof postSums>>[number];

/** The first `count` of a platform's days' best, by interactions then target id, without sorting them all. */
function bestOf(tops: readonly (readonly [string, number])[][], count: number): string[] {
  const before = (a: readonly [string, number], b: readonly [string, number]) =>
    a[1] > b[1] || (a[1] === b[1] && a[0] < b[0]);
  const best: (readonly [string, number])[] = [];
  for (const day of tops)
    for (const entry of day) {
      if (best.length === count && !before(entry, best[count - 1]!)) continue;
      let place = Math.min(best.length, count - 1);
      while (place > 0 && before(entry, best[place - 1]!)) place -= 1;
      best.splice(place, 0, entry);
      if (best.length > count) best.pop();
    }
  return best.map(([targetId]) => targetId);
}

/**
 * Each platform's best posts by interactions, with what the post said and showed: the range's
 * best are among its days' best, which the rollups keep, so every platform's candidates are
 * read by id in one query.
 */
async function topPosts(
  db: Database,
  organizationId: string,
  filters: ReportFilters,
  sums: readonly SumRow[],
  publicMediaUrl: (record: { publicToken: string; fileName: string }) => string,
) {
  const candidates = new Map(sums.map((row) => [row.platform, bestOf(row.tops, TOP_POSTS)]));
  const ids = [...candidates.values()].flat();
  const rows = ids.length
    ? await db
        .select({
          latest: analyticsPostLatest,
          text: posts.content,
          url: postTargets.remoteUrl,
          thumbnail: { publicToken: media.publicToken, fileName: media.fileName, contentType: media.contentType },
        })
        .from(analyticsPostLatest)
        .innerJoin(postTargets, eq(postTargets.id, analyticsPostLatest.targetId))
        .innerJoin(posts, eq(posts.id, postTargets.postId))
        .leftJoin(media, and(eq(media.id, sql`${posts.mediaIds}[1]`), eq(media.organizationId, organizationId)))
        .where(inArray(analyticsPostLatest.targetId, ids))
    : [];
  const byTarget = new Map(rows.map((row) => [row.latest.targetId, row]));
  const views = new Map<PlatformId, z.infer<typeof topPostView>[]>();
  for (const [platform, targetIds] of candidates)
    views.set(
      platform,
      targetIds.flatMap((targetId) => {
        const row = byTarget.get(targetId);
        if (!row) return [];
        const thumbnail = row.thumbnail?.contentType.startsWith("image/") ? row.thumbnail : null;
        return [
          {
            postId: row.latest.postId,
            targetId: row.latest.targetId,
            connectionId: row.latest.connectionId,
            platform: row.latest.platform,
            text: row.text,
            thumbnailUrl: thumbnail ? publicMediaUrl(thumbnail) : null,
            url: row.url,
            publishedAt: row.latest.publishedAt,
            metrics: latestValues(row.latest, filters.metrics),
            interactions: row.latest.interactions,
            engagementRate: postEngagementRate(row.latest),
          },
        ];
      }),
    );
  return views;
}

/** A latest row's values of the requested post metrics. */
export function latestValues(
  row: typeof analyticsPostLatest.$inferSelect,
  metrics: readonly MetricName[],
): MetricValues {
  return Object.fromEntries(metrics.filter(isPostMetric).map((metric) => [metric, row[latestColumn[metric]]]));
}

/**
 * Account metrics per platform and day, summed over its accounts (the platform day rollups), a
 * platform's whole range in one row.
 */
async function accountSeries(db: Database, organizationId: string, filters: ReportFilters) {
  const days = analyticsPlatformDays;
  const rows = await db
    .select({
      platform: days.platform,
      byDay: sql<Record<string, Partial<Record<MetricName, number>>>>`jsonb_object_agg(${days.day}, ${days.values})`,
    })
    .from(days)
    .where(
      and(
        eq(days.organizationId, organizationId),
        gte(days.day, filters.start),
        lte(days.day, filters.end),
        filters.platforms ? inArray(days.platform, filters.platforms) : undefined,
      ),
    )
    .groupBy(days.platform);
  return rows.flatMap((row) =>
    Object.entries(row.byDay).flatMap(([day, values]) =>
      filters.metrics.flatMap((metric) => {
        const value = values[metric];
        return value === undefined ? [] : [{ platform: row.platform, day, metric, value }];
      }),
    ),
  );
}

type SeriesRow = Awaited<ReturnType<typeof accountSeries>>[number];

/** Every day of the range with each metric the platform reads per day: a value, or null where none was read. */
export function seriesOf(rows: readonly SeriesRow[], filters: ReportFilters, accountMetrics: readonly MetricName[]) {
  const metrics = filters.metrics.filter((metric) => accountMetrics.includes(metric));
  const points: Record<string, string | number | null>[] = [];
  const byDay = new Map<string, Record<string, string | number | null>>();
  // Days stepped as instants: parsing each day's text back, for every day of a year, cost more than the rest.
  const last = Date.parse(`${filters.end}T00:00:00Z`);
  for (let at = Date.parse(`${filters.start}T00:00:00Z`); at <= last; at += DAY_MS) {
    const day = new Date(at).toISOString().slice(0, 10);
    const point: Record<string, string | number | null> = { day };
    for (const metric of metrics) point[metric] = null;
    points.push(point);
    byDay.set(day, point);
  }
  for (const row of rows) {
    const point = byDay.get(row.day);
    if (point && row.metric in point) point[row.metric] = row.value;
  }
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
  notes: Awaited<ReturnType<typeof unavailableNotes>>,
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

function rates(row: SumRow | undefined): { byViews: EngagementRate; byReach: EngagementRate } {
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
  const { db } = context;
  const accounts = await db
    .select({ platform: connections.platform, count: sql<number>`count(*)`.mapWith(Number) })
    .from(connections)
    .where(
      and(
        eq(connections.organizationId, organizationId),
        filters.platforms ? inArray(connections.platform, filters.platforms) : undefined,
      ),
    )
    .groupBy(connections.platform);
  const [sums, series, notes, clicks, converted] = await Promise.all([
    postSums(db, organizationId, filters),
    accountSeries(db, organizationId, filters),
    unavailableNotes(db, organizationId, { platforms: filters.platforms }),
    trackedClickTotals(context, organizationId, filters),
    conversionTotals(db, organizationId, filters),
  ]);
  const best = await topPosts(db, organizationId, filters, sums, publicMediaUrl);
  const reported = filters.platforms ?? accounts.map((row) => row.platform);
  const postMetrics = filters.metrics.filter(isPostMetric);
  const reports: Partial<Record<PlatformId, PlatformReport>> = {};
  for (const platform of reported) {
    const row = sums.find((candidate) => candidate.platform === platform);
    const accountCount = accounts.find((candidate) => candidate.platform === platform)?.count ?? 0;
    const { byViews, byReach } = rates(row);
    const hasReach = provided(platform).post.includes("reach");
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
      topPosts: best.get(platform) ?? [],
      series: seriesOf(
        series.filter((point) => point.platform === platform),
        filters,
        provided(platform).account.length > 0 ? provided(platform).account : accountOnlyMetrics,
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
