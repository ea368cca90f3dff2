import { eachDay, type DayRange } from "./range";
import type { AccountReport, AnalyticsReport, PlatformReport, SeriesPoint } from "./types";
import type { PlatformUnavailable } from "./UnavailableList";
import type { ChartRow } from "./TimeSeriesChart";

export const platformsOf = (report: AnalyticsReport) =>
  Object.values(report.platforms).filter((platform): platform is PlatformReport => platform !== undefined);

const sumOrNull = (values: (number | null)[]) => {
  const present = values.filter((value): value is number => value !== null);
  return present.length ? present.reduce((sum, value) => sum + value, 0) : null;
};

/** The six headline figures of a report: each null where no platform gave one. */
export function headlineFigures(report: AnalyticsReport) {
  return {
    reach: report.total.totalReach,
    views: report.total.totalImpressions,
    engagements: report.total.totalEngagement,
    engagementRate: report.total.engagementRate.value,
    clicks: report.total.totals.clicks ?? null,
  };
}

/** Followers gained less lost over the range across these accounts; null when none has a figure. */
export const followerGrowth = (accounts: readonly AccountReport[]) =>
  sumOrNull(accounts.map((account) => account.followers.growth));

/**
 * Why accounts have no follower growth: a single day's count has nothing to grow from yet;
 * otherwise the account's own reason for having no follower count.
 */
export function missingGrowth(accounts: readonly AccountReport[]): PlatformUnavailable[] {
  return accounts
    .filter((account) => account.followers.growth === null)
    .map((account) => {
      const base = { metric: "follower_growth", platform: account.platform, account: account.name };
      if (account.followers.current !== null)
        return {
          ...base,
          reason: "not_ready" as const,
          message: "growth shows once a second day's follower count is collected",
        };
      const reason = account.unavailable.find((entry) => entry.metric === "followers");
      return reason
        ? { ...base, ...reason, metric: "followers" }
        : { ...base, reason: "not_ready" as const, message: "no follower count collected yet" };
    });
}

/**
 * Why the platforms without a figure have none: their unavailable entries for the metrics the
 * figure is made of, one per platform and reason.
 */
export function missingFrom(
  report: AnalyticsReport,
  figureOf: (platform: PlatformReport) => number | null | undefined,
  metrics: readonly string[],
): PlatformUnavailable[] {
  const missing: PlatformUnavailable[] = [];
  for (const platform of platformsOf(report)) {
    if (typeof figureOf(platform) === "number") continue;
    const seen = new Set<string>();
    for (const entry of platform.unavailable) {
      if (!metrics.includes(entry.metric) || seen.has(entry.reason)) continue;
      seen.add(entry.reason);
      missing.push({ ...entry, platform: platform.platform });
    }
  }
  return missing;
}

/** Every unavailable entry of the report, with its platform. */
export const allUnavailable = (report: AnalyticsReport): PlatformUnavailable[] =>
  platformsOf(report).flatMap((platform) =>
    platform.unavailable.map((entry) => ({ ...entry, platform: platform.platform })),
  );

/** The metrics the report's daily series carry, in the catalogue's order. */
export const seriesMetrics = (series: readonly (readonly SeriesPoint[])[], order: readonly string[]) => {
  const present = new Set(series.flatMap((points) => points.flatMap((point) => Object.keys(point))));
  present.delete("day");
  return [...order.filter((metric) => present.has(metric)), ...[...present].filter((key) => !order.includes(key))];
};

/**
 * Chart rows for one metric: a column per line (platform or account), every day of the range
 * present, a day a line has no figure for left null (a gap, not 0).
 */
export function chartRows(
  range: DayRange,
  lines: readonly { key: string; series: readonly SeriesPoint[] }[],
  metric: string,
): ChartRow[] {
  const byLine = lines.map((line) => ({
    key: line.key,
    byDay: new Map(line.series.map((point) => [point.day, point[metric]])),
  }));
  return eachDay(range).map((day) => {
    const row: ChartRow = { day };
    for (const line of byLine) {
      const value = line.byDay.get(day);
      row[line.key] = typeof value === "number" ? value : null;
    }
    return row;
  });
}

export const hasFigures = (series: readonly SeriesPoint[], metric: string) =>
  series.some((point) => typeof point[metric] === "number");
