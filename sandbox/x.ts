import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { weightedLength } from "../src/platforms/text-length.js";
import { PlatformReply, type SandboxContext, type SandboxPlatform, type WindowUse } from "./context.js";
import { contractViolation } from "./contract/index.js";
import { readForm } from "./form.js";
import { grown, shareOf } from "./metrics.js";
import { bearerToken, findAccessToken, findClient, registerAuthorizePage, scopesFrom } from "./oauth.js";
import { authenticateClient, registerTokenEndpoint, type TokenEndpoint } from "./oauth-grants.js";
import { people, type SandboxPerson } from "./seed.js";
import type { AccessTokenRecord, PublishedItem } from "./state.js";

/**
 * X API v2: OAuth 2.0 with PKCE and rotating refresh tokens, users/me, posts (threads by
 * reply), chunked media upload (dedicated endpoints and the older command= form), metrics,
 * per-user and per-app rate limits with x-rate-limit-* headers.
 * https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
 * https://docs.x.com/x-api/posts/creation-of-a-post
 */

const TEXT_LIMIT = 280;
const mediaLimits: Record<string, number> = {
  tweet_image: 5 * 1024 * 1024,
  tweet_gif: 15 * 1024 * 1024,
  tweet_video: 512 * 1024 * 1024,
};
const FIFTEEN_MINUTES = 15 * 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Non-public, organic and promoted metrics: only for posts created within the last 30 days. https://docs.x.com/x-api/fundamentals/metrics */
const PRIVATE_METRICS_DAYS = 30;
/** When the sandbox's X accounts started gaining followers, for a count that grows with the clock. */
const FOLLOWERS_SINCE = Date.UTC(2026, 0, 1);

/**
 * The metric groups only the post's author may read, each with the counts it holds (the metrics
 * page's examples); promoted ones exist only for posts promoted as ads, which the sandbox's never are.
 */
const privateMetrics: Record<string, string[]> = {
  non_public_metrics: ["impression_count", "url_link_clicks", "user_profile_clicks", "engagements"],
  organic_metrics: [
    "impression_count",
    "like_count",
    "reply_count",
    "retweet_count",
    "url_link_clicks",
    "user_profile_clicks",
  ],
  promoted_metrics: [
    "impression_count",
    "like_count",
    "reply_count",
    "retweet_count",
    "url_link_clicks",
    "user_profile_clicks",
  ],
};

/** Counts as of the hour: the same on every call within it, so tests assert exact numbers. */
const measuredAt = (now: number) => Math.floor(now / HOUR) * HOUR;

interface Upload {
  id: string;
  ownerId: string;
  mediaType: string;
  category: string;
  totalBytes: number;
  received: Record<string, number>;
  finalizedAt?: number;
  createdAt: number;
}

/** Media keys are the media id behind a type prefix: 3 photo, 7 video, 16 animated GIF. */
const mediaKeyPrefix: Record<string, number> = { image: 3, video: 7, gif: 16 };

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function problem(
  status: number,
  title: string,
  detail: string,
  type = "about:blank",
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return new PlatformReply(status, { title, detail, type, status, ...extra }, headers);
}

const unauthorized = () => problem(401, "Unauthorized", "Unauthorized");
const invalidRequest = (parameter: string, message: string) =>
  problem(
    400,
    "Invalid Request",
    "One or more parameters to your request was invalid.",
    "https://api.twitter.com/2/problems/invalid-request",
    {
      errors: [{ parameters: { [parameter]: [message] }, message }],
    },
  );

/** The parameter X would name: the first one the checker's sentence mentions. */
function queryRefused(query: URLSearchParams, violation: string) {
  const parameter = [...query.keys()].find((name) => violation.includes(`\`${name}\``)) ?? "query";
  return invalidRequest(parameter, violation);
}

function oauthError(status: number, error: string, description: string) {
  return new PlatformReply(status, { error, error_description: description });
}

function rateHeaders(use: WindowUse): Record<string, string> {
  return {
    "x-rate-limit-limit": String(use.limit),
    "x-rate-limit-remaining": String(use.remaining),
    "x-rate-limit-reset": String(Math.ceil(use.resetAt / 1000)),
  };
}

/** The 24-hour caps X reports beside the endpoint's window on POST /2/tweets. */
function dailyHeaders(who: "user" | "app", use: WindowUse): Record<string, string> {
  const prefix = `x-${who}-limit-24hour`;
  return {
    [`${prefix}-limit`]: String(use.limit),
    [`${prefix}-remaining`]: String(use.remaining),
    [`${prefix}-reset`]: String(Math.ceil(use.resetAt / 1000)),
  };
}

function tooManyRequests(use: WindowUse, headers: Record<string, string> = rateHeaders(use)) {
  return problem(429, "Too Many Requests", "Too Many Requests", "about:blank", {}, headers);
}

export const x: SandboxPlatform = {
  prefix: "x",
  standsFor: ["x"],
  realBaseUrls: { authorize: "https://x.com", api: "https://api.x.com" },
  transientError: (status) =>
    problem(status, status === 503 ? "Service Unavailable" : "Internal Server Error", "Service Unavailable"),
  rateLimitError: (retryAfterSeconds, now) =>
    tooManyRequests({ allowed: false, limit: 100, remaining: 0, resetAt: now + retryAfterSeconds * 1000 }),

  register(app: FastifyInstance, context: SandboxContext) {
    const { limits, lifetimes } = context.options;

    // X answers 400 to a query parameter, or a value, the operation does not declare.
    app.addHook("preHandler", async (request) => {
      if (request.method !== "GET" || !request.routeOptions.url?.includes("/2/")) return;
      const [path, search = ""] = request.url.split("?") as [string, string?];
      const violation = contractViolation({
        platform: "x",
        method: "GET",
        path: path.slice(path.indexOf("/2/")),
        query: new URLSearchParams(search),
        headers: {},
        body: undefined,
      });
      if (violation) throw queryRefused(new URLSearchParams(search), violation);
    });

    registerAuthorizePage(app, context, {
      platform: "x",
      path: "/i/oauth2/authorize",
      appLabel: "X",
      parse(query) {
        const client = findClient(context, "x", query.client_id);
        if (!client)
          return "Something went wrong: You weren't able to give access to the App. Go back and try logging in again.";
        if (!query.redirect_uri || !client.redirectUris.includes(query.redirect_uri))
          return "Something went wrong: the redirect_uri does not match the App's callback URLs.";
        if (query.response_type !== "code") return "Something went wrong: response_type must be code.";
        if (!query.state) return "Something went wrong: state is required.";
        if (!query.code_challenge || !["S256", "plain"].includes(query.code_challenge_method ?? "")) {
          return "Something went wrong: code_challenge and code_challenge_method (S256) are required.";
        }
        return {
          client,
          redirectUri: query.redirect_uri,
          scopes: scopesFrom(query.scope, /\s+/),
          state: query.state,
          codeChallenge: query.code_challenge,
          codeChallengeMethod: query.code_challenge_method,
        };
      },
      denied(request) {
        const target = new URL(request.redirectUri);
        target.searchParams.set("error", "access_denied");
        if (request.state !== undefined) target.searchParams.set("state", request.state);
        return target;
      },
    });

    /**
     * X's token endpoint: a confidential client authenticates with HTTP Basic only (401
     * without it); a refresh token only with offline.access, rotated on every use.
     * https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
     */
    const tokenEndpoint: TokenEndpoint = {
      platform: "x",
      path: "/2/oauth2/token",
      credentialsIn: ["basic"],
      refusals: {
        client: () => oauthError(401, "unauthorized_client", "Missing valid authorization header"),
        code: () => oauthError(400, "invalid_request", "Value passed for the authorization code was invalid."),
        refreshToken: () => oauthError(400, "invalid_request", "Value passed for the token was invalid."),
        grantType: () => oauthError(400, "invalid_request", "Missing required parameter [grant_type]."),
      },
      access: { prefix: "", lifetimeSeconds: lifetimes.xAccessSeconds },
      refresh: {
        prefix: "",
        lifetimeSeconds: lifetimes.xRefreshSeconds,
        issuedFor: (code) => code.scopes.includes("offline.access"),
        rotation: "rotate",
      },
      answer: ({ access, refresh }) => ({
        token_type: "bearer",
        expires_in: lifetimes.xAccessSeconds,
        access_token: access.token,
        scope: access.scopes.join(" "),
        ...(refresh ? { refresh_token: refresh.token } : {}),
      }),
    };
    registerTokenEndpoint(app, context, tokenEndpoint);

    app.post("/2/oauth2/revoke", async (request) => {
      const { client, fields } = await authenticateClient(context, tokenEndpoint, request);
      const access = fields.token ? context.state.data.accessTokens[fields.token] : undefined;
      const refresh = fields.token ? context.state.data.refreshTokens[fields.token] : undefined;
      if (access?.clientId === client.clientId) access.revoked = true;
      if (refresh?.clientId === client.clientId) refresh.revoked = true;
      return { revoked: true };
    });

    function authenticate(
      request: FastifyRequest,
      scope: string,
    ): { token: AccessTokenRecord; person: SandboxPerson & { x: NonNullable<SandboxPerson["x"]> } } {
      const found = findAccessToken(context, ["x"], bearerToken(request.headers.authorization));
      if (typeof found === "string") throw unauthorized();
      const person = people.find((candidate) => candidate.id === found.personId);
      if (!person?.x) throw problem(403, "Forbidden", "This account is suspended or not available.");
      if (!found.scopes.includes(scope)) {
        throw problem(
          403,
          "Unsupported Authentication",
          `Your token is missing the scope ${scope}.`,
          "https://api.twitter.com/2/problems/unsupported-authentication",
        );
      }
      return { token: found, person: person as SandboxPerson & { x: NonNullable<SandboxPerson["x"]> } };
    }

    function readLimit(reply: FastifyReply, userId: string, endpoint: string) {
      const use = context.take(`x:read:${endpoint}:${userId}`, limits.xReadsPer15MinutesPerUser, FIFTEEN_MINUTES);
      reply.headers(rateHeaders(use));
      if (!use.allowed) throw tooManyRequests(use);
    }

    /**
     * Pay-per-use: each post returned is billed once per app per UTC day, and an app's reads stop
     * at the monthly cap with X's 429 UsageCapExceeded (its shape as xdevplatform/xdk#25 reports
     * it; the cycle is taken here as the calendar month). A read that bills nothing new passes.
     * https://docs.x.com/x-api/getting-started/pricing
     */
    function billPostReads(token: AccessTokenRecord, ids: string[]) {
      const now = new Date(context.now());
      const day = now.toISOString().slice(0, 10);
      const billedToday = context.state.object<{ ids: string[] }>("x_billed", `${token.clientId}:${day}`) ?? {
        ids: [],
      };
      const fresh = [...new Set(ids)].filter((id) => !billedToday.ids.includes(id));
      if (fresh.length === 0) return;
      const cycle = context.state.object<{ reads: number }>("x_usage", `${token.clientId}:${day.slice(0, 7)}`) ?? {
        reads: 0,
      };
      if (cycle.reads + fresh.length > limits.xPostReadsPerMonthPerApp) {
        throw new PlatformReply(429, {
          title: "UsageCapExceeded",
          period: "Monthly",
          scope: "Product",
          detail: "Usage cap exceeded: Monthly product cap",
          type: "https://api.twitter.com/2/problems/usage-capped",
        });
      }
      cycle.reads += fresh.length;
      billedToday.ids.push(...fresh);
      context.state.putObject("x_usage", `${token.clientId}:${day.slice(0, 7)}`, cycle);
      context.state.putObject("x_billed", `${token.clientId}:${day}`, billedToday);
    }

    /** The posts lookup has its own windows, per user and per app. https://docs.x.com/x-api/fundamentals/rate-limits */
    function lookupLimit(reply: FastifyReply, token: AccessTokenRecord, userId: string) {
      const userUse = context.take(`x:lookup:user:${userId}`, limits.xLookupsPer15MinutesPerUser, FIFTEEN_MINUTES);
      const appUse = context.take(`x:lookup:app:${token.clientId}`, limits.xLookupsPer15MinutesPerApp, FIFTEEN_MINUTES);
      const spent = [userUse, appUse].find((use) => !use.allowed);
      const shown = spent ?? (appUse.remaining < userUse.remaining ? appUse : userUse);
      reply.headers(rateHeaders(shown));
      if (spent) throw tooManyRequests(spent);
    }

    const userView = (person: SandboxPerson & { x: NonNullable<SandboxPerson["x"]> }, fields: string[]) => ({
      id: person.x.userId,
      name: person.name,
      username: person.x.username,
      ...(fields.includes("profile_image_url")
        ? { profile_image_url: `https://pbs.twimg.com/profile_images/${person.x.userId}/avatar_normal.jpg` }
        : {}),
      // UserPublicMetrics as the OpenAPI document (v2.167) has it: post_count, not the older tweet_count.
      ...(fields.includes("public_metrics")
        ? {
            public_metrics: {
              followers_count: followersOf(person.x.userId),
              following_count: 300,
              post_count: postsOf(person.x.userId).length,
              listed_count: 4,
            },
          }
        : {}),
    });

    app.get("/2/users/me", async (request, reply) => {
      const { person } = authenticate(request, "users.read");
      readLimit(reply, person.x.userId, "users/me");
      const fields = ((request.query as Record<string, string>)["user.fields"] ?? "").split(",");
      return { data: userView(person, fields) };
    });

    const postsOf = (userId: string) =>
      context.state.data.published
        .filter((item) => item.platform === "x" && item.accountId === userId)
        .sort((a, b) => b.createdAt - a.createdAt);

    app.post("/2/tweets", async (request, reply) => {
      const { token, person } = authenticate(request, "tweet.write");
      const body = (request.body ?? {}) as {
        text?: unknown;
        media?: { media_ids?: unknown };
        reply?: { in_reply_to_tweet_id?: unknown };
      };
      const userUse = context.take(`x:post:user:${person.x.userId}`, limits.xPostsPer15MinutesPerUser, FIFTEEN_MINUTES);
      const userDay = context.take(`x:post:user-day:${person.x.userId}`, limits.xPostsPerDayPerUser, DAY);
      const appUse = context.take(`x:post:app:${token.clientId}`, limits.xPostsPerDayPerApp, DAY);
      const headers = { ...rateHeaders(userUse), ...dailyHeaders("user", userDay), ...dailyHeaders("app", appUse) };
      reply.headers(headers);
      if (!userUse.allowed || !userDay.allowed || !appUse.allowed) throw tooManyRequests(userUse, headers);

      const text = typeof body.text === "string" ? body.text : "";
      const mediaIds = Array.isArray(body.media?.media_ids) ? body.media.media_ids.map(String) : [];
      if (!text && mediaIds.length === 0) throw invalidRequest("text", "Post text or media is required.");
      if (weightedLength(text) > TEXT_LIMIT)
        throw invalidRequest(
          "text",
          `Your Post text is too long (${weightedLength(text)} of ${TEXT_LIMIT} weighted characters).`,
        );

      const media = mediaIds.map((id) => {
        const upload = context.state.object<Upload>("x_upload", id);
        if (!upload || upload.ownerId !== person.x.userId)
          throw invalidRequest("media.media_ids", `Your media IDs are invalid: ${id}.`);
        if (!isProcessed(upload)) throw invalidRequest("media.media_ids", `Media ${id} is still processing or failed.`);
        return { type: upload.category.replace("tweet_", ""), id, bytes: upload.totalBytes };
      });
      const videos = media.filter((item) => item.type === "video" || item.type === "gif").length;
      if (media.length > 4 || (videos > 0 && media.length > 1)) {
        throw invalidRequest("media.media_ids", "A post takes up to 4 images, or 1 GIF, or 1 video.");
      }

      const replyTo = body.reply?.in_reply_to_tweet_id ? String(body.reply.in_reply_to_tweet_id) : undefined;
      if (replyTo && !context.state.data.published.some((item) => item.platform === "x" && item.id === replyTo)) {
        throw invalidRequest(
          "reply.in_reply_to_tweet_id",
          "The post you are replying to does not exist or was deleted.",
        );
      }
      if (text && postsOf(person.x.userId).some((item) => item.text === text)) {
        throw problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.");
      }
      const id = context.state.nextId("x:post", "1860000000000000000");
      context.state.publish({
        platform: "x",
        accountId: person.x.userId,
        kind: replyTo ? "reply" : "post",
        id,
        createdAt: context.now(),
        url: `https://x.com/${person.x.username}/status/${id}`,
        text,
        media,
        parentId: replyTo,
        extra: {},
      });
      return reply.status(201).send({ data: { id, text, edit_history_tweet_ids: [id] } });
    });

    app.delete("/2/tweets/:id", async (request, reply) => {
      const { person } = authenticate(request, "tweet.write");
      readLimit(reply, person.x.userId, "tweets/delete");
      const { id } = request.params as { id: string };
      const published = context.state.data.published;
      const index = published.findIndex(
        (item) => item.platform === "x" && item.id === id && item.accountId === person.x.userId,
      );
      if (index >= 0) published.splice(index, 1);
      return { data: { deleted: index >= 0 } };
    });

    const followersOf = (userId: string) =>
      1_200 + grown(`${userId}:followers`, FOLLOWERS_SINCE, measuredAt(context.now()), 2);

    /** A post's counts, public and private, derived from its age alone. */
    function metricsOf(item: PublishedItem) {
      const impressions = grown(`${item.id}:impressions`, item.createdAt, measuredAt(context.now()), 150);
      const counts = {
        impressions,
        reposts: shareOf(`${item.id}:reposts`, impressions, 0.002, 0.01),
        replies: shareOf(`${item.id}:replies`, impressions, 0.001, 0.005),
        likes: shareOf(`${item.id}:likes`, impressions, 0.01, 0.04),
        quotes: shareOf(`${item.id}:quotes`, impressions, 0, 0.002),
        bookmarks: shareOf(`${item.id}:bookmarks`, impressions, 0, 0.004),
        clicks: shareOf(`${item.id}:clicks`, impressions, 0.005, 0.03),
        profileClicks: shareOf(`${item.id}:profile`, impressions, 0.001, 0.01),
        detailExpands: shareOf(`${item.id}:expands`, impressions, 0.002, 0.01),
      };
      const organic = {
        impression_count: impressions,
        like_count: counts.likes,
        reply_count: counts.replies,
        retweet_count: counts.reposts,
        url_link_clicks: counts.clicks,
        user_profile_clicks: counts.profileClicks,
      };
      return {
        public_metrics: {
          repost_count: counts.reposts,
          reply_count: counts.replies,
          like_count: counts.likes,
          quote_count: counts.quotes,
          bookmark_count: counts.bookmarks,
          impression_count: impressions,
        },
        non_public_metrics: {
          impression_count: impressions,
          url_link_clicks: counts.clicks,
          user_profile_clicks: counts.profileClicks,
          // Every interaction with the post: X's own composite.
          engagements:
            counts.likes +
            counts.replies +
            counts.reposts +
            counts.quotes +
            counts.bookmarks +
            counts.clicks +
            counts.profileClicks +
            counts.detailExpands,
        },
        organic_metrics: organic,
      };
    }

    /**
     * X answers a private metric asked for a post it may not show (someone else's, older than 30
     * days, or never promoted) with HTTP 200, an error per field, and the post left out of `data`.
     * The shape is X's partial-error answer as client libraries report it; the metrics page says
     * only that these metrics exist for the author's posts of the last 30 days.
     */
    function refusedFields(item: PublishedItem, query: Record<string, string>, viewerId: string, parameter: string) {
      const fields = (query["post.fields"] ?? "").split(",");
      const recent = context.now() - item.createdAt < PRIVATE_METRICS_DAYS * DAY;
      return Object.entries(privateMetrics)
        .filter(
          ([field]) =>
            fields.includes(field) && (field === "promoted_metrics" || item.accountId !== viewerId || !recent),
        )
        .flatMap(([field, counts]) =>
          counts.map((name) => ({
            value: item.id,
            detail: `Sorry, you are not authorized to access '${field}.${name}' on the Tweet with ${parameter} : [${item.id}].`,
            title: "Field Authorization Error",
            resource_type: "tweet",
            parameter,
            resource_id: item.id,
            field: `${field}.${name}`,
            section: "data",
            type: "https://api.twitter.com/2/problems/not-authorized-for-field",
          })),
        );
    }

    /** A post as X's OpenAPI document (v2.167) describes it: `post.fields`, and `referenced_posts` as an expansion. */
    function postView(item: PublishedItem, query: Record<string, string>) {
      const fields = (query["post.fields"] ?? "").split(",");
      const expansions = (query.expansions ?? "").split(",");
      const metrics = metricsOf(item);
      const { text, urls } = asDisplayed(item);
      return {
        id: item.id,
        text,
        edit_history_tweet_ids: [item.id],
        ...(fields.includes("created_at") ? { created_at: new Date(item.createdAt).toISOString() } : {}),
        ...(fields.includes("entities") && urls.length ? { entities: { urls } } : {}),
        ...(expansions.includes("referenced_posts") && item.parentId
          ? { referenced_posts: [{ type: "replied_to", id: item.parentId }] }
          : {}),
        ...(fields.includes("attachments") && item.media.length
          ? { attachments: { media_keys: item.media.map((media) => `${mediaKeyPrefix[media.type] ?? 3}_${media.id}`) } }
          : {}),
        ...(fields.includes("author_id") ? { author_id: item.accountId } : {}),
        ...(fields.includes("conversation_id") ? { conversation_id: rootOf(item).id } : {}),
        ...(fields.includes("public_metrics") ? { public_metrics: metrics.public_metrics } : {}),
        ...(fields.includes("non_public_metrics") ? { non_public_metrics: metrics.non_public_metrics } : {}),
        ...(fields.includes("organic_metrics") ? { organic_metrics: metrics.organic_metrics } : {}),
      };
    }

    /**
     * A post's text as X serves it: every link is a t.co link (entities.urls maps each back) and
     * `&`, `<`, `>` are HTML-escaped. https://docs.x.com/x-api/fundamentals/data-dictionary#tweet
     */
    function asDisplayed(item: PublishedItem) {
      const urls: { start: number; end: number; url: string; expanded_url: string; display_url: string }[] = [];
      let text = "";
      let rest = item.text;
      for (let match = /https?:\/\/\S+/.exec(rest); match; match = /https?:\/\/\S+/.exec(rest)) {
        text += escapeHtml(rest.slice(0, match.index));
        const short = `https://t.co/${createHash("sha256").update(match[0]).digest("base64url").slice(0, 10)}`;
        urls.push({
          start: [...text].length,
          end: [...text].length + short.length,
          url: short,
          expanded_url: match[0],
          display_url: match[0].replace(/^https?:\/\//, "").slice(0, 25),
        });
        text += short;
        rest = rest.slice(match.index + match[0].length);
      }
      return { text: text + escapeHtml(rest), urls };
    }

    function rootOf(item: PublishedItem): PublishedItem {
      let current = item;
      while (current.parentId) {
        const parent = context.state.findPublished(["x"], current.parentId);
        if (!parent) break;
        current = parent;
      }
      return current;
    }

    function notFoundErrors(ids: string[]) {
      return ids.map((id) => ({
        value: id,
        detail: `Could not find tweet with ids: [${id}].`,
        title: "Not Found Error",
        resource_type: "tweet",
        parameter: "ids",
        resource_id: id,
        type: "https://api.twitter.com/2/problems/resource-not-found",
      }));
    }

    app.get("/2/tweets", async (request, reply) => {
      const { token, person } = authenticate(request, "tweet.read");
      lookupLimit(reply, token, person.x.userId);
      const query = request.query as Record<string, string>;
      const ids = (query.ids ?? "").split(",").filter(Boolean);
      if (ids.length === 0 || ids.length > 100) throw invalidRequest("ids", "ids must name 1 to 100 posts.");
      const found = ids.map((id) => context.state.findPublished(["x"], id));
      const missing = ids.filter((_, index) => !found[index]);
      const data = [];
      const errors: object[] = notFoundErrors(missing);
      for (const item of found) {
        if (!item) continue;
        const refused = refusedFields(item, query, person.x.userId, "ids");
        if (refused.length > 0) errors.push(...refused);
        else data.push(postView(item, query));
      }
      billPostReads(
        token,
        data.map((post) => post.id),
      );
      return { ...(data.length ? { data } : {}), ...(errors.length ? { errors } : {}) };
    });

    app.get("/2/tweets/:id", async (request, reply) => {
      const { token, person } = authenticate(request, "tweet.read");
      readLimit(reply, person.x.userId, "tweets");
      const { id } = request.params as { id: string };
      const query = request.query as Record<string, string>;
      const item = context.state.findPublished(["x"], id);
      if (!item) return { errors: notFoundErrors([id]) };
      const refused = refusedFields(item, query, person.x.userId, "id");
      if (refused.length > 0) return { errors: refused };
      billPostReads(token, [item.id]);
      return { data: postView(item, query) };
    });

    app.get("/2/users/:id/tweets", async (request, reply) => {
      const { token, person } = authenticate(request, "tweet.read");
      readLimit(reply, person.x.userId, "users/tweets");
      const { id } = request.params as { id: string };
      const query = request.query as Record<string, string>;
      const since = query.start_time ? Date.parse(query.start_time) : 0;
      const max = Math.min(100, Math.max(5, Number(query.max_results ?? 10)));
      // Pages by an opaque token (here the offset), newest first, as X pages timelines.
      const offset = query.pagination_token ? Number(Buffer.from(query.pagination_token, "base64url").toString()) : 0;
      if (!Number.isInteger(offset) || offset < 0)
        throw invalidRequest("pagination_token", "The pagination_token query parameter value is not valid.");
      const matching = postsOf(id).filter((item) => item.createdAt >= since);
      const items = matching.slice(offset, offset + max);
      const nextToken =
        offset + max < matching.length ? Buffer.from(String(offset + max)).toString("base64url") : undefined;
      const refused = items.flatMap((item) => refusedFields(item, query, person.x.userId, "id"));
      const shown = items.filter((item) => !refused.some((error) => error.resource_id === item.id));
      billPostReads(
        token,
        shown.map((item) => item.id),
      );
      return {
        ...(shown.length ? { data: shown.map((item) => postView(item, query)) } : {}),
        ...(refused.length ? { errors: refused } : {}),
        meta: {
          result_count: items.length,
          ...(items.length ? { newest_id: items[0]!.id, oldest_id: items.at(-1)!.id } : {}),
          ...(nextToken ? { next_token: nextToken } : {}),
        },
      };
    });

    // Media upload: https://docs.x.com/x-api/media/quickstart/media-upload-chunked
    function isProcessed(upload: Upload): boolean {
      if (!upload.finalizedAt) return false;
      if (upload.category === "tweet_image") return true;
      return context.now() - upload.finalizedAt >= lifetimes.videoProcessingSeconds * 1000;
    }

    function receivedBytes(upload: Upload): number {
      return Object.values(upload.received).reduce((sum, bytes) => sum + bytes, 0);
    }

    function initialize(ownerId: string, fields: Record<string, string>) {
      const totalBytes = Number(fields.total_bytes);
      const mediaType = fields.media_type ?? "";
      const category =
        fields.media_category ??
        (mediaType.startsWith("video/") ? "tweet_video" : mediaType === "image/gif" ? "tweet_gif" : "tweet_image");
      if (!Number.isInteger(totalBytes) || totalBytes <= 0)
        throw invalidRequest("total_bytes", "total_bytes must be a positive integer.");
      if (!/^(image\/(jpeg|png|webp|gif)|video\/(mp4|quicktime))$/.test(mediaType))
        throw invalidRequest("media_type", `Unsupported media_type ${mediaType}.`);
      const limit = mediaLimits[category];
      if (!limit) throw invalidRequest("media_category", `Unsupported media_category ${category}.`);
      if (totalBytes > limit) throw invalidRequest("total_bytes", `File size exceeds ${limit} bytes for ${category}.`);
      const id = context.state.nextId("x:media", "1870000000000000000");
      const upload: Upload = { id, ownerId, mediaType, category, totalBytes, received: {}, createdAt: context.now() };
      context.state.putObject("x_upload", id, upload);
      return { data: { id, media_key: `3_${id}`, expires_after_secs: 86_400 } };
    }

    function append(ownerId: string, id: string, segmentIndex: string | undefined, bytes: Buffer | undefined) {
      const upload = context.state.object<Upload>("x_upload", id);
      if (!upload || upload.ownerId !== ownerId) throw invalidRequest("media_id", "Invalid media id.");
      if (!bytes) throw invalidRequest("media", "media is required.");
      const index = Number(segmentIndex);
      if (!Number.isInteger(index) || index < 0 || index > 999)
        throw invalidRequest("segment_index", "segment_index must be 0 to 999.");
      upload.received[String(index)] = bytes.length;
      if (receivedBytes(upload) > upload.totalBytes) throw invalidRequest("media", "More bytes than total_bytes.");
      context.state.putObject("x_upload", id, upload);
    }

    function finalize(ownerId: string, id: string) {
      const upload = context.state.object<Upload>("x_upload", id);
      if (!upload || upload.ownerId !== ownerId) throw invalidRequest("media_id", "Invalid media id.");
      if (receivedBytes(upload) !== upload.totalBytes) {
        throw invalidRequest(
          "media",
          `File size mismatch: received ${receivedBytes(upload)} of ${upload.totalBytes} bytes.`,
        );
      }
      upload.finalizedAt = context.now();
      context.state.putObject("x_upload", id, upload);
      return {
        data: {
          id,
          media_key: `3_${id}`,
          size: upload.totalBytes,
          expires_after_secs: 86_400,
          ...processingInfo(upload),
        },
      };
    }

    function processingInfo(upload: Upload) {
      if (upload.category === "tweet_image") return {};
      if (isProcessed(upload)) return { processing_info: { state: "succeeded", progress_percent: 100 } };
      return {
        processing_info: {
          state: upload.finalizedAt ? "in_progress" : "pending",
          check_after_secs: 1,
          progress_percent: 40,
        },
      };
    }

    function status(ownerId: string, id: string | undefined) {
      const upload = id ? context.state.object<Upload>("x_upload", id) : undefined;
      if (!upload || upload.ownerId !== ownerId) throw invalidRequest("media_id", "Invalid media id.");
      return { data: { id: upload.id, media_key: `3_${upload.id}`, ...processingInfo(upload) } };
    }

    app.post("/2/media/upload/initialize", async (request) => {
      const { person } = authenticate(request, "media.write");
      const { fields } = await readForm(request);
      return initialize(person.x.userId, fields);
    });

    app.post("/2/media/upload/:id/append", async (request, reply) => {
      const { person } = authenticate(request, "media.write");
      const { fields, files } = await readForm(request);
      const mediaFile = files.find((file) => file.field === "media");
      const bytes = mediaFile?.bytes ?? (fields.media ? Buffer.from(fields.media, "base64") : undefined);
      append(person.x.userId, (request.params as { id: string }).id, fields.segment_index, bytes);
      return reply.status(200).send({ data: { expires_at: Math.floor((context.now() + 86_400_000) / 1000) } });
    });

    app.post("/2/media/upload/:id/finalize", async (request) => {
      const { person } = authenticate(request, "media.write");
      return finalize(person.x.userId, (request.params as { id: string }).id);
    });

    // The older single endpoint: command=INIT|APPEND|FINALIZE, or a one-shot upload of a small image.
    app.post("/2/media/upload", async (request, reply) => {
      const { person } = authenticate(request, "media.write");
      const { fields, files } = await readForm(request);
      const mediaFile = files.find((file) => file.field === "media");
      switch (fields.command) {
        case "INIT":
          return initialize(person.x.userId, fields);
        case "APPEND":
          append(
            person.x.userId,
            fields.media_id ?? "",
            fields.segment_index,
            mediaFile?.bytes ?? (fields.media_data ? Buffer.from(fields.media_data, "base64") : undefined),
          );
          return reply.status(204).send();
        case "FINALIZE":
          return finalize(person.x.userId, fields.media_id ?? "");
        case undefined: {
          if (!mediaFile) throw invalidRequest("media", "media is required.");
          const created = initialize(person.x.userId, {
            total_bytes: String(mediaFile.bytes.length),
            media_type: mediaFile.mimetype,
            media_category: fields.media_category ?? "tweet_image",
          });
          append(person.x.userId, created.data.id, "0", mediaFile.bytes);
          return finalize(person.x.userId, created.data.id);
        }
        default:
          throw invalidRequest("command", `Unknown command ${fields.command}.`);
      }
    });

    app.get("/2/media/upload", async (request) => {
      const { person } = authenticate(request, "media.write");
      const query = request.query as Record<string, string>;
      if (query.command !== "STATUS") throw invalidRequest("command", "command must be STATUS.");
      return status(person.x.userId, query.media_id);
    });
  },
};
