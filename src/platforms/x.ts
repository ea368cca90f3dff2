import { z } from "zod";
import type { ErrorResponse } from "./http.js";
import type { OAuthPlatform, PlatformFailure } from "./platform.js";

/**
 * X API v2 with OAuth 2.0 (PKCE, confidential client, rotating refresh tokens).
 * https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
 */

const meAnswer = z.object({
  data: z.object({ id: z.string(), name: z.string(), username: z.string(), profile_image_url: z.string().optional() }),
});

function classify(response: ErrorResponse): PlatformFailure | undefined {
  if (response.status === 429) {
    const reset = Number(response.headers.get("x-rate-limit-reset"));
    return {
      kind: "rate_limited",
      retryAt: new Date(Number.isFinite(reset) && reset > 0 ? reset * 1000 : Date.now() + 15 * 60_000),
      scope: "account",
    };
  }
  // X answers 401 for expired and revoked tokens alike: refresh once; a refused refresh means revoked.
  if (response.status === 401) return { kind: "token_expired" };
  return undefined;
}

export const x: OAuthPlatform = {
  id: "x",
  name: "X",
  realHosts: { authorize: "https://x.com", api: "https://api.x.com" },
  classify,
  auth: () => ({
    kind: "oauth2",
    authorizePath: "/i/oauth2/authorize",
    tokenPath: "/2/oauth2/token",
    revokePath: "/2/oauth2/revoke",
    hosts: { authorize: "authorize", token: "api", revoke: "api" },
    scopes: ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"],
    scopeSeparator: " ",
    pkce: true,
    clientAuthentication: "basic",
    refreshable: true,
  }),

  async listAccounts(api) {
    const { data } = await api.call(meAnswer, {
      host: "api",
      path: "/2/users/me",
      query: { "user.fields": "profile_image_url,username,name" },
    });
    return [
      {
        externalId: data.data.id,
        kind: "user" as const,
        name: data.data.name,
        username: data.data.username,
        avatarUrl: data.data.profile_image_url,
        details: { username: data.data.username },
      },
    ];
  },

  async checkHealth(api) {
    await api.call(meAnswer, { host: "api", path: "/2/users/me" });
  },
};
