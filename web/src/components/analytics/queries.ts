import { ApiError, type PlatformId } from "../../api";
import type { DayRange } from "./range";
import type { AccountReport, AnalyticsReport, OverviewMetrics, PostMetrics, RefreshResult } from "./types";

async function call<T>(method: "GET" | "POST", path: string, query: Record<string, string | undefined> = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) search.set(name, value);
  const response = await fetch(search.size ? `${path}?${search}` : path, {
    method,
    credentials: "same-origin",
    headers: method === "POST" ? { "content-type": "application/json" } : {},
    body: method === "POST" ? "{}" : undefined,
  });
  const payload = (await response.json().catch(() => undefined)) as
    { error?: { code?: string; message?: string; field?: string } } | undefined;
  if (!response.ok)
    throw new ApiError(
      response.status,
      payload?.error?.code ?? "error",
      payload?.error?.message ?? `Request failed (${response.status})`,
      payload?.error?.field,
    );
  return payload as T;
}

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
  call<AnalyticsReport>("GET", "/api/analytics", reportQuery(range, platforms));

export const fetchAccount = (connectionId: string, range: DayRange) =>
  call<AccountReport>("GET", `/api/analytics/accounts/${encodeURIComponent(connectionId)}`, {
    start: range.start,
    end: range.end,
  });

export const fetchPostMetrics = (postId: string) =>
  call<PostMetrics>("GET", `/api/analytics/posts/${encodeURIComponent(postId)}`);

export const fetchOverview = () => call<OverviewMetrics>("GET", "/api/analytics/overview");

export const requestRefresh = () => call<RefreshResult>("POST", "/api/analytics/refresh");

export function exportUrl(range: DayRange, platforms: readonly PlatformId[]): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(reportQuery(range, platforms))) if (value) search.set(name, value);
  return `/api/analytics/export.csv?${search}`;
}
