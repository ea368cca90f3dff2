import { api, type PlatformId } from "../../api";
import type { paths } from "../../api/schema";
import type { DayRange } from "./range";

const reportQuery = (range: DayRange, platforms: readonly PlatformId[]) => ({
  start: range.start,
  end: range.end,
  platforms: platforms.length ? platforms.join(",") : undefined,
});

export const analyticsKeys = {
  all: ["analytics"] as const,
  report: (range: DayRange, platforms: readonly PlatformId[]) => ["analytics", "report", range, platforms] as const,
  account: (connectionId: string, range: DayRange) => ["analytics", "account", connectionId, range] as const,
  post: (postId: string) => ["analytics", "post", postId] as const,
  overview: ["analytics", "overview"] as const,
};

export const fetchReport = (range: DayRange, platforms: readonly PlatformId[]) =>
  api("GET", "/api/analytics", { query: reportQuery(range, platforms) });

export const fetchAccount = (connectionId: string, range: DayRange) =>
  api("GET", "/api/analytics/accounts/{connectionId}", { path: { connectionId }, query: range });

export const fetchPostMetrics = (postId: string) => api("GET", "/api/analytics/posts/{postId}", { path: { postId } });

export const fetchOverview = () => api("GET", "/api/analytics/overview");

export const requestRefresh = () => api("POST", "/api/analytics/refresh", { body: {} });

/** The CSV of the same report, as a link the browser downloads. */
export function exportUrl(range: DayRange, platforms: readonly PlatformId[]): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(reportQuery(range, platforms))) if (value) search.set(name, value);
  return `${"/api/analytics/export.csv" satisfies keyof paths}?${search}`;
}
