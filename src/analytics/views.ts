import { and, asc, desc, eq, gte, inArray, lt, lte, max, sql } from "drizzle-orm";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import {
  analyticsAccountDays,
  analyticsPostLatest,
  analyticsPostSnapshots,
  analyticsSchedule,
  connections,
  posts,
  postTargets,
} from "../db/schema.js";
import { notFound } from "../errors.js";
import type { MetricName } from "../platforms/analytics.js";
import { metricNames } from "../platforms/analytics.js";
import { isPostMetric, provided } from "./catalogue.js";
import { periodEngagementRate, rateFromSums } from "./engagement.js";
import { activeConnectionCount, daysOf, latestValues, seriesOf, unavailableFor, unavailableNotes } from "./report.js";
import type { accountReportView, overviewView, postMetricsView } from "./schemas.js";
import { DEFAULT_RANGE_DAYS, shiftDay } from "./schemas.js";

/** Each account's metrics for one post of the organization: the latest values and every snapshot. */
export async function postMetrics(
  context: AppContext,
  organizationId: string,
  postId: string,
): Promise<z.infer<typeof postMetricsView>> {
  const { db } = context;
  const [post] = await db
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.id, postId), eq(posts.organizationId, organizationId)));
  if (!post) throw notFound("That post", "postId");
  const targets = await db
    .select({
      target: postTargets,
      accountName: connections.name,
      latest: analyticsPostLatest,
      nextDueAt: analyticsSchedule.nextDueAt,
      lastError: analyticsSchedule.lastError,
    })
    .from(postTargets)
    .innerJoin(connections, eq(connections.id, postTargets.connectionId))
    .leftJoin(analyticsPostLatest, eq(analyticsPostLatest.targetId, postTargets.id))
    .leftJoin(analyticsSchedule, eq(analyticsSchedule.subjectId, postTargets.id))
    .where(eq(postTargets.postId, postId))
    .orderBy(asc(postTargets.createdAt));
  const history = targets.length
    ? await db
        .select()
        .from(analyticsPostSnapshots)
        .where(
          inArray(
            analyticsPostSnapshots.targetId,
            targets.map((row) => row.target.id),
          ),
        )
        .orderBy(asc(analyticsPostSnapshots.fetchedAt), asc(analyticsPostSnapshots.metric))
    : [];
  const views = [];
  for (const { target, accountName, latest, nextDueAt, lastError } of targets) {
    const notes = await unavailableNotes(db, organizationId, { targetId: target.id });
    const metrics = metricNames.filter((metric) => isPostMetric(metric));
    views.push({
      targetId: target.id,
      connectionId: target.connectionId,
      platform: target.platform,
      accountName,
      remoteId: target.remotePostId,
      url: target.remoteUrl,
      publishedAt: target.publishedAt,
      metrics: latest ? latestValues(latest, metrics) : {},
      sources: latest?.sources ?? {},
      interactions: latest?.interactions ?? null,
      engagementRate: periodEngagementRate(latest ? [latest] : []),
      fetchedAt: latest?.fetchedAt ?? null,
      nextCollectionAt: nextDueAt ?? null,
      lastError: lastError ?? null,
      unavailable: unavailableFor(target.platform, metrics, notes, 1, "post"),
      history: history
        .filter((snapshot) => snapshot.targetId === target.id)
        .map((snapshot) => ({
          metric: snapshot.metric,
          source: snapshot.source,
          value: snapshot.value,
          fetchedAt: snapshot.fetchedAt,
        })),
    });
  }
  return { postId, targets: views };
}

/** One account's daily series over a range, its followers and their growth, and what it lacks. */
export async function accountReport(
  context: AppContext,
  organizationId: string,
  connectionId: string,
  range: { start?: string; end?: string },
): Promise<z.infer<typeof accountReportView>> {
  const { db } = context;
  const [connection] = await db
    .select({ connection: connections, schedule: analyticsSchedule })
    .from(connections)
    .leftJoin(analyticsSchedule, eq(analyticsSchedule.subjectId, connections.id))
    .where(and(eq(connections.id, connectionId), eq(connections.organizationId, organizationId)));
  if (!connection) throw notFound("That account", "connectionId");
  const { platform } = connection.connection;
  const today = new Date(context.clock.now()).toISOString().slice(0, 10);
  const end = range.end ?? today;
  const start = range.start ?? shiftDay(end, -(DEFAULT_RANGE_DAYS - 1));
  const accountMetrics = provided(platform).account;
  const rows = await db
    .select({
      platform: analyticsAccountDays.platform,
      day: analyticsAccountDays.day,
      metric: analyticsAccountDays.metric,
      value: analyticsAccountDays.value,
    })
    .from(analyticsAccountDays)
    .where(
      and(
        eq(analyticsAccountDays.connectionId, connectionId),
        gte(analyticsAccountDays.day, start),
        lte(analyticsAccountDays.day, end),
      ),
    );
  const followerDays = rows.filter((row) => row.metric === "followers").sort((a, b) => a.day.localeCompare(b.day));
  const growthDays = rows.filter((row) => row.metric === "follower_growth");
  const last = followerDays.at(-1);
  const first = followerDays[0];
  const growth =
    growthDays.length > 0
      ? growthDays.reduce((sum, row) => sum + row.value, 0)
      : first && last && first !== last
        ? last.value - first.value
        : null;
  const notes = await unavailableNotes(db, organizationId, { connectionId });
  const byDay: Record<string, Partial<Record<MetricName, number>>> = {};
  for (const row of rows) (byDay[row.day] ??= {})[row.metric] = row.value;
  return {
    connectionId,
    platform,
    name: connection.connection.name,
    range: { start, end },
    series: seriesOf(byDay, daysOf({ start, end }), accountMetrics),
    followers: { current: last?.value ?? null, asOf: last?.day ?? null, growth },
    lastCollectedAt: connection.schedule?.lastCollectedAt ?? null,
    nextCollectionAt: connection.schedule?.nextDueAt ?? null,
    lastError: connection.schedule?.lastError ?? null,
    unavailable: unavailableFor(platform, metricNames, notes, 1),
  };
}

/**
 * The Overview's tiles. Active connections and posts published today are counted for this
 * answer; the engagement rate and reach are sums of stored values (collected every 15 minutes
 * for young posts and hourly after), over the posts published in the last 30 days, with the time
 * of the newest value they include.
 */
export async function overview(context: AppContext, organizationId: string): Promise<z.infer<typeof overviewView>> {
  const { db, clock } = context;
  const now = clock.now();
  const today = new Date(now).toISOString().slice(0, 10);
  const start = shiftDay(today, -(DEFAULT_RANGE_DAYS - 1));
  const [active, [published], [sums]] = await Promise.all([
    activeConnectionCount(db, organizationId),
    db
      .select({ count: sql<number>`count(distinct ${postTargets.postId})`.mapWith(Number) })
      .from(postTargets)
      .where(
        and(
          eq(postTargets.organizationId, organizationId),
          eq(postTargets.state, "published"),
          gte(postTargets.publishedAt, new Date(`${today}T00:00:00Z`)),
        ),
      ),
    db
      .select({
        posts: sql<number>`count(*)`.mapWith(Number),
        reach: sql<number | null>`sum(${analyticsPostLatest.reach})`.mapWith((value) =>
          value == null ? null : Number(value),
        ),
        interactions: sql<
          number | null
        >`sum(${analyticsPostLatest.interactions}) filter (where ${analyticsPostLatest.views} > 0)`.mapWith((value) =>
          value == null ? null : Number(value),
        ),
        views: sql<
          number | null
        >`sum(${analyticsPostLatest.views}) filter (where ${analyticsPostLatest.views} > 0 and ${analyticsPostLatest.interactions} is not null)`.mapWith(
          (value) => (value == null ? null : Number(value)),
        ),
        rated:
          sql<number>`count(*) filter (where ${analyticsPostLatest.views} > 0 and ${analyticsPostLatest.interactions} is not null)`.mapWith(
            Number,
          ),
        asOf: max(analyticsPostLatest.fetchedAt),
      })
      .from(analyticsPostLatest)
      .where(
        and(
          eq(analyticsPostLatest.organizationId, organizationId),
          gte(analyticsPostLatest.publishedAt, new Date(`${start}T00:00:00Z`)),
          lt(analyticsPostLatest.publishedAt, new Date(`${shiftDay(today, 1)}T00:00:00Z`)),
        ),
      ),
  ]);
  const asOf = sums?.asOf ? new Date(sums.asOf) : null;
  const live = { kind: "live" as const, asOf: new Date(now), refreshMinutes: null };
  return {
    activeConnections: { value: active, freshness: live },
    postsToday: { value: published?.count ?? 0, freshness: live },
    engagementRate: {
      ...rateFromSums({
        interactions: sums?.interactions ?? null,
        basis: sums?.views ?? null,
        posts: sums?.rated ?? 0,
        postsWithoutBasis: (sums?.posts ?? 0) - (sums?.rated ?? 0),
        basisName: "views",
      }),
      freshness: { kind: "stored", asOf, refreshMinutes: 15 },
    },
    reach: { value: sums?.reach ?? null, freshness: { kind: "stored", asOf, refreshMinutes: 60 } },
    range: { start, end: today },
  };
}

/** The newest stored post values first: for the export's rows. */
export async function exportedPosts(
  context: AppContext,
  organizationId: string,
  filters: { start: string; end: string; platforms?: string[] },
) {
  return context.db
    .select({
      latest: analyticsPostLatest,
      accountName: connections.name,
      url: postTargets.remoteUrl,
      text: posts.content,
    })
    .from(analyticsPostLatest)
    .innerJoin(connections, eq(connections.id, analyticsPostLatest.connectionId))
    .innerJoin(postTargets, eq(postTargets.id, analyticsPostLatest.targetId))
    .innerJoin(posts, eq(posts.id, analyticsPostLatest.postId))
    .where(
      and(
        eq(analyticsPostLatest.organizationId, organizationId),
        gte(analyticsPostLatest.publishedAt, new Date(`${filters.start}T00:00:00Z`)),
        lt(analyticsPostLatest.publishedAt, new Date(`${shiftDay(filters.end, 1)}T00:00:00Z`)),
        filters.platforms ? inArray(analyticsPostLatest.platform, filters.platforms as never[]) : undefined,
      ),
    )
    .orderBy(desc(analyticsPostLatest.publishedAt), asc(analyticsPostLatest.targetId));
}
