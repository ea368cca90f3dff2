import type { paths } from "../../api/schema";

/** The answer of a GET route, as generated from the server's schemas (web/src/api/schema.ts). */
type Get<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer Body } } } };
}
  ? Body
  : never;

export type AnalyticsReport = Get<"/api/analytics">;
export type PlatformReport = NonNullable<AnalyticsReport["platforms"][string]>;
export type SeriesPoint = PlatformReport["series"][number];
export type TopPostView = PlatformReport["topPosts"][number];
export type UnavailableEntry = PlatformReport["unavailable"][number];
export type AccountReport = Get<"/api/analytics/accounts/{connectionId}">;
export type TargetMetrics = Get<"/api/analytics/posts/{postId}">["targets"][number];
export type OverviewMetrics = Get<"/api/analytics/overview">;
