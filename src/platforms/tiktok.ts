import { z } from "zod";
import type { OAuthPlatform } from "./platform.js";
import type { PlatformOptions } from "./profiles.js";
import { tiktokAnalytics } from "./tiktok.analytics.js";
import { classify, readCreator, request } from "./tiktok.api.js";
import { tiktokProfile } from "./tiktok.profile.js";
import { publishTikTok } from "./tiktok.publish.js";

/**
 * TikTok: Login Kit v2 for the grant, the Display API for who it is, and the Content Posting
 * API's Direct Post for videos and photo posts (TikTok has no text-only post). Publishing is
 * asynchronous: creator info, init, the upload, then the post's status until TikTok is done.
 * https://developers.tiktok.com/doc/login-kit-web
 * https://developers.tiktok.com/doc/content-posting-api-get-started
 */

/** https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info */
const userInfo = z.object({
  user: z.object({ open_id: z.string(), display_name: z.string(), avatar_url: z.string().optional() }),
});
const userId = z.object({ user: z.object({ open_id: z.string() }) });

export const tiktok: OAuthPlatform<PlatformOptions<"tiktok">> = {
  ...tiktokProfile,
  realHosts: { authorize: "https://www.tiktok.com", api: "https://open.tiktokapis.com", web: "https://www.tiktok.com" },
  classify,
  analytics: tiktokAnalytics,
  auth: () => ({
    kind: "oauth2",
    authorizePath: "/v2/auth/authorize/",
    tokenPath: "/v2/oauth/token/",
    revokePath: "/v2/oauth/revoke/",
    // "Revoke a user access token": revoking it takes the app off the user's connected apps.
    // https://developers.tiktok.com/doc/oauth-user-access-token-management
    revokes: "access_token",
    hosts: { authorize: "authorize", token: "api", revoke: "api" },
    // video.list finds a public post's exact id (see exactPostId) and reads post metrics.
    // user.info.stats (the follower count) is left out: TikTok must first approve the scope for
    // the app, and asking for one it has not approved fails the authorization. Until it is asked
    // for, follower counts are unavailable with the scope to reconnect for.
    // https://developers.tiktok.com/doc/scopes-overview
    scopes: ["user.info.basic", "video.publish", "video.list"],
    scopeSeparator: ",",
    // A web app is a confidential client: PKCE is "required for mobile and desktop apps" only.
    pkce: false,
    clientAuthentication: "body",
    clientIdParameter: "client_key",
    refreshTokenExpiresInField: "refresh_expires_in",
    errorsMayAnswerOk: true,
    // The consent screen even for an account that already granted the app: a second account can be connected.
    extraAuthorizeParameters: { disable_auto_auth: "1" },
    refreshable: true,
    // Refresh tokens rotate: a spent, expired or revoked one is `invalid_grant`. https://developers.tiktok.com/doc/oauth-error-handling
    refusals: ["invalid_grant"],
  }),

  async listAccounts(api) {
    const { user } = await request(api, userInfo, {
      host: "api",
      path: "/v2/user/info/",
      query: { fields: "open_id,union_id,avatar_url,display_name" },
    });
    // The handle (for addresses) comes with creator info, which video.publish opens; user.info.profile is not asked for.
    const creator = await readCreator(api);
    return [
      {
        externalId: user.open_id,
        kind: "user" as const,
        name: user.display_name,
        username: creator.creator_username,
        // A signed CDN address that expires within hours.
        avatarUrl: user.avatar_url,
        details: { username: creator.creator_username },
      },
    ];
  },

  async checkHealth(api) {
    await request(api, userId, { host: "api", path: "/v2/user/info/", query: { fields: "open_id" } });
  },

  // TikTok's UX guidelines ask the composer to show the creator's nickname, offer only the
  // privacy levels creator info lists, and grey out what the creator has switched off.
  // https://developers.tiktok.com/doc/content-sharing-guidelines
  async allowance(api) {
    const creator = await readCreator(api);
    return {
      postingAs: creator.creator_nickname,
      choices: { privacy: creator.privacy_level_options },
      disabled: [
        ...(creator.comment_disabled ? ["allowComments"] : []),
        ...(creator.duet_disabled ? ["allowDuet"] : []),
        ...(creator.stitch_disabled ? ["allowStitch"] : []),
      ],
      maxVideoSeconds: creator.max_video_post_duration_sec,
    };
  },

  // No findPublished: TikTok has no idempotency key and no listing of publish ids, and its video
  // list shows only public posts, and only once moderated (sometimes hours later). An empty
  // answer would not mean the post never arrived (every post of an unaudited app is private),
  // so a lost init ends `unknown` for a person rather than risk a second post.
  publishing: {
    publish: publishTikTok,
  },
};
