import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { organizationLogos, organizations, type reports } from "../db/schema.js";
import { analyticsReport } from "../analytics/report.js";
import type { reportView as analyticsView } from "../analytics/schemas.js";
import { metricNames } from "../platforms/analytics.js";
import { publicMediaUrl } from "../posts/media.js";
import { previousRange, type DayRange } from "./periods.js";
import type { kpiNames, ReportContent } from "./schemas.js";
import type { z } from "zod";

type Report = typeof reports.$inferSelect;
type Analytics = z.infer<typeof analyticsView>;
type Kpi = ReportContent["kpis"][number];

/** Posts listed as the report's best, across platforms. */
const TOP_POSTS = 5;

const change = (value: number | null, previous: number | null) =>
  value === null || previous === null || previous === 0 ? null : (value - previous) / previous;

/** Why a figure is missing, in the platforms' own notes where they gave one. */
function missing(analytics: Analytics, metric: string, fallback: string): string {
  const notes = Object.values(analytics.platforms).flatMap((platform) =>
    platform.unavailable.filter((note) => note.metric === metric).map((note) => `${platform.name}: ${note.message}`),
  );
  return notes.length > 0 ? [...new Set(notes)].join("; ") : fallback;
}

function kpi(
  name: (typeof kpiNames)[number],
  label: string,
  value: number | null,
  previous: number | null,
  unavailable: () => string,
  note: string | null = null,
): Kpi {
  return {
    name,
    label,
    value,
    previous,
    change: change(value, previous),
    unavailable: value === null ? unavailable() : null,
    note,
  };
}

/** Impressions per day, summed over the platforms that read them per day. */
function dailyImpressions(analytics: Analytics) {
  const byDay = new Map<string, number | null>();
  for (const platform of Object.values(analytics.platforms))
    for (const point of platform.series) {
      const value = point.views;
      const before = byDay.get(point.day) ?? null;
      byDay.set(point.day, typeof value === "number" ? (before ?? 0) + value : before);
    }
  return [...byDay.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, impressions]) => ({ day, impressions }));
}

/**
 * A report's content over a range: the analytics answer's totals (the same figures
 * GET /api/analytics gives for those days) against the period before, its daily impressions,
 * platforms and best posts, and every missing figure said as missing.
 */
export async function reportContent(context: AppContext, report: Report, range: DayRange): Promise<ReportContent> {
  const mediaUrl = (record: { publicToken: string; fileName: string }) => publicMediaUrl(context, record);
  const before = previousRange(range);
  const filters = (days: DayRange) => ({ ...days, metrics: [...metricNames] });
  const [current, previous, [organization], [logo]] = await Promise.all([
    analyticsReport(context.db, report.organizationId, filters(range), mediaUrl),
    analyticsReport(context.db, report.organizationId, filters(before), mediaUrl),
    context.db
      .select({ name: organizations.name })
      .from(organizations)
      .where(eq(organizations.id, report.organizationId)),
    context.db
      .select({ mediaId: organizationLogos.mediaId })
      .from(organizationLogos)
      .where(eq(organizationLogos.organizationId, report.organizationId)),
  ]);
  const total = current.total;
  const rate = total.engagementRate;
  const kpis: Kpi[] = [
    kpi("reach", "Reach", total.totalReach, previous.total.totalReach, () =>
      missing(current, "reach", "no reach was read"),
    ),
    kpi("impressions", "Impressions", total.totalImpressions, previous.total.totalImpressions, () =>
      missing(current, "views", "no impressions were read"),
    ),
    kpi("engagements", "Engagements", total.totalEngagement, previous.total.totalEngagement, () =>
      missing(current, "reactions", "no interactions were read"),
    ),
    kpi(
      "engagementRate",
      "Engagement rate",
      rate.value,
      previous.total.engagementRate.value,
      () => "no post had both interactions and views",
      `engagements ÷ ${rate.basis} over ${rate.posts} posts` +
        (rate.postsWithoutViews > 0 ? `; ${rate.postsWithoutViews} without ${rate.basis} left out` : ""),
    ),
    kpi(
      "clicks",
      "Clicks",
      total.totals.clicks ?? null,
      previous.total.totals.clicks ?? null,
      () => missing(current, "clicks", "no clicks were read"),
      "as the platforms report them",
    ),
    kpi("conversions", "Conversions", null, null, () => "conversions are not tracked for this organization"),
  ];
  return {
    title: report.title,
    organization: { name: organization?.name ?? "", logo: Boolean(logo) },
    scope: { kind: report.campaignId ? "campaign" : "organization", campaignId: report.campaignId },
    range,
    previousRange: before,
    generatedAt: new Date(context.clock.now()),
    kpis,
    engagementRate: rate,
    daily: dailyImpressions(current),
    platforms: Object.values(current.platforms).map((platform) => ({
      platform: platform.platform,
      name: platform.name,
      accounts: platform.accounts,
      posts: platform.posts,
      reach: platform.totalReach,
      impressions: platform.totalImpressions,
      engagements: platform.totalEngagement,
      engagementRate: platform.engagementRate.value,
    })),
    topPosts: Object.values(current.platforms)
      .flatMap((platform) => platform.topPosts.map((post) => ({ post, platformName: platform.name })))
      .sort((a, b) => (b.post.interactions ?? -1) - (a.post.interactions ?? -1))
      .slice(0, TOP_POSTS)
      .map(({ post, platformName }) => ({
        platform: post.platform,
        platformName,
        text: post.text,
        url: post.url,
        publishedAt: post.publishedAt,
        impressions: post.metrics.views ?? null,
        interactions: post.interactions,
        engagementRate: post.engagementRate,
      })),
    unavailable: Object.values(current.platforms).flatMap((platform) =>
      platform.unavailable
        .filter((note) => ["views", "reach", "reactions", "comments", "shares", "clicks"].includes(note.metric))
        .map((note) => ({ platform: platform.name, metric: note.metric, message: note.message })),
    ),
  };
}
