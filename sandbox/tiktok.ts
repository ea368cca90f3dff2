import type { FastifyInstance, FastifyRequest } from "fastify";
import { PlatformReply, type SandboxContext, type SandboxPlatform } from "./context.js";
import { grown, shareOf } from "./metrics.js";
import {
  bearerToken,
  findAccessToken,
  findClient,
  registerAuthorizePage,
  revokePersonTokens,
  scopesFrom,
} from "./oauth.js";
import { authenticateClient, registerTokenEndpoint, type TokenEndpoint } from "./oauth-grants.js";
import { people } from "./seed.js";
import type { PublishedItem } from "./state.js";
import { tiktokEnvelope, type Authenticate, type TikTokCaller } from "./tiktok-envelope.js";
import { registerContentPosting } from "./tiktok-posting.js";

/**
 * TikTok: Login Kit v2 (client_key, comma-separated scopes, credentials in the body, rotating
 * refresh tokens, OAuth errors flat and with HTTP 200), the Display API's user info and video
 * list, and the Content Posting API (tiktok-posting.ts); every API answer in the
 * `{data, error:{code, message, log_id}}` envelope.
 * https://developers.tiktok.com/doc/login-kit-web
 * https://developers.tiktok.com/doc/oauth-user-access-token-management
 * https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
 */

/** Scopes a TikTok app may ask for, and the user.info fields each one opens. https://developers.tiktok.com/doc/tiktok-api-scopes */
const scopes = [
  "user.info.basic",
  "user.info.profile",
  "user.info.stats",
  "video.list",
  "video.publish",
  "video.upload",
];
const userFieldScopes: Record<string, string> = {
  open_id: "user.info.basic",
  union_id: "user.info.basic",
  avatar_url: "user.info.basic",
  avatar_url_100: "user.info.basic",
  avatar_large_url: "user.info.basic",
  display_name: "user.info.basic",
  bio_description: "user.info.profile",
  profile_deep_link: "user.info.profile",
  is_verified: "user.info.profile",
  username: "user.info.profile",
  follower_count: "user.info.stats",
  following_count: "user.info.stats",
  likes_count: "user.info.stats",
  video_count: "user.info.stats",
};
const videoFields = [
  "id",
  "create_time",
  "title",
  "video_description",
  "duration",
  "cover_image_url",
  "share_url",
  "embed_link",
  "view_count",
  "like_count",
  "comment_count",
  "share_count",
];
const MINUTE = 60_000;
const LIST_LIMIT = 20;
/** https://developers.tiktok.com/doc/tiktok-api-v1-video-query ("not larger than 20 at a time") */
const QUERY_LIMIT = 20;
const FOLLOWING = 180;
const BASE_FOLLOWERS = 1_200;

export const tiktok: SandboxPlatform = {
  prefix: "tiktok",
  standsFor: ["tiktok"],
  realBaseUrls: {
    authorize: "https://www.tiktok.com",
    api: "https://open.tiktokapis.com",
    upload: "https://open-upload.tiktokapis.com",
  },
  transientError: (status, now) =>
    tiktokEnvelope(() => now).tiktokError(
      status,
      "internal_error",
      "Something went wrong. Please try again later or contact TikTok support.",
    ),
  rateLimitError: (_retryAfterSeconds, now) => tiktokEnvelope(() => now).rateLimited(),

  register(app: FastifyInstance, context: SandboxContext) {
    const { lifetimes, limits } = context.options;
    const { answer, invalidParams, logId, rateLimited, tiktokError } = tiktokEnvelope(context.now);

    /**
     * Login Kit's errors are flat, not the envelope, and arrive with HTTP 200 (as real clients find:
     * they check `error` on answers their HTTP library took for a success).
     * https://developers.tiktok.com/doc/oauth-error-handling
     */
    const oauthError = (error: string, description: string) =>
      new PlatformReply(200, { error, error_description: description, log_id: logId() });

    // creator_info is a POST that TikTok's own example sends with a JSON content type and no body.
    app.removeContentTypeParser("application/json");
    app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
      if (!body) return done(null, undefined);
      try {
        done(null, JSON.parse(String(body)));
      } catch {
        done(invalidParams("The request body is not valid JSON."));
      }
    });

    registerAuthorizePage(app, context, {
      platform: "tiktok",
      path: "/v2/auth/authorize/",
      appLabel: "TikTok",
      identities: () =>
        people
          .filter((person) => person.tiktok)
          .map((person) => ({
            value: person.id,
            label: `${person.tiktok!.nickname} (@${person.tiktok!.username})`,
            personId: person.id,
          })),
      parse(query) {
        const client = findClient(context, "tiktok", query.client_key);
        if (!client)
          return query.client_id && !query.client_key
            ? "client_key: TikTok names the app's key client_key (this request has client_id)."
            : "client_key: this app is not registered with TikTok.";
        if (!query.redirect_uri || !client.redirectUris.includes(query.redirect_uri))
          return "redirect_uri: it must be one of the app's registered redirect URIs, exactly.";
        if (query.response_type !== "code") return "response_type: must be code.";
        const asked = scopesFrom(query.scope, /,/);
        const unknown = asked.find((scope) => !scopes.includes(scope));
        if (asked.length === 0 || unknown)
          return `scope: ${unknown ?? "(none)"} is not a TikTok scope; scopes are separated by commas.`;
        if (query.code_challenge && query.code_challenge_method !== "S256")
          return "code_challenge_method: must be S256.";
        return {
          client,
          redirectUri: query.redirect_uri,
          scopes: asked,
          state: query.state,
          codeChallenge: query.code_challenge,
          codeChallengeMethod: query.code_challenge ? "S256" : undefined,
        };
      },
      denied(request) {
        const target = new URL(request.redirectUri);
        target.searchParams.set("error", "access_denied");
        target.searchParams.set("error_description", "The user denied the authorization request.");
        if (request.state !== undefined) target.searchParams.set("state", request.state);
        return target;
      },
      callbackParameters: (request) => ({ scopes: request.scopes.join(",") }),
      // TikTok's codes carry `*` and `!`, so a client that does not URL-decode the callback fails.
      codeShape: (secret) => `${secret}*0!${secret.length}.va`,
    });

    /**
     * Login Kit's token endpoint: the app's key and secret in a url-encoded body (never HTTP
     * Basic), a refresh token with every grant, rotated on use and keeping the first one's expiry.
     * https://developers.tiktok.com/doc/oauth-user-access-token-management
     */
    const tokenEndpoint: TokenEndpoint = {
      platform: "tiktok",
      path: "/v2/oauth/token/",
      credentialsIn: ["form"],
      clientIdField: "client_key",
      readFields(request) {
        if (!String(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
          throw oauthError("invalid_request", "Content-Type must be application/x-www-form-urlencoded.");
        const fields = (request.body ?? {}) as Record<string, string>;
        if (fields.client_id !== undefined)
          throw oauthError("invalid_request", "client_id is not a parameter of this endpoint: send client_key.");
        return fields;
      },
      refusals: {
        client: () => oauthError("invalid_client", "Client key or secret is invalid."),
        code(rejection) {
          switch (rejection) {
            case "redirect_mismatch":
              return oauthError("invalid_grant", "redirect_uri does not match the one used for requesting the code.");
            case "pkce_missing":
            case "pkce_mismatch":
              return oauthError("invalid_request", "Code verifier or code challenge is invalid.");
            default:
              return oauthError("invalid_grant", "Authorization code is expired.");
          }
        },
        refreshToken: () => oauthError("invalid_grant", "Refresh token is invalid or expired."),
        grantType: () => oauthError("unsupported_grant_type", "The authorization grant type is not supported."),
      },
      access: { prefix: "act.", lifetimeSeconds: lifetimes.tiktokAccessSeconds },
      refresh: {
        prefix: "rft.",
        lifetimeSeconds: lifetimes.tiktokRefreshSeconds,
        issuedFor: () => true,
        rotation: "rotate_keeping_expiry",
      },
      answer({ access, refresh }) {
        const { token, expiresAt } = refresh!;
        return {
          access_token: access.token,
          expires_in: lifetimes.tiktokAccessSeconds,
          open_id: people.find((candidate) => candidate.id === access.personId)!.tiktok!.openId,
          refresh_token: token,
          refresh_expires_in:
            expiresAt === null ? lifetimes.tiktokRefreshSeconds : Math.floor((expiresAt - context.now()) / 1000),
          scope: access.scopes.join(","),
          token_type: "Bearer",
        };
      },
    };
    registerTokenEndpoint(app, context, tokenEndpoint);

    // Revoking the access token removes the app from the user's connected apps: every token it
    // held dies. A refresh token or another app's token is refused, never answered {} for nothing.
    app.post("/v2/oauth/revoke/", async (request) => {
      const { client, fields } = await authenticateClient(context, tokenEndpoint, request);
      if (!fields.token) throw oauthError("invalid_request", "token is required.");
      const access = context.state.data.accessTokens[fields.token];
      if (access?.platform !== "tiktok" || access.clientId !== client.clientId || access.revoked)
        throw oauthError("invalid_request", "The token is not a valid user access token of this client.");
      revokePersonTokens(context, "tiktok", access.personId, client.clientId);
      return {};
    });

    const authenticate: Authenticate = (request, acceptedScopes) => {
      const found = findAccessToken(context, ["tiktok"], bearerToken(request.headers.authorization));
      if (typeof found === "string")
        throw tiktokError(401, "access_token_invalid", "The access token is invalid or not found in the request.");
      const person = people.find((candidate) => candidate.id === found.personId)!;
      const client = findClient(context, "tiktok", found.clientId)!;
      if (!acceptedScopes.some((scope) => found.scopes.includes(scope)))
        throw tiktokError(
          401,
          "scope_not_authorized",
          `The user did not authorize the scope required for completing this request (${acceptedScopes.join(" or ")}).`,
        );
      return { token: found, client, person, creator: person.tiktok! };
    };

    /** Display API limits are per app, in a one-minute window. https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit */
    function displayLimit(caller: TikTokCaller, endpoint: string) {
      if (
        !context.take(`tiktok:${endpoint}:${caller.client.clientId}`, limits.tiktokDisplayCallsPerMinute, MINUTE)
          .allowed
      )
        throw rateLimited();
    }

    /** `fields` is required and each one must be known; answers them in order. */
    function fieldsOf(request: FastifyRequest, known: string[]): string[] {
      const fields = scopesFrom((request.query as Record<string, string | undefined>).fields, /,/);
      if (fields.length === 0) throw invalidParams("fields is required.");
      const unknown = fields.find((field) => !known.includes(field));
      if (unknown) throw invalidParams(`Invalid field: ${unknown}.`);
      return fields;
    }

    const videosOf = (openId: string) =>
      context.state.data.published
        .filter((item) => item.platform === "tiktok" && item.accountId === openId)
        .sort((a, b) => b.createdAt - a.createdAt);

    // https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
    app.get("/v2/user/info/", async (request) => {
      const caller = authenticate(request, scopes);
      displayLimit(caller, "user.info");
      const fields = fieldsOf(request, Object.keys(userFieldScopes));
      const missing = fields.find((field) => !caller.token.scopes.includes(userFieldScopes[field]!));
      if (missing)
        throw tiktokError(
          401,
          "scope_permission_missed",
          `The user did not grant ${userFieldScopes[missing]} (${missing}).`,
        );
      const { creator } = caller;
      // Counters that agree with the videos: likes are the sum of theirs, followers grow with their views.
      const publicVideos = videosOf(creator.openId)
        .filter(listed)
        .map((item) => videoView(item, ["view_count", "like_count"]) as { view_count: number; like_count: number });
      const totalViews = publicVideos.reduce((sum, video) => sum + video.view_count, 0);
      const avatar = `https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/${creator.openId}~c5_168x168.jpeg`;
      const values: Record<string, unknown> = {
        open_id: creator.openId,
        union_id: creator.unionId,
        avatar_url: avatar,
        avatar_url_100: avatar.replace("168x168", "100x100"),
        avatar_large_url: avatar.replace("168x168", "1080x1080"),
        display_name: creator.nickname,
        bio_description: "",
        profile_deep_link: `https://vm.tiktok.com/${creator.username}/`,
        is_verified: false,
        username: creator.username,
        follower_count: BASE_FOLLOWERS + shareOf(`${creator.openId}:followers`, totalViews, 0.001, 0.003),
        following_count: FOLLOWING,
        likes_count: publicVideos.reduce((sum, video) => sum + video.like_count, 0),
        video_count: publicVideos.length,
      };
      return answer({ user: Object.fromEntries(fields.map((field) => [field, values[field]])) });
    });

    /** Video list shows public posts only, and only once moderation has passed them. */
    const listed = (item: PublishedItem) => {
      const moderatedAt = item.extra.moderatedAt;
      return typeof moderatedAt === "number" && moderatedAt <= context.now();
    };

    function videoView(item: PublishedItem, fields: string[]) {
      const views = grown(`${item.id}:views`, item.createdAt, context.now(), 120);
      const values: Record<string, unknown> = {
        id: item.id,
        create_time: Math.floor(item.createdAt / 1000),
        title: item.text,
        video_description: item.text,
        duration: 15,
        cover_image_url: `https://p16-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068/${item.id}?x-expires=${Math.floor(context.now() / 1000) + 21_600}`,
        share_url: item.url,
        embed_link: `https://www.tiktok.com/player/v1/${item.id}`,
        view_count: views,
        like_count: shareOf(`${item.id}:likes`, views, 0.03, 0.09),
        comment_count: shareOf(`${item.id}:comments`, views, 0.001, 0.006),
        share_count: shareOf(`${item.id}:shares`, views, 0.001, 0.004),
      };
      return Object.fromEntries(fields.map((field) => [field, values[field]]));
    }

    // https://developers.tiktok.com/doc/tiktok-api-v2-video-list
    app.post("/v2/video/list/", async (request) => {
      const caller = authenticate(request, ["video.list"]);
      displayLimit(caller, "video.list");
      const fields = fieldsOf(request, videoFields);
      const body = (request.body ?? {}) as { max_count?: unknown; cursor?: unknown };
      const maxCount = body.max_count === undefined ? 10 : Number(body.max_count);
      if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > LIST_LIMIT)
        throw invalidParams(`max_count must be 1 to ${LIST_LIMIT}.`);
      const before = body.cursor === undefined ? Infinity : Number(body.cursor);
      const candidates = videosOf(caller.creator.openId).filter((item) => listed(item) && item.createdAt < before);
      const page = candidates.slice(0, maxCount);
      return answer({
        videos: page.map((item) => videoView(item, fields)),
        cursor: page.at(-1)?.createdAt ?? 0,
        has_more: candidates.length > page.length,
      });
    });

    /**
     * Video query: the caller's own videos among up to 20 ids, in the list's shape; an id that is
     * not the caller's public, moderated video is left out of the answer (not refused).
     * https://developers.tiktok.com/doc/tiktok-api-v2-video-query
     */
    app.post("/v2/video/query/", async (request) => {
      const caller = authenticate(request, ["video.list"]);
      displayLimit(caller, "video.query");
      const fields = fieldsOf(request, videoFields);
      const ids = (request.body as { filters?: { video_ids?: unknown } } | undefined)?.filters?.video_ids;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === "string"))
        throw invalidParams("filters.video_ids is required: a list of video ids.");
      if (ids.length > QUERY_LIMIT) throw invalidParams(`filters.video_ids takes at most ${QUERY_LIMIT} ids.`);
      const videos = videosOf(caller.creator.openId).filter((item) => listed(item) && ids.includes(item.id));
      return answer({ videos: videos.map((item) => videoView(item, fields)) });
    });

    registerContentPosting(app, context, authenticate);
  },
};
