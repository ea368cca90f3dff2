import { and, eq, gte, lt } from "drizzle-orm";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import { analyticsPostLatest, organizationLogos, organizations, posts, type reports } from "../db/schema.js";
import { platformName } from "../analytics/catalogue.js";
import { periodEngagementRate, type EngagementRate } from "../analytics/engagement.js";
import { addNullable, analyticsReport } from "../analytics/report.js";
import type { reportView as analyticsView } from "../analytics/schemas.js";
import { campaignRoi } from "../conversions/roi.js";
import { metricNames } from "../platforms/analytics.js";
import type { PlatformId } from "../platforms/profiles.js";
import { publicMediaUrl } from "../posts/media.js";
import { previousRange, type DayRange } from "./periods.js";
import type { kpiNames, ReportContent } from "./schemas.js";

type Report = typeof reports.$inferSelect;
type Analytics = z.infer<typeof analyticsView>;
type Kpi = ReportContent["kpis"][number];

/** Posts listed as the report's best, across platforms. */
const TOP_POSTS = 5;
const DAY_MS = 86_400_000;

/** A range's figures, whichever scope they were read for: what the KPIs, table and lists are made of. */
interface Figures {
  reach: number | null;
  impressions: number | null;
  engagements: number | null;
  rate: EngagementRate;
  clicks: number | null;
  clicksNote: string;
  conversions: number | null;
  conversionsNote: string;
  roi?: { value: number | null; note: string };
  daily: ReportContent["daily"];
  dailyNote: string | null;
  platforms: ReportContent["platforms"];
  topPosts: ReportContent["topPosts"];
  unavailable: ReportContent["unavailable"];
}

const change = (value: number | null, previous: number | null) =>
  value === null || previous === null || previous === 0 ? null : (value - previous) / previous;

function kpi(
  name: (typeof kpiNames)[number],
  label: string,
  value: number | null,
  previous: number | null,
  why: string,
  note: string | null,
): Kpi {
  return {
    name,
    label,
    value,
    previous,
    change: change(value, previous),
    unavailable: value === null ? why : null,
    note,
  };
}

/** Conversion values per currency, as text: never added across currencies. */
const valuesText = (values: readonly { currency: string; value: string }[]) =>
  values.length === 0 ? "no value" : values.map((entry) => `${entry.value} ${entry.currency}`).join(", ");

/** Impressions per day, summed over the platforms that read them per day. */
function dailyImpressions(analytics: Analytics): ReportContent["daily"] {
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

const RATED_METRICS = ["views", "reach", "reactions", "comments", "shares", "clicks"];

/** The whole organization: the analytics answer for the range, as GET /api/analytics gives it. */
async function organizationFigures(context: AppContext, organizationId: string, range: DayRange): Promise<Figures> {
  const mediaUrl = (record: { publicToken: string; fileName: string }) => publicMediaUrl(context, record);
  const analytics = await analyticsReport(context, organizationId, { ...range, metrics: [...metricNames] }, mediaUrl);
  const { total } = analytics;
  const platforms = Object.values(analytics.platforms);
  return {
    reach: total.totalReach,
    impressions: total.totalImpressions,
    engagements: total.totalEngagement,
    rate: total.engagementRate,
    clicks: total.trackedClicks.clicks,
    clicksNote:
      `people's clicks on tracked links; ${total.trackedClicks.botClicks} by bots and link previews counted apart; ` +
      `the platforms reported ${total.totals.clicks ?? "none"}`,
    conversions: total.conversions.count,
    conversionsNote:
      `attributed to tracked clicks, worth ${valuesText(total.conversions.values)}` +
      (analytics.unattributedConversions.count > 0
        ? `; ${analytics.unattributedConversions.count} more no click accounts for`
        : ""),
    daily: dailyImpressions(analytics),
    dailyNote: null,
    platforms: platforms.map((platform) => ({
      platform: platform.platform,
      name: platform.name,
      accounts: platform.accounts,
      posts: platform.posts,
      reach: platform.totalReach,
      impressions: platform.totalImpressions,
      engagements: platform.totalEngagement,
      engagementRate: platform.engagementRate.value,
    })),
    topPosts: platforms
      .flatMap((platform) => platform.topPosts)
      .sort((a, b) => (b.interactions ?? -1) - (a.interactions ?? -1))
      .slice(0, TOP_POSTS)
      .map((post) => ({
        platform: post.platform,
        platformName: platformName(post.platform),
        text: post.text,
        url: post.url,
        publishedAt: post.publishedAt,
        impressions: post.metrics.views ?? null,
        interactions: post.interactions,
        engagementRate: post.engagementRate,
      })),
    unavailable: platforms.flatMap((platform) =>
      platform.unavailable
        .filter((note) => RATED_METRICS.includes(note.metric))
        .map((note) => ({ platform: platform.name, metric: note.metric, message: note.message })),
    ),
  };
}

/**
 * One campaign: its posts' latest stored values (the posts published in the range), and its
 * clicks, conversions and ROI as GET /api/campaigns/{id}/roi gives them for the range.
 */
async function campaignFigures(
  context: AppContext,
  organizationId: string,
  campaignId: string,
  range: DayRange,
): Promise<Figures> {
  const [roi, rows] = await Promise.all([
    campaignRoi(context, organizationId, campaignId, range),
    context.db
      .select({ latest: analyticsPostLatest, text: posts.content })
      .from(analyticsPostLatest)
      .innerJoin(posts, eq(posts.id, analyticsPostLatest.postId))
      .where(
        and(
          eq(analyticsPostLatest.organizationId, organizationId),
          eq(posts.campaignId, campaignId),
          gte(analyticsPostLatest.publishedAt, new Date(`${range.start}T00:00:00Z`)),
          lt(analyticsPostLatest.publishedAt, new Date(Date.parse(`${range.end}T00:00:00Z`) + DAY_MS)),
        ),
      ),
  ]);
  const values = rows.map((row) => row.latest);
  const byPlatform = new Map<PlatformId, typeof values>();
  for (const row of values) byPlatform.set(row.platform, [...(byPlatform.get(row.platform) ?? []), row]);
  return {
    reach: addNullable(values.map((row) => row.reach)),
    impressions: addNullable(values.map((row) => row.views)),
    engagements: addNullable(values.map((row) => row.interactions)),
    rate: periodEngagementRate(values),
    clicks: roi.clicks.clicks,
    clicksNote: `people's clicks on the campaign's tracked links; ${roi.clicks.botClicks} by bots and link previews counted apart`,
    conversions: roi.conversions.count,
    conversionsNote:
      `attributed within ${roi.attributionWindowDays} days of a click; ${roi.conversions.withValueInCurrency} with a value in ${roi.currency}` +
      (roi.conversions.otherCurrencies.length > 0
        ? `; in other currencies, not counted in revenue: ${valuesText(roi.conversions.otherCurrencies)}`
        : ""),
    roi: {
      value: roi.roi,
      note:
        `(revenue ${roi.revenue} - cost ${roi.cost}) ÷ cost, in ${roi.currency}, over ${roi.costEntries} cost entries` +
        (roi.costPerClick ? `; cost per click ${roi.costPerClick}` : "") +
        (roi.costPerConversion ? `; cost per conversion ${roi.costPerConversion}` : ""),
    },
    daily: [],
    dailyNote: "Daily impressions are read per account, not per campaign.",
    platforms: [...byPlatform.entries()].map(([platform, rowsOf]) => ({
      platform,
      name: platformName(platform),
      accounts: new Set(rowsOf.map((row) => row.connectionId)).size,
      posts: rowsOf.length,
      reach: addNullable(rowsOf.map((row) => row.reach)),
      impressions: addNullable(rowsOf.map((row) => row.views)),
      engagements: addNullable(rowsOf.map((row) => row.interactions)),
      engagementRate: periodEngagementRate(rowsOf).value,
    })),
    topPosts: [...rows]
      .sort((a, b) => (b.latest.interactions ?? -1) - (a.latest.interactions ?? -1))
      .slice(0, TOP_POSTS)
      .map(({ latest, text }) => ({
        platform: latest.platform,
        platformName: platformName(latest.platform),
        text,
        url: null,
        publishedAt: latest.publishedAt,
        impressions: latest.views,
        interactions: latest.interactions,
        engagementRate: latest.views && latest.interactions !== null ? latest.interactions / latest.views : null,
      })),
    unavailable: [],
  };
}

/**
 * A report's content over a range, against the as-long period before: for the organization,
 * the figures GET /api/analytics gives for those days; for a campaign, its posts' figures and
 * its ROI. Every missing figure is said as missing.
 */
export async function reportContent(context: AppContext, report: Report, range: DayRange): Promise<ReportContent> {
  const before = previousRange(range);
  const figuresOf = (days: DayRange) =>
    report.campaignId
      ? campaignFigures(context, report.organizationId, report.campaignId, days)
      : organizationFigures(context, report.organizationId, days);
  const [current, previous, [organization], [logo]] = await Promise.all([
    figuresOf(range),
    figuresOf(before),
    context.db
      .select({ name: organizations.name })
      .from(organizations)
      .where(eq(organizations.id, report.organizationId)),
    context.db
      .select({ mediaId: organizationLogos.mediaId })
      .from(organizationLogos)
      .where(eq(organizationLogos.organizationId, report.organizationId)),
  ]);
  const rate = current.rate;
  const noted = (metric: string, fallback: string) => {
    const notes = current.unavailable
      .filter((note) => note.metric === metric)
      .map((note) => `${note.platform}: ${note.message}`);
    return notes.length > 0 ? [...new Set(notes)].join("; ") : fallback;
  };
  const kpis: Kpi[] = [
    kpi("reach", "Reach", current.reach, previous.reach, noted("reach", "no reach was read"), null),
    kpi(
      "impressions",
      "Impressions",
      current.impressions,
      previous.impressions,
      noted("views", "no impressions were read"),
      null,
    ),
    kpi(
      "engagements",
      "Engagements",
      current.engagements,
      previous.engagements,
      noted("reactions", "no interactions were read"),
      null,
    ),
    kpi(
      "engagementRate",
      "Engagement rate",
      rate.value,
      previous.rate.value,
      "no post had both interactions and views",
      `engagements ÷ ${rate.basis} over ${rate.posts} posts` +
        (rate.postsWithoutViews > 0 ? `; ${rate.postsWithoutViews} without ${rate.basis} left out` : ""),
    ),
    kpi("clicks", "Clicks", current.clicks, previous.clicks, "no clicks were counted", current.clicksNote),
    kpi(
      "conversions",
      "Conversions",
      current.conversions,
      previous.conversions,
      "no conversions were recorded",
      current.conversionsNote,
    ),
    ...(current.roi
      ? [
          kpi(
            "roi",
            "ROI",
            current.roi.value,
            previous.roi?.value ?? null,
            "no cost is entered for the range",
            current.roi.note,
          ),
        ]
      : []),
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
    daily: current.daily,
    dailyNote: current.dailyNote,
    platforms: current.platforms,
    topPosts: current.topPosts,
    unavailable: current.unavailable,
  };
}
