import type { PlatformId } from "../../../../src/platforms/profiles";
import type { Unavailable } from "./format";

type Values = Partial<Record<string, number | null>>;

export interface UnavailableEntry extends Unavailable {
  reconnectFor: string | null;
  accounts: number;
  posts: number;
}

export interface EngagementRate {
  value: number | null;
  basis: "views" | "reach";
  posts: number;
  postsWithoutViews: number;
}

export interface TopPostView {
  postId: string;
  targetId: string;
  connectionId: string;
  platform: PlatformId;
  text: string;
  thumbnailUrl: string | null;
  url: string | null;
  publishedAt: string;
  metrics: Values;
  interactions: number | null;
  engagementRate: number | null;
}

export type SeriesPoint = { day: string } & Values;

export interface PlatformReport {
  platform: PlatformId;
  name: string;
  accounts: number;
  posts: number;
  totalReach: number | null;
  totalImpressions: number | null;
  totalEngagement: number | null;
  totals: Values;
  engagementRate: EngagementRate;
  engagementRateByReach: EngagementRate | null;
  topPosts: TopPostView[];
  series: SeriesPoint[];
  unavailable: UnavailableEntry[];
}

export interface AnalyticsReport {
  range: { start: string; end: string };
  metrics: string[];
  platforms: Partial<Record<PlatformId, PlatformReport>>;
  total: {
    totalReach: number | null;
    totalImpressions: number | null;
    totalEngagement: number | null;
    totals: Values;
    engagementRate: EngagementRate;
    posts: number;
  };
}

export interface AccountReport {
  connectionId: string;
  platform: PlatformId;
  name: string;
  range: { start: string; end: string };
  series: SeriesPoint[];
  followers: { current: number | null; asOf: string | null; growth: number | null };
  lastCollectedAt: string | null;
  nextCollectionAt: string | null;
  lastError: string | null;
  unavailable: UnavailableEntry[];
}

export interface TargetMetrics {
  targetId: string;
  connectionId: string;
  platform: PlatformId;
  accountName: string;
  remoteId: string | null;
  url: string | null;
  publishedAt: string | null;
  metrics: Values;
  sources: Partial<Record<string, string>>;
  interactions: number | null;
  engagementRate: EngagementRate;
  fetchedAt: string | null;
  nextCollectionAt: string | null;
  unavailable: UnavailableEntry[];
  history: { metric: string; source: string; value: number; fetchedAt: string }[];
}

export interface PostMetrics {
  postId: string;
  targets: TargetMetrics[];
}

interface Freshness {
  kind: "live" | "stored";
  asOf: string | null;
  refreshMinutes: number | null;
}

export interface OverviewMetrics {
  activeConnections: { value: number; freshness: Freshness };
  postsToday: { value: number; freshness: Freshness };
  engagementRate: EngagementRate & { freshness: Freshness };
  reach: { value: number | null; freshness: Freshness };
  range: { start: string; end: string };
}

export interface RefreshResult {
  queued: { connectionId: string; platform: PlatformId; posts: number; account: boolean }[];
  skipped: { connectionId: string; platform: PlatformId; reason: string }[];
}
