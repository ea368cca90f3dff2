import type { FastifyInstance, FastifyRequest } from "fastify";
import { nextMidnight } from "../src/platforms/reset-times.js";
import { PlatformReply, type SandboxContext, type SandboxPlatform } from "./context.js";
import { readForm } from "./form.js";
import { grown, shareOf } from "./metrics.js";
import { bearerToken, findAccessToken, findClient, registerAuthorizePage, scopesFrom } from "./oauth.js";
import { registerJwks } from "./id-tokens.js";
import { registerTokenEndpoint } from "./oauth-grants.js";
import { channels, people } from "./seed.js";
import type { AccessTokenRecord, PublishedItem } from "./state.js";

/**
 * Google OAuth 2.0 and YouTube: channels, resumable uploads, videos, the uploads playlist,
 * quota units, and YouTube Analytics reports.
 * https://developers.google.com/identity/protocols/oauth2/web-server
 * https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol
 */

const TITLE_LIMIT = 100;
const DESCRIPTION_BYTES_LIMIT = 5_000;
const CHUNK_GRANULARITY = 256 * 1024;
const SCOPE_UPLOAD = "https://www.googleapis.com/auth/youtube.upload";
const SCOPE_READ = "https://www.googleapis.com/auth/youtube.readonly";
const SCOPE_FULL = "https://www.googleapis.com/auth/youtube";
const SCOPE_ANALYTICS = "https://www.googleapis.com/auth/yt-analytics.readonly";
const SCOPE_PARTNER = "https://www.googleapis.com/auth/youtubepartner";
const SCOPE_ANALYTICS_MONETARY = "https://www.googleapis.com/auth/yt-analytics-monetary.readonly";
const unitCosts = { list: 1, delete: 50 };
/** The metrics the sandbox's reports answer, with their column types. https://developers.google.com/youtube/analytics/metrics */
const analyticsMetricTypes: Record<string, string> = {
  views: "INTEGER",
  estimatedMinutesWatched: "INTEGER",
  averageViewDuration: "INTEGER",
  likes: "INTEGER",
  comments: "INTEGER",
  shares: "INTEGER",
  subscribersGained: "INTEGER",
  subscribersLost: "INTEGER",
};
/** A video filter takes up to 500 ids (unconfirmed); the top-videos report at most 200 rows. */
const VIDEO_FILTER_LIMIT = 500;
const TOP_VIDEOS_LIMIT = 200;
const VIDEOS_PER_LIST = 50;
/** The Analytics API's quota is per project in the Cloud console and not published: assumed as the Data API's. */
const ANALYTICS_QUERIES_PER_DAY = 10_000;
/** A channel that hides its subscriber count. */
const HIDDEN_SUBSCRIBERS = new Set(["UCsandboxBenRides000002"]);

interface UploadSession {
  id: string;
  channelId: string;
  clientId: string;
  totalBytes: number;
  contentType: string;
  received: number;
  snippet: { title: string; description: string; tags: string[]; categoryId: string };
  status: { privacyStatus: string; selfDeclaredMadeForKids: boolean; publishAt?: string };
  videoId?: string;
}

function googleError(
  status: number,
  statusText: string,
  message: string,
  errors: { domain: string; reason: string; message?: string; location?: string; locationType?: string }[],
) {
  return new PlatformReply(status, {
    error: {
      code: status,
      message,
      errors: errors.map((error) => ({ message: error.message ?? message, ...error })),
      status: statusText,
    },
  });
}

const unauthenticated = () =>
  googleError(
    401,
    "UNAUTHENTICATED",
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
    [
      {
        domain: "global",
        reason: "authError",
        message: "Invalid Credentials",
        location: "Authorization",
        locationType: "header",
      },
    ],
  );

const quotaExceeded = () =>
  googleError(
    403,
    "PERMISSION_DENIED",
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
    [{ domain: "youtube.quota", reason: "quotaExceeded" }],
  );

const invalidArgument = (reason: string, message: string, domain = "youtube.video") =>
  googleError(400, "INVALID_ARGUMENT", message, [{ domain, reason }]);

const personOf = (personId: string) => people.find((person) => person.id === personId)!;

const oauthError = (status: number, error: string, description: string) =>
  new PlatformReply(status, { error, error_description: description });

export const youtube: SandboxPlatform = {
  prefix: "google",
  standsFor: ["youtube"],
  realBaseUrls: {
    authorize: "https://accounts.google.com",
    token: "https://oauth2.googleapis.com",
    api: "https://www.googleapis.com",
    analytics: "https://youtubeanalytics.googleapis.com",
  },
  transientError: (status) =>
    googleError(status, status === 503 ? "UNAVAILABLE" : "INTERNAL", "The service is currently unavailable.", [
      { domain: "global", reason: "backendError" },
    ]),
  rateLimitError: () => quotaExceeded(),

  register(app: FastifyInstance, context: SandboxContext) {
    const { lifetimes, limits } = context.options;

    registerAuthorizePage(app, context, {
      platform: "youtube",
      path: "/o/oauth2/v2/auth",
      appLabel: "Google",
      identities: () =>
        people.flatMap((person) => {
          const owned = channels.filter((channel) => person.google.channelIds.includes(channel.id));
          return owned.length === 0
            ? [{ value: person.id, label: `${person.name} (no YouTube channel)`, personId: person.id }]
            : owned.map((channel) => ({
                value: `${person.id}:${channel.id}`,
                label: `${person.name}: ${channel.title}`,
                personId: person.id,
                subject: channel.id,
              }));
        }),
      parse(query) {
        const client = findClient(context, "youtube", query.client_id);
        if (!client) return "Error 401: invalid_client. The OAuth client was not found.";
        if (!query.redirect_uri || !client.redirectUris.includes(query.redirect_uri))
          return "Error 400: redirect_uri_mismatch";
        if (query.response_type !== "code") return "Error 400: unsupported_response_type";
        if (query.code_challenge && !["S256", "plain"].includes(query.code_challenge_method ?? "plain"))
          return "Error 400: invalid_request (code_challenge_method)";
        return {
          client,
          redirectUri: query.redirect_uri,
          scopes: scopesFrom(query.scope, /\s+/),
          state: query.state,
          codeChallenge: query.code_challenge,
          codeChallengeMethod: query.code_challenge ? (query.code_challenge_method ?? "plain") : undefined,
          offline: query.access_type === "offline",
          includeGrantedScopes: query.include_granted_scopes === "true",
        };
      },
      // https://developers.google.com/identity/protocols/oauth2/web-server#handlingresponse
      issuerOnCallback: { issuerPath: "" },
      denied(request) {
        const target = new URL(request.redirectUri);
        target.searchParams.set("error", "access_denied");
        if (request.state !== undefined) target.searchParams.set("state", request.state);
        return target;
      },
    });

    /**
     * Google's token endpoint: credentials by HTTP Basic or in the form; a refresh token only
     * for access_type=offline, kept for good and never sent again on refresh.
     * https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
     * https://developers.google.com/identity/protocols/oauth2/web-server#offline
     */
    registerTokenEndpoint(app, context, {
      platform: "youtube",
      path: "/token",
      credentialsIn: ["basic", "form"],
      refusals: {
        client: () => oauthError(401, "invalid_client", "Unauthorized"),
        code(rejection) {
          switch (rejection) {
            case "redirect_mismatch":
              return oauthError(400, "redirect_uri_mismatch", "Bad Request");
            case "pkce_missing":
              return oauthError(400, "invalid_grant", "Missing code verifier.");
            case "pkce_mismatch":
              return oauthError(400, "invalid_grant", "Invalid code verifier.");
            default:
              return oauthError(400, "invalid_grant", "Bad Request");
          }
        },
        refreshToken: () => oauthError(400, "invalid_grant", "Token has been expired or revoked."),
        grantType: (grantType) => oauthError(400, "unsupported_grant_type", "Invalid grant_type: " + (grantType ?? "")),
      },
      access: { prefix: "ya29.", lifetimeSeconds: lifetimes.googleAccessSeconds },
      refresh: {
        prefix: "1//",
        lifetimeSeconds: lifetimes.googleRefreshSeconds,
        issuedFor: (code) => Boolean(code.offline),
        rotation: "keep",
      },
      answer: ({ access, refresh }) => ({
        access_token: access.token,
        expires_in: lifetimes.googleAccessSeconds,
        ...(refresh ? { refresh_token: refresh.token } : {}),
        scope: access.scopes.join(" "),
        token_type: "Bearer",
      }),
      // https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
      idTokens: {
        issuerPath: "",
        subject: (personId) => personOf(personId).google.sub,
        claims: (personId, scopes) =>
          scopes.includes("email") ? { email: personOf(personId).email, email_verified: true } : {},
      },
      incrementalGrants: true,
    });
    registerJwks(app, "/oauth2/v3/certs");

    app.post("/revoke", async (request, reply) => {
      const { fields } = await readForm(request);
      const access = fields.token ? context.state.data.accessTokens[fields.token] : undefined;
      const refresh = fields.token ? context.state.data.refreshTokens[fields.token] : undefined;
      if ((!access || access.platform !== "youtube") && (!refresh || refresh.platform !== "youtube")) {
        throw oauthError(400, "invalid_token", "Token expired or revoked");
      }
      // Revoking either token of a grant revokes the grant.
      const personId = (access ?? refresh)!.personId;
      const clientId = (access ?? refresh)!.clientId;
      for (const record of [
        ...Object.values(context.state.data.accessTokens),
        ...Object.values(context.state.data.refreshTokens),
      ]) {
        if (record.platform === "youtube" && record.personId === personId && record.clientId === clientId)
          record.revoked = true;
      }
      return reply.status(200).send({});
    });

    function authenticate(request: FastifyRequest, acceptedScopes: string[]): AccessTokenRecord {
      const found = findAccessToken(context, ["youtube"], bearerToken(request.headers.authorization));
      if (typeof found === "string") throw unauthenticated();
      if (!acceptedScopes.some((scope) => found.scopes.includes(scope))) {
        throw googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", [
          { domain: "global", reason: "insufficientPermissions" },
        ]);
      }
      return found;
    }

    /** Reports ask for each group's scopes: one of the Analytics scopes and one that reads YouTube. */
    function authenticateAll(request: FastifyRequest, groups: string[][]): AccessTokenRecord {
      const found = authenticate(request, groups.flat());
      if (!groups.every((group) => group.some((scope) => found.scopes.includes(scope))))
        throw googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", [
          { domain: "global", reason: "insufficientPermissions" },
        ]);
      return found;
    }

    function spend(token: AccessTokenRecord, units: number) {
      const use = context.take(`youtube:units:${token.clientId}`, limits.youtubeUnitsPerDay, 86_400_000, {
        cost: units,
        resetAt: (now) => nextMidnight("America/Los_Angeles", now).getTime(),
      });
      if (!use.allowed) throw quotaExceeded();
    }

    const channelsOf = (token: AccessTokenRecord) => channels.filter((channel) => channel.id === token.subject);
    const videosOf = (channelId: string) =>
      context.state.data.published
        .filter((item) => item.platform === "youtube" && item.accountId === channelId)
        .sort((a, b) => b.createdAt - a.createdAt);
    const parts = (request: FastifyRequest) =>
      ((request.query as Record<string, string>).part ?? "").split(",").map((part) => part.trim());

    app.get("/youtube/v3/channels", async (request) => {
      const token = authenticate(request, [SCOPE_READ, SCOPE_FULL, SCOPE_UPLOAD]);
      spend(token, unitCosts.list);
      const query = request.query as Record<string, string>;
      if (!query.part)
        throw invalidArgument(
          "required",
          "No filter selected. Expected one of: mine, id, forHandle, forUsername.",
          "global",
        );
      const selected =
        query.mine === "true"
          ? channelsOf(token)
          : channels.filter((channel) => (query.id ?? "").split(",").includes(channel.id));
      const wanted = parts(request);
      return {
        kind: "youtube#channelListResponse",
        etag: "sandbox-etag",
        pageInfo: { totalResults: selected.length, resultsPerPage: 5 },
        items: selected.map((channel) => ({
          kind: "youtube#channel",
          etag: `etag-${channel.id}`,
          id: channel.id,
          ...(wanted.includes("snippet")
            ? {
                snippet: {
                  title: channel.title,
                  description: "",
                  customUrl: channel.customUrl,
                  publishedAt: "2020-01-01T00:00:00Z",
                  thumbnails: { default: { url: `https://yt3.ggpht.com/${channel.id}=s88`, width: 88, height: 88 } },
                },
              }
            : {}),
          ...(wanted.includes("statistics")
            ? {
                statistics: {
                  viewCount: String(channel.subscriberCount * 37),
                  ...(HIDDEN_SUBSCRIBERS.has(channel.id) ? {} : { subscriberCount: String(channel.subscriberCount) }),
                  hiddenSubscriberCount: HIDDEN_SUBSCRIBERS.has(channel.id),
                  videoCount: String(videosOf(channel.id).length),
                },
              }
            : {}),
          ...(wanted.includes("contentDetails")
            ? { contentDetails: { relatedPlaylists: { likes: "", uploads: `UU${channel.id.slice(2)}` } } }
            : {}),
        })),
      };
    });

    app.post("/upload/youtube/v3/videos", async (request, reply) => {
      const token = authenticate(request, [SCOPE_UPLOAD, SCOPE_FULL]);
      const query = request.query as Record<string, string>;
      if (query.uploadType !== "resumable")
        throw invalidArgument("invalidUploadType", "The sandbox takes uploadType=resumable.", "global");
      const channelId = token.subject;
      if (!channelId)
        throw googleError(401, "UNAUTHENTICATED", "Unauthorized", [
          { domain: "youtube.header", reason: "youtubeSignupRequired", message: "The user has no YouTube channel." },
        ]);
      const totalBytes = Number(request.headers["x-upload-content-length"]);
      const contentType = String(request.headers["x-upload-content-type"] ?? "video/*");
      if (!Number.isInteger(totalBytes) || totalBytes <= 0)
        throw invalidArgument("badContent", "X-Upload-Content-Length is required.", "global");
      if (!/^(video\/|application\/octet-stream)/.test(contentType))
        throw invalidArgument("invalidContentType", "Media type not supported for videos.", "global");
      const body = (request.body ?? {}) as {
        snippet?: { title?: string; description?: string; tags?: string[]; categoryId?: string };
        status?: { privacyStatus?: string; selfDeclaredMadeForKids?: boolean; publishAt?: string };
      };
      const title = body.snippet?.title ?? "";
      const description = body.snippet?.description ?? "";
      if (!title.trim())
        throw invalidArgument("invalidTitle", "The request metadata specifies an invalid or empty video title.");
      if ([...title].length > TITLE_LIMIT || /[<>]/.test(title))
        throw invalidArgument("invalidTitle", "The request metadata specifies an invalid video title.");
      if (Buffer.byteLength(description) > DESCRIPTION_BYTES_LIMIT || /[<>]/.test(description)) {
        throw invalidArgument("invalidDescription", "The request metadata specifies an invalid video description.");
      }
      const privacyStatus = body.status?.privacyStatus ?? "public";
      if (!["public", "unlisted", "private"].includes(privacyStatus))
        throw invalidArgument("invalidVideoMetadata", "The request metadata specifies an invalid privacy status.");
      // Uploads from an API project Google has not audited are locked private, whatever was asked.
      // https://developers.google.com/youtube/v3/docs/videos/insert
      const audited = findClient(context, "youtube", token.clientId)?.audited === true;
      const bucket = context.take(`youtube:uploads:${token.clientId}`, limits.youtubeUploadsPerDay, 86_400_000, {
        resetAt: (now) => nextMidnight("America/Los_Angeles", now).getTime(),
      });
      if (!bucket.allowed) throw quotaExceeded();
      const session: UploadSession = {
        id: context.state.secret("ADPycd", 24),
        channelId,
        clientId: token.clientId,
        totalBytes,
        contentType,
        received: 0,
        snippet: { title, description, tags: body.snippet?.tags ?? [], categoryId: body.snippet?.categoryId ?? "22" },
        status: {
          privacyStatus: audited ? privacyStatus : "private",
          selfDeclaredMadeForKids: body.status?.selfDeclaredMadeForKids ?? false,
          publishAt: body.status?.publishAt,
        },
      };
      context.state.putObject("yt_upload", session.id, session);
      const location = new URL(`${request.protocol}://${request.host}${app.prefix}/upload/youtube/v3/videos`);
      location.searchParams.set("uploadType", "resumable");
      location.searchParams.set("upload_id", session.id);
      return reply
        .status(200)
        .header("location", location.toString())
        .header("x-guploader-uploadid", session.id)
        .send();
    });

    app.put("/upload/youtube/v3/videos", async (request, reply) => {
      const uploadId = (request.query as Record<string, string>).upload_id;
      const session = uploadId ? context.state.object<UploadSession>("yt_upload", uploadId) : undefined;
      if (!session)
        throw googleError(404, "NOT_FOUND", "Upload session not found or expired.", [
          { domain: "global", reason: "notFound" },
        ]);
      if (session.videoId)
        return reply.status(200).send(videoResource(videoOf(session.videoId)!, ["snippet", "status"]));
      const range = String(request.headers["content-range"] ?? "");
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const incomplete = () => {
        if (session.received > 0) reply.header("range", `bytes=0-${session.received - 1}`);
        return reply.status(308).send();
      };
      // "bytes */TOTAL": where does the upload stand?
      if (/^bytes \*\/\d+$/.test(range)) return incomplete();
      const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
      const first = match ? Number(match[1]) : 0;
      const last = match ? Number(match[2]) : body.length - 1;
      if (first !== session.received || last - first + 1 !== body.length) {
        throw invalidArgument(
          "badContent",
          `Content-Range ${range || "(none)"} does not continue from byte ${session.received}.`,
          "global",
        );
      }
      const final = last + 1 === session.totalBytes;
      if (!final && body.length % CHUNK_GRANULARITY !== 0)
        throw invalidArgument("badContent", "Chunks other than the last must be a multiple of 256 KiB.", "global");
      session.received += body.length;
      if (!final) {
        context.state.putObject("yt_upload", session.id, session);
        return incomplete();
      }
      const videoId = Buffer.from(context.state.nextId("yt:video", "1000000"))
        .toString("base64url")
        .padEnd(11, "Q")
        .slice(0, 11);
      session.videoId = videoId;
      context.state.putObject("yt_upload", session.id, session);
      const item = context.state.publish({
        platform: "youtube",
        accountId: session.channelId,
        kind: "video",
        id: videoId,
        createdAt: context.now(),
        url: `https://www.youtube.com/watch?v=${videoId}`,
        text: session.snippet.description,
        media: [{ type: "video", bytes: session.totalBytes }],
        extra: { snippet: session.snippet, status: session.status },
      });
      return reply.status(200).send(videoResource(item, ["snippet", "status"]));
    });

    const videoOf = (id: string) => context.state.findPublished(["youtube"], id);

    function videoResource(item: PublishedItem, wanted: string[]) {
      const snippet = item.extra.snippet as UploadSession["snippet"];
      const status = item.extra.status as UploadSession["status"];
      const channel = channels.find((candidate) => candidate.id === item.accountId);
      const processed = context.now() - item.createdAt >= lifetimes.videoProcessingSeconds * 1000;
      const views = grown(`${item.id}:views`, item.createdAt, context.now(), 70);
      return {
        kind: "youtube#video",
        etag: `etag-${item.id}`,
        id: item.id,
        ...(wanted.includes("snippet")
          ? {
              snippet: {
                publishedAt: new Date(item.createdAt).toISOString(),
                channelId: item.accountId,
                title: snippet.title,
                description: snippet.description,
                thumbnails: {
                  default: { url: `https://i.ytimg.com/vi/${item.id}/default.jpg`, width: 120, height: 90 },
                },
                channelTitle: channel?.title,
                tags: snippet.tags,
                categoryId: snippet.categoryId,
              },
            }
          : {}),
        ...(wanted.includes("status")
          ? {
              status: {
                uploadStatus: processed ? "processed" : "uploaded",
                privacyStatus: status.privacyStatus,
                license: "youtube",
                embeddable: true,
                publicStatsViewable: true,
                selfDeclaredMadeForKids: status.selfDeclaredMadeForKids,
                ...(status.publishAt ? { publishAt: status.publishAt } : {}),
              },
            }
          : {}),
        ...(wanted.includes("statistics")
          ? {
              statistics: {
                viewCount: String(views),
                likeCount: String(shareOf(`${item.id}:likes`, views, 0.02, 0.06)),
                favoriteCount: "0",
                commentCount: String(shareOf(`${item.id}:comments`, views, 0.001, 0.006)),
              },
            }
          : {}),
      };
    }

    app.get("/youtube/v3/videos", async (request) => {
      const token = authenticate(request, [SCOPE_READ, SCOPE_FULL, SCOPE_UPLOAD]);
      spend(token, unitCosts.list);
      const ids = ((request.query as Record<string, string>).id ?? "").split(",").filter(Boolean);
      // https://developers.google.com/youtube/v3/docs/videos/list#id (50 at most; the refusal's wording is the sandbox's)
      if (ids.length > VIDEOS_PER_LIST)
        throw invalidArgument(
          "invalidFilters",
          `The request specifies more than ${VIDEOS_PER_LIST} video ids.`,
          "youtube.parameter",
        );
      const items = ids.map(videoOf).filter((item): item is PublishedItem => Boolean(item));
      return {
        kind: "youtube#videoListResponse",
        etag: "sandbox-etag",
        items: items.map((item) => videoResource(item, parts(request))),
        pageInfo: { totalResults: items.length, resultsPerPage: items.length },
      };
    });

    app.delete("/youtube/v3/videos", async (request, reply) => {
      const token = authenticate(request, [SCOPE_FULL, SCOPE_UPLOAD]);
      spend(token, unitCosts.delete);
      const id = (request.query as Record<string, string>).id ?? "";
      const item = videoOf(id);
      if (!item || item.accountId !== token.subject)
        throw googleError(404, "NOT_FOUND", "The video that you are trying to delete cannot be found.", [
          { domain: "youtube.video", reason: "videoNotFound" },
        ]);
      context.state.data.published.splice(context.state.data.published.indexOf(item), 1);
      return reply.status(204).send();
    });

    app.get("/youtube/v3/playlistItems", async (request) => {
      const token = authenticate(request, [SCOPE_READ, SCOPE_FULL, SCOPE_UPLOAD]);
      spend(token, unitCosts.list);
      const query = request.query as Record<string, string>;
      const channel = channels.find((candidate) => `UU${candidate.id.slice(2)}` === query.playlistId);
      if (!channel)
        throw googleError(
          404,
          "NOT_FOUND",
          "The playlist identified with the request's playlistId parameter cannot be found.",
          [{ domain: "youtube.playlistItem", reason: "playlistNotFound" }],
        );
      const max = Math.min(50, Number(query.maxResults ?? 5));
      const items = videosOf(channel.id).slice(0, max);
      return {
        kind: "youtube#playlistItemListResponse",
        etag: "sandbox-etag",
        items: items.map((item) => ({
          kind: "youtube#playlistItem",
          id: `PLI${item.id}`,
          snippet: {
            publishedAt: new Date(item.createdAt).toISOString(),
            channelId: channel.id,
            title: (item.extra.snippet as UploadSession["snippet"]).title,
            description: (item.extra.snippet as UploadSession["snippet"]).description,
            resourceId: { kind: "youtube#video", videoId: item.id },
          },
          contentDetails: { videoId: item.id, videoPublishedAt: new Date(item.createdAt).toISOString() },
        })),
        pageInfo: { totalResults: videosOf(channel.id).length, resultsPerPage: max },
      };
    });

    /**
     * YouTube Analytics reports: https://developers.google.com/youtube/analytics/reference/reports/query
     * The channel's day report and per-video reports (one video, or a list of them with
     * dimensions=video as the top-videos report asks: sort descending, maxResults ≤ 200). Data
     * lags: only days that ended at least 48 hours ago have rows, and `rows` is absent when none do.
     * https://developers.google.com/youtube/analytics/channel_reports
     */
    const reportsQuery = (reason: string, message: string, status = 400) =>
      googleError(status, status === 400 ? "INVALID_ARGUMENT" : "PERMISSION_DENIED", message, [
        { domain: "global", reason },
      ]);
    const unsupportedQuery = () =>
      reportsQuery(
        "badRequest",
        "The query is not supported. Check the documentation at https://developers.google.com/youtube/analytics/v2/available_reports for a list of supported queries.",
      );
    app.get("/v2/reports", async (request) => {
      const token = authenticateAll(request, [
        [SCOPE_ANALYTICS, SCOPE_ANALYTICS_MONETARY],
        [SCOPE_READ, SCOPE_FULL, SCOPE_PARTNER],
      ]);
      const query = request.query as Record<string, string>;
      for (const required of ["ids", "startDate", "endDate", "metrics"]) {
        if (!query[required])
          throw googleError(400, "INVALID_ARGUMENT", `Required parameter: ${required}`, [
            { domain: "global", reason: "required", location: required, locationType: "parameter" },
          ]);
      }
      if (query.ids !== "channel==MINE" && query.ids !== `channel==${token.subject}`) {
        throw reportsQuery("forbidden", "Forbidden", 403);
      }
      const metrics = query.metrics!.split(",");
      const unknown = metrics.find((metric) => !(metric in analyticsMetricTypes));
      if (unknown)
        throw reportsQuery("badRequest", `Unknown identifier (${unknown}) given in field parameters.metrics.`);
      const start = Date.parse(`${query.startDate}T00:00:00Z`);
      const end = Date.parse(`${query.endDate}T00:00:00Z`);
      if (!Number.isFinite(start) || !Number.isFinite(end))
        throw reportsQuery("invalidParameter", "Invalid value for startDate or endDate: expected YYYY-MM-DD.");
      if (start > end) throw reportsQuery("badRequest", "The start date is after the end date.");
      const dimension = query.dimensions ?? "";
      if (!["", "day", "video"].includes(dimension)) throw unsupportedQuery();
      const filter = query.filters ? /^video==([\w-]+(?:,[\w-]+)*)$/.exec(query.filters) : null;
      if (query.filters && !filter) throw unsupportedQuery();
      const filtered = filter?.[1]!.split(",");
      if (filtered && filtered.length > VIDEO_FILTER_LIMIT) throw unsupportedQuery();
      // A list of videos is a report by video; one video may also be a total or by day.
      if (filtered && filtered.length > 1 && dimension !== "video") throw unsupportedQuery();
      if (dimension === "video") {
        const maxResults = Number(query.maxResults);
        const sorted = /^-(\w+)$/.exec(query.sort ?? "")?.[1];
        if (
          !Number.isInteger(maxResults) ||
          maxResults < 1 ||
          maxResults > TOP_VIDEOS_LIMIT ||
          !sorted ||
          !metrics.includes(sorted)
        )
          throw unsupportedQuery();
      }
      const analytics = context.take(`youtube:analytics:${token.clientId}`, ANALYTICS_QUERIES_PER_DAY, 86_400_000, {
        resetAt: (now) => nextMidnight("America/Los_Angeles", now).getTime(),
      });
      if (!analytics.allowed) throw quotaExceeded();

      // The last day with data ended at least 48 hours ago.
      const lastDay = Math.floor((context.now() - 2 * 86_400_000) / 86_400_000) * 86_400_000 - 86_400_000;
      const videos = videosOf(token.subject ?? "").filter((item) => !filtered || filtered.includes(item.id));
      const valuesOf = (items: PublishedItem[], from: number, to: number, key: string) => {
        const views = items.reduce(
          (sum, item) =>
            sum +
            grown(`${item.id}:views`, item.createdAt, Math.max(item.createdAt, to), 70) -
            grown(`${item.id}:views`, item.createdAt, Math.max(item.createdAt, from), 70),
          0,
        );
        const values: Record<string, number> = {
          views,
          estimatedMinutesWatched: Math.floor(views * 1.7),
          averageViewDuration: views ? 95 : 0,
          likes: shareOf(`${key}:likes`, views, 0.02, 0.06),
          comments: shareOf(`${key}:comments`, views, 0.001, 0.006),
          shares: shareOf(`${key}:shares`, views, 0.001, 0.004),
          subscribersGained: shareOf(`${key}:subs`, views, 0.001, 0.01),
          subscribersLost: shareOf(`${key}:unsubs`, views, 0.0005, 0.003),
        };
        return { views, row: metrics.map((metric) => values[metric]!) };
      };
      const last = Math.min(end, lastDay);
      const rows: (string | number)[][] = [];
      if (dimension === "day") {
        for (let day = start; day <= last; day += 86_400_000)
          rows.push([
            new Date(day).toISOString().slice(0, 10),
            ...valuesOf(videos, day, day + 86_400_000, String(day)).row,
          ]);
      } else if (dimension === "video") {
        for (const item of videos) {
          const { views, row } = valuesOf([item], start, last + 86_400_000, `${item.id}:${start}:${last}`);
          if (views > 0 && start <= last) rows.push([item.id, ...row]);
        }
        const sortedBy = metrics.indexOf(query.sort!.slice(1)) + 1;
        rows.sort((a, b) => Number(b[sortedBy]) - Number(a[sortedBy]));
        rows.splice(Number(query.maxResults));
      } else if (start <= last) {
        const { views, row } = valuesOf(
          videos,
          start,
          last + 86_400_000,
          `${filtered?.[0] ?? "channel"}:${start}:${last}`,
        );
        if (views > 0) rows.push(row);
      }
      return {
        kind: "youtubeAnalytics#resultTable",
        columnHeaders: [
          ...(dimension ? [{ name: dimension, columnType: "DIMENSION", dataType: "STRING" }] : []),
          ...metrics.map((name) => ({ name, columnType: "METRIC", dataType: analyticsMetricTypes[name] })),
        ],
        ...(rows.length > 0 ? { rows } : {}),
      };
    });
  },
};
