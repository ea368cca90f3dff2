import { z } from "zod";
import type { ErrorResponse } from "./http.js";
import { nextMidnight } from "./reset-times.js";
import type { OAuthPlatform, PlatformFailure } from "./platform.js";

/**
 * YouTube through Google OAuth 2.0 (offline access, PKCE); a grant is for the channel chosen
 * on Google's consent screen.
 * https://developers.google.com/youtube/v3/guides/auth/server-side-web-apps
 */

const channelsAnswer = z.object({
  items: z
    .array(
      z.object({
        id: z.string(),
        snippet: z
          .object({
            title: z.string(),
            customUrl: z.string().optional(),
            thumbnails: z.object({ default: z.object({ url: z.string() }).optional() }).optional(),
          })
          .optional(),
      }),
    )
    .default([]),
});

const googleError = z.object({
  error: z.object({
    code: z.number(),
    errors: z.array(z.object({ reason: z.string() })).optional(),
    message: z.string().optional(),
  }),
});

/** The quota resets at midnight Pacific time. https://developers.google.com/youtube/v3/getting-started#quota */
function classify(response: ErrorResponse): PlatformFailure | undefined {
  const body = googleError.safeParse(response.body);
  const reason = body.success ? body.data.error.errors?.[0]?.reason : undefined;
  if (reason === "quotaExceeded")
    return { kind: "rate_limited", retryAt: nextMidnight("America/Los_Angeles"), scope: "app" };
  if (reason === "rateLimitExceeded" || reason === "userRateLimitExceeded")
    return { kind: "rate_limited", retryAt: new Date(Date.now() + 60_000), scope: "account" };
  if (reason === "insufficientPermissions")
    return { kind: "token_invalid", reason: "The grant lacks the YouTube scopes: reconnect and allow them all." };
  if (response.status === 401) return { kind: "token_expired" };
  return undefined;
}

export const youtube: OAuthPlatform = {
  id: "youtube",
  name: "YouTube",
  realHosts: {
    authorize: "https://accounts.google.com",
    token: "https://oauth2.googleapis.com",
    api: "https://www.googleapis.com",
    analytics: "https://youtubeanalytics.googleapis.com",
  },
  classify,
  auth: () => ({
    kind: "oauth2",
    authorizePath: "/o/oauth2/v2/auth",
    tokenPath: "/token",
    revokePath: "/revoke",
    hosts: { authorize: "authorize", token: "token", revoke: "token" },
    scopes: [
      "https://www.googleapis.com/auth/youtube.upload",
      "https://www.googleapis.com/auth/youtube.readonly",
      "https://www.googleapis.com/auth/yt-analytics.readonly",
    ],
    scopeSeparator: " ",
    pkce: true,
    clientAuthentication: "body",
    // offline: a refresh token; consent: Google sends it again on a reconnect.
    extraAuthorizeParameters: { access_type: "offline", prompt: "consent", include_granted_scopes: "true" },
    refreshable: true,
  }),

  async listAccounts(api) {
    const { data } = await api.call(channelsAnswer, {
      host: "api",
      path: "/youtube/v3/channels",
      query: { part: "snippet", mine: "true" },
    });
    return data.items.map((channel) => ({
      externalId: channel.id,
      kind: "channel" as const,
      name: channel.snippet?.title ?? channel.id,
      username: channel.snippet?.customUrl,
      avatarUrl: channel.snippet?.thumbnails?.default?.url,
      details: { channelId: channel.id },
    }));
  },

  async checkHealth(api) {
    await api.call(channelsAnswer, { host: "api", path: "/youtube/v3/channels", query: { part: "id", mine: "true" } });
  },
};
