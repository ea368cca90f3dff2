import { eachDay, type DayRange } from "./range";
import type { AnalyticsReport, PlatformReport, SeriesPoint } from "./types";
import type { PlatformUnavailable } from "./UnavailableList";
import type { ChartRow } from "./TimeSeriesChart";

export const platformsOf = (report: AnalyticsReport) =>
  Object.values(report.platforms).filter((platform): platform is PlatformReport => platform !== undefined);

/** The sum of a series' values for one metric over the range; null when no day has a figure. */
export function seriesSum(series: readonly SeriesPoint[], metric: string): number | null {
  const values = series.map((point) => point[metric]).filter((value): value is number => typeof value === "number");
  return values.length ? values.reduce((sum, value) => sum + value, 0) : null;
}

const sumOrNull = (values: (number | null)[]) => {
  const present = values.filter((value): value is number => value !== null);
  return present.length ? present.reduce((sum, value) => sum + value, 0) : null;
};

export const followerGrowthOf = (platform: PlatformReport) => seriesSum(platform.series, "follower_growth");

/** The six headline figures of a report: each null where no platform gave one. */
export function headlineFigures(report: AnalyticsReport) {
  return {
    reach: report.total.totalReach,
    views: report.total.totalImpressions,
    engagements: report.total.totalEngagement,
    engagementRate: report.total.engagementRate.value,
    clicks: report.total.totals.clicks ?? null,
    followerGrowth: sumOrNull(platformsOf(report).map(followerGrowthOf)),
  };
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
