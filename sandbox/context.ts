import type { AdjustableClock } from "../src/clock.js";
import type { FastifyInstance } from "fastify";
import type { PlatformId } from "../src/platforms/profiles.js";
import type { OAuthClient, SandboxState } from "./state.js";

/** Real published limits; `rateLimitScale` shrinks them all for tests (never below 1). */
export const defaultLimits = {
  /** Graph API calls per app per hour, shown in X-App-Usage (code 4 past 100 %). */
  facebookAppCallsPerHour: 20_000,
  /** Calls per Page per hour (code 32). */
  facebookPageCallsPerHour: 4_800,
  /** Instagram Graph API calls per account per hour (code 80002). */
  instagramCallsPerHour: 4_800,
  /** Instagram content_publishing_limit quota_total per rolling 24 h. */
  instagramPostsPerDay: 100,
  /**
   * X POST /2/tweets per user per 15 minutes, and per app per 24 hours
   * (https://docs.x.com/x-api/fundamentals/rate-limits); per user per 24 hours, X's account
   * limit of 2,400 posts a day (https://help.x.com/en/rules-and-policies/x-limits).
   */
  xPostsPer15MinutesPerUser: 100,
  xPostsPerDayPerApp: 10_000,
  xPostsPerDayPerUser: 2_400,
  /** X read endpoints (users/me, timelines) per user per 15 minutes. */
  xReadsPer15MinutesPerUser: 900,
  /** X posts lookup (GET /2/tweets) per user and per app per 15 minutes (https://docs.x.com/x-api/fundamentals/rate-limits). */
  xLookupsPer15MinutesPerUser: 5_000,
  xLookupsPer15MinutesPerApp: 3_500,
  /** X pay-per-use: post reads billed per app in a monthly cycle (https://docs.x.com/x-api/getting-started/pricing). */
  xPostReadsPerMonthPerApp: 3_000_000,
  /** LinkedIn posts per member per day (UTC), and application calls per day. */
  linkedinPostsPerDayPerMember: 150,
  linkedinCallsPerDayPerApp: 100_000,
  /** YouTube Data API units per day (Pacific midnight), and videos.insert's own daily bucket. */
  youtubeUnitsPerDay: 10_000,
  youtubeUploadsPerDay: 100,
  /** Telegram messages per bot per second, and per channel per minute. */
  telegramMessagesPerSecondPerBot: 30,
  telegramMessagesPerMinutePerChat: 20,
  /** TikTok per access token per minute: creator_info, each publish init, status fetch. */
  tiktokCreatorInfoPerMinute: 20,
  tiktokInitsPerMinute: 6,
  tiktokStatusFetchesPerMinute: 30,
  /** TikTok Display API (user info, video list) per app per minute. */
  tiktokDisplayCallsPerMinute: 600,
  /** Direct Posts per creator per 24 hours ("typically around 15"), and creators an unaudited app may post for. */
  tiktokPostsPerDayPerCreator: 15,
  tiktokUnauditedCreatorsPerDay: 5,
};

export type Limits = typeof defaultLimits;

export const defaultLifetimes = {
  authorizationCodeSeconds: 600,
  facebookShortLivedSeconds: 3_600,
  facebookLongLivedSeconds: 5_184_000,
  xAccessSeconds: 7_200,
  xRefreshSeconds: 15_552_000,
  linkedinAccessSeconds: 5_184_000,
  linkedinRefreshSeconds: 31_536_000,
  googleAccessSeconds: 3_599,
  /** null: Google refresh tokens do not expire for published apps (7 days in testing mode). */
  googleRefreshSeconds: null as number | null,
  /** TikTok: access tokens last 2 hours, refresh tokens 180 days. */
  tiktokAccessSeconds: 7_200,
  tiktokRefreshSeconds: 15_552_000,
  /** Instagram containers expire after 24 hours. */
  instagramContainerSeconds: 86_400,
  /**
   * How long a video takes to process on every platform that processes video. Real ones take tens
   * of seconds to minutes (`npm run sandbox` uses 30); tests that do not move the clock keep it short.
   */
  videoProcessingSeconds: 2,
  /** How long Instagram takes with an image container (a few seconds in practice; `npm run sandbox` uses 5). */
  instagramImageProcessingSeconds: 0,
};

export type Lifetimes = typeof defaultLifetimes;

export interface SandboxOptions {
  lifetimes?: Partial<Lifetimes>;
  limits?: Partial<Limits>;
  /** Multiplies every default limit (0.01 makes X's 100 posts per 15 minutes 1). */
  rateLimitScale?: number;
  /** Added before every platform answer. */
  latencyMs?: number;
  /** Keeps the sandbox's state in this JSON file across restarts. */
  persistFile?: string;
}

export interface ResolvedOptions {
  lifetimes: Lifetimes;
  limits: Limits;
  latencyMs: number;
}

export function resolveOptions(options: SandboxOptions): ResolvedOptions {
  const scale = options.rateLimitScale ?? 1;
  const scaled = Object.fromEntries(
    Object.entries(defaultLimits).map(([name, value]) => [name, Math.max(1, Math.ceil(value * scale))]),
  ) as Limits;
  return {
    lifetimes: { ...defaultLifetimes, ...options.lifetimes },
    limits: { ...scaled, ...options.limits },
    latencyMs: options.latencyMs ?? 0,
  };
}

/** A platform's own error answer: the status, body and headers the real API sends. */
export class PlatformReply extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`sandbox platform answer ${status}`);
  }
}

export interface WindowUse {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch milliseconds when the window resets. */
  resetAt: number;
}

export interface SandboxContext {
  state: SandboxState;
  options: ResolvedOptions;
  /** The sandbox's time: the system's plus however far the control surface has moved it. */
  now(): number;
  clock: AdjustableClock;
  /** Counts one use of a window; `align` picks the window's end (rolling from first use by default). */
  take(
    key: string,
    limit: number,
    windowMs: number,
    options?: { cost?: number; resetAt?: (now: number) => number },
  ): WindowUse;
  peek(key: string, limit: number, windowMs: number): WindowUse;
}

/** One emulated API: the routes under its prefix, and its own shapes for faults. */
export interface SandboxPlatform {
  /** URL prefix in the sandbox: http://sandbox/{prefix}/… */
  prefix: string;
  /** The real base URLs this prefix stands in for. */
  realBaseUrls: Record<string, string>;
  /** The product's platforms this emulation serves; an OAuth app registration belongs to the first. */
  standsFor: readonly PlatformId[];
  /** What an app registration at this platform has beyond its credentials, given the scopes its connect asks. */
  appDefaults?(scopes: string[] | undefined): Partial<OAuthClient>;
  register(app: FastifyInstance, context: SandboxContext): void | Promise<void>;
  transientError(status: number, now: number): PlatformReply;
  rateLimitError(retryAfterSeconds: number, now: number): PlatformReply;
  /** Removes secrets (Telegram's token is in the path) before a path is journalled. */
  redactPath?(path: string): string;
}
