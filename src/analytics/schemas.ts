import { z } from "zod";
import { metricNames, unavailableReasons, type MetricName } from "../platforms/analytics.js";
import { conversionTotalView, trackedClicksView } from "../conversions/schemas.js";
import { platformIds, type PlatformId } from "../platforms/profiles.js";

/** The longest range a report covers: the platforms keep two years at most. */
export const MAX_RANGE_DAYS = 731;
/** Without a range, the last 30 days through today. */
export const DEFAULT_RANGE_DAYS = 30;

const DAY_MS = 86_400_000;

/** A calendar day, YYYY-MM-DD, that exists. */
export const day = (field: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${field} must be a date as YYYY-MM-DD`)
    .refine((value) => {
      const parsed = new Date(`${value}T00:00:00Z`);
      return (
        !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value) && parsed.getUTCFullYear() >= 1970
      );
    }, `${field} must be a calendar day in 1970 or later`);

/** A comma-separated list of known names; each unknown one named. */
function listOf<T extends string>(known: readonly T[], what: string) {
  return z
    .string()
    .transform((text) =>
      text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .superRefine((items, issues) => {
      const unknown = items.filter((item) => !(known as readonly string[]).includes(item));
      if (unknown.length > 0)
        issues.addIssue({
          code: "custom",
          message: `unknown ${what} ${unknown.join(", ")}: must be among ${known.join(", ")}`,
        });
    })
    .transform((items) => [...new Set(items)] as T[]);
}

export const reportQuery = z
  .object({
    platforms: listOf(platformIds, "platform").optional(),
    start: day("start").optional(),
    end: day("end").optional(),
    metrics: listOf(metricNames, "metric").optional(),
  })
  .superRefine((query, issues) => {
    if (query.start && query.end) {
      const span = (Date.parse(query.end) - Date.parse(query.start)) / DAY_MS;
      if (span < 0) issues.addIssue({ code: "custom", path: ["start"], message: "start must not be after end" });
      else if (span + 1 > MAX_RANGE_DAYS)
        issues.addIssue({
          code: "custom",
          path: ["end"],
          message: `the range must be at most 2 years (${MAX_RANGE_DAYS} days)`,
        });
    }
  });
export type ReportQuery = z.infer<typeof reportQuery>;

/** A report's resolved filters: every one filled in. */
export interface ReportFilters {
  platforms?: PlatformId[];
  start: string;
  end: string;
  metrics: MetricName[];
}

/** The query's range, or the default range ending today by the app's clock; a lone start or end is checked against the other. */
export function resolveFilters(query: ReportQuery, now: number): ReportFilters {
  const today = dayOf(now);
  const end = query.end ?? (query.start && query.start > today ? query.start : today);
  const start = query.start ?? shiftDay(end, -(DEFAULT_RANGE_DAYS - 1));
  return {
    ...(query.platforms && query.platforms.length > 0 ? { platforms: query.platforms } : {}),
    start,
    end,
    metrics: query.metrics && query.metrics.length > 0 ? query.metrics : [...metricNames],
  };
}

/** The UTC calendar day of an instant. */
export const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

export function shiftDay(dayText: string, days: number): string {
  return new Date(Date.parse(`${dayText}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The first day of the month a day is in. */
export const monthOf = (dayText: string) => `${dayText.slice(0, 7)}-01`;

/** The same day of the month some months on (the first of a month stays the first). */
export function shiftMonth(dayText: string, months: number): string {
  const date = new Date(`${dayText}T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString().slice(0, 10);
}

const metricName = z.enum(metricNames);
const nullableCount = z.number().nullable();

/** Why a metric has no value: distinct from zero in every answer. */
export const unavailableView = z.object({
  metric: metricName,
  reason: z.enum(unavailableReasons),
  message: z.string(),
  /** The permission a reconnect would ask for, when a missing one is the cause. */
  reconnectFor: z.string().nullable(),
  /** Accounts and posts the reason applies to (0 posts: the account's own metric). */
  accounts: z.number(),
  posts: z.number(),
});

export const engagementRateView = z.object({
  value: z.number().nullable(),
  basis: z.enum(["views", "reach"]),
  posts: z.number(),
  postsWithoutViews: z.number(),
});

/** Metric values by normalized name; a missing or null one has no value (see unavailable). */
export const metricValues = z.partialRecord(metricName, nullableCount);

export const topPostView = z.object({
  postId: z.uuid(),
  targetId: z.uuid(),
  connectionId: z.uuid(),
  platform: z.enum(platformIds),
  text: z.string(),
  thumbnailUrl: z.string().nullable(),
  url: z.string().nullable(),
  publishedAt: z.date(),
  metrics: metricValues,
  interactions: nullableCount,
  engagementRate: z.number().nullable(),
});

export const seriesPoint = z
  .object({ day: z.string() })
  .catchall(nullableCount)
  .describe("One day: each requested account metric summed over the platform's accounts, null when none was read");

export const platformReport = z.object({
  platform: z.enum(platformIds),
  /** The platform's name as its profile spells it. */
  name: z.string(),
  accounts: z.number(),
  posts: z.number(),
  totalReach: nullableCount,
  totalImpressions: nullableCount,
  /** Σ interactions (reactions + comments + shares + saves) of the posts published in the range. */
  totalEngagement: nullableCount,
  /** Every requested post metric summed over the posts published in the range. */
  totals: metricValues,
  engagementRate: engagementRateView,
  engagementRateByReach: engagementRateView.nullable(),
  topPosts: z.array(topPostView),
  series: z.array(seriesPoint),
  unavailable: z.array(unavailableView),
  trackedClicks: trackedClicksView.describe(
    "Clicks on our short links made in the range, counted by us; `totals.clicks` is what the platform reports",
  ),
  conversions: conversionTotalView.describe("Tracked conversions in the range attributed to this platform's clicks"),
});

export const reportView = z.object({
  range: z.object({ start: z.string(), end: z.string() }),
  metrics: z.array(metricName),
  platforms: z.partialRecord(z.enum(platformIds), platformReport),
  /** Across platforms: each figure the sum of the platforms' (views are not unique, so neither is this). */
  total: z.object({
    totalReach: nullableCount,
    totalImpressions: nullableCount,
    totalEngagement: nullableCount,
    totals: metricValues,
    engagementRate: engagementRateView,
    posts: z.number(),
    trackedClicks: trackedClicksView,
    conversions: conversionTotalView.describe("Attributed conversions across platforms, values per currency"),
  }),
  unattributedConversions: conversionTotalView.describe("Tracked conversions in the range no click accounts for"),
});

export const snapshotView = z.object({
  metric: metricName,
  source: z.string(),
  value: z.number(),
  fetchedAt: z.date(),
});

export const targetMetricsView = z.object({
  targetId: z.uuid(),
  connectionId: z.uuid(),
  platform: z.enum(platformIds),
  accountName: z.string(),
  remoteId: z.string().nullable(),
  url: z.string().nullable(),
  publishedAt: z.date().nullable(),
  metrics: metricValues,
  sources: z.partialRecord(metricName, z.string()),
  interactions: nullableCount,
  engagementRate: engagementRateView,
  fetchedAt: z.date().nullable(),
  nextCollectionAt: z.date().nullable(),
  /** Why the last read failed (the platform's words, or a spent budget), until one succeeds; the values shown are the last read. */
  lastError: z.string().nullable(),
  unavailable: z.array(unavailableView),
  history: z.array(snapshotView),
});

export const postMetricsView = z.object({ postId: z.uuid(), targets: z.array(targetMetricsView) });

export const accountReportView = z.object({
  connectionId: z.uuid(),
  platform: z.enum(platformIds),
  name: z.string(),
  range: z.object({ start: z.string(), end: z.string() }),
  series: z.array(seriesPoint),
  followers: z.object({
    /** The latest day's follower count read, and that day. */
    current: nullableCount,
    asOf: z.string().nullable(),
    /** Followers gained less lost over the range, from the platform's daily figure or the count's change. */
    growth: nullableCount,
  }),
  lastCollectedAt: z.date().nullable(),
  nextCollectionAt: z.date().nullable(),
  lastError: z.string().nullable(),
  unavailable: z.array(unavailableView),
});

export const accountQuery = z
  .object({ start: day("start").optional(), end: day("end").optional() })
  .superRefine((query, issues) => {
    if (query.start && query.end) {
      const span = (Date.parse(query.end) - Date.parse(query.start)) / DAY_MS;
      if (span < 0) issues.addIssue({ code: "custom", path: ["start"], message: "start must not be after end" });
      else if (span + 1 > MAX_RANGE_DAYS)
        issues.addIssue({
          code: "custom",
          path: ["end"],
          message: `the range must be at most 2 years (${MAX_RANGE_DAYS} days)`,
        });
    }
  });

const freshness = z.object({
  /** live: computed for this answer; stored: as last collected, at `asOf`. */
  kind: z.enum(["live", "stored"]),
  asOf: z.date().nullable(),
  /** How often the stored figure is collected at most. */
  refreshMinutes: z.number().nullable(),
});

export const overviewView = z.object({
  activeConnections: z.object({ value: z.number(), freshness }),
  postsToday: z.object({ value: z.number(), freshness }),
  engagementRate: engagementRateView.extend({ freshness }),
  reach: z.object({ value: nullableCount, freshness }),
  /** The posts the rate and reach are over: those published in the last 30 days. */
  range: z.object({ start: z.string(), end: z.string() }),
});

export const refreshBody = z
  .object({ connectionIds: z.array(z.uuid("must be connection ids")).max(200).optional() })
  .optional();

export const refreshView = z.object({
  queued: z.array(
    z.object({ connectionId: z.uuid(), platform: z.enum(platformIds), posts: z.number(), account: z.boolean() }),
  ),
  skipped: z.array(z.object({ connectionId: z.uuid(), platform: z.enum(platformIds), reason: z.string() })),
});

export const postParams = z.object({ postId: z.uuid("must be a post id") });
export const connectionParams = z.object({ connectionId: z.uuid("must be a connection id") });
