import { platformProfiles, type PlatformId } from "../../../../src/platforms/profiles";
import type { AnalyticsReport, UnavailableEntry } from "./types";

type MetricName = AnalyticsReport["metrics"][number];

/** A metric with no value and why: the API's `unavailable` entries, never shown as zero. */
export interface Unavailable {
  metric: string;
  reason: UnavailableEntry["reason"];
  message: string;
  reconnectFor?: string | null;
}

export const metricLabels: Record<MetricName, string> = {
  views: "Impressions / views",
  reach: "Reach",
  // The platform's own composite (kept, never summed into the rate): told apart from the
  // dashboard's Engagements, which are reactions + comments + shares + saves.
  engagements: "Platform's own engagement count",
  reactions: "Reactions / likes",
  comments: "Comments",
  shares: "Shares / reposts",
  saves: "Saves",
  clicks: "Clicks",
  profile_visits: "Profile visits",
  video_views: "Video views",
  watch_time_minutes: "Watch time (minutes)",
  followers: "Followers",
  follower_growth: "Follower growth",
};

export const metricLabel = (metric: string) => metricLabels[metric as MetricName] ?? metric.replaceAll("_", " ");

const counts = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const signedCounts = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0, signDisplay: "exceptZero" });

export const formatCount = (value: number) => counts.format(value);
export const formatSignedCount = (value: number) => signedCounts.format(value);

/** An engagement rate (a fraction) as a percentage with two decimals: rates are often under 1 %. */
export const formatRate = (value: number) => `${(value * 100).toFixed(2)} %`;

export const platformName = (platform: PlatformId) => platformProfiles[platform].name;

/** What the rate was divided by, in words the tile shows next to it. */
export const basisLabels: Record<string, string> = {
  views: "interactions ÷ impressions/views",
  reach: "interactions ÷ reach",
};

/**
 * Why a metric has no figure, in a sentence a marketer can act on: which platform does not
 * offer it, or which permission a reconnect would ask for (never "refresh this channel").
 */
export function describeUnavailable(entry: Unavailable, platform?: PlatformId): string {
  const by = platform ? platformName(platform) : "the platform";
  switch (entry.reason) {
    case "not_provided":
      // The catalogue's own sentence only names the platform; a platform's module may say more.
      return /^not provided by/i.test(entry.message) || !entry.message
        ? `Not provided by ${by}`
        : `Not provided by ${by}: ${entry.message}`;
    case "permission":
      return entry.reconnectFor
        ? `Permission missing — reconnect for ${entry.reconnectFor}`
        : `Permission missing — ${entry.message}`;
    case "retired":
      return `Retired by ${by}: ${entry.message}`;
    case "not_ready":
      return `Not ready yet at ${by}: ${entry.message}`;
    case "out_of_window":
      return `Past the window ${by} answers: ${entry.message}`;
    case "refused":
      return `Refused by ${by}: ${entry.message}`;
  }
}

/** The change from one period to the one before, as the tile says it; null when either side has no figure. */
export function describeChange(
  current: number | null,
  previous: number | null,
  kind: "count" | "rate",
): { direction: "up" | "down" | "flat"; text: string } | null {
  if (current === null || previous === null) return null;
  const difference = current - previous;
  const direction = difference > 0 ? "up" : difference < 0 ? "down" : "flat";
  if (direction === "flat") return { direction, text: "no change" };
  if (kind === "rate") {
    const points = (Math.abs(difference) * 100).toFixed(2);
    return { direction, text: `${direction === "up" ? "up" : "down"} ${points} pts` };
  }
  if (previous === 0) return { direction, text: `${formatSignedCount(difference)} from none` };
  const share = Math.abs(difference / previous) * 100;
  return {
    direction,
    text: `${direction === "up" ? "up" : "down"} ${share < 10 ? share.toFixed(1) : Math.round(share)} %`,
  };
}
