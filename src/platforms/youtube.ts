import { z } from "zod";
import type { Api, ErrorResponse } from "./http.js";
import { nextMidnight } from "./reset-times.js";
import { reachesBack, sameText } from "./matching.js";
import { PlatformError, type OAuthPlatform, type OutgoingPost, type PlatformFailure } from "./platform.js";
import { youtubeAnalytics } from "./youtube.analytics.js";
import { youtubeProfile, youtubeSnippet } from "./youtube.profile.js";
import type { PlatformOptions } from "./profiles.js";

type YouTubePost = OutgoingPost<PlatformOptions<"youtube">>;

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
const uploaded = z.object({ id: z.string(), status: z.object({ privacyStatus: z.string() }).optional() });
const uploadsPlaylist = z.object({
  items: z
    .array(z.object({ contentDetails: z.object({ relatedPlaylists: z.object({ uploads: z.string() }) }) }))
    .default([]),
});
const playlistItems = z.object({
  items: z
    .array(
      z.object({
        snippet: z.object({ title: z.string(), description: z.string().default(""), publishedAt: z.string() }),
        contentDetails: z.object({ videoId: z.string() }),
      }),
    )
    .default([]),
});

/** Chunks other than the last must be multiples of 256 KiB. */
const CHUNK_BYTES = 32 * 256 * 1024;
const TITLE_LIMIT = 100;
/** playlistItems.list's largest page. */
const PAGE_SIZE = 50;

/** The snippet as sent; a video without title or first line is named after its file. */
function snippetOf(post: YouTubePost, fileName: string): { title: string; description: string } {
  const { title, description } = youtubeSnippet(post.text, post.options);
  return { title: title.slice(0, TITLE_LIMIT) || fileName, description };
}

/**
 * What the video is, when YouTube did not make it what was asked: Google locks uploads from API
 * projects it has not audited as private. https://developers.google.com/youtube/v3/docs/videos/insert
 */
function privacyNotice(privacy: string): string {
  return privacy === "private"
    ? "YouTube made the video private (Google keeps uploads from unverified projects private)."
    : `YouTube made the video ${privacy}.`;
}

const watchUrl = (api: Api, post: YouTubePost, id: string) =>
  (post.options.short ? api.url("web", `/shorts/${id}`) : api.url("web", "/watch", { v: id })).toString();

/**
 * Resumable upload: a session, then the bytes in chunks; after a broken connection the session
 * is asked where it stands (`bytes *\/TOTAL`) and the upload goes on from there, never restarts.
 * https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol
 */
async function resumableUpload(
  api: Api,
  bytes: Buffer,
  contentType: string,
  metadata: unknown,
): Promise<z.infer<typeof uploaded>> {
  const session = await api.call(z.unknown(), {
    method: "POST",
    host: "api",
    path: "/upload/youtube/v3/videos",
    query: { uploadType: "resumable", part: "snippet,status" },
    headers: { "x-upload-content-length": String(bytes.length), "x-upload-content-type": contentType },
    json: metadata,
  });
  const location = session.headers.get("location");
  if (!location) throw new PlatformError("youtube", { kind: "transient" }, { message: "no upload session URL" });
  const sessionUrl = new URL(location);
  let offset = 0;
  for (let interruptions = 0; ;) {
    const end = Math.min(bytes.length, offset + CHUNK_BYTES);
    try {
      const answer = await api.call(z.unknown(), {
        method: "PUT",
        host: "api",
        path: "",
        absoluteUrl: sessionUrl,
        headers: { "content-range": `bytes ${offset}-${end - 1}/${bytes.length}` },
        bytes: { data: bytes.subarray(offset, end), contentType },
        alsoOk: [308],
      });
      if (answer.status !== 308) return uploaded.parse(answer.data);
      offset = rangeEnd(answer.headers);
    } catch (error) {
      const interrupted =
        error instanceof PlatformError && (error.failure.kind === "ambiguous" || error.failure.kind === "transient");
      if (!interrupted || interruptions >= 5) throw error;
      interruptions += 1;
      const status = await api.call(z.unknown(), {
        method: "PUT",
        host: "api",
        path: "",
        absoluteUrl: sessionUrl,
        headers: { "content-range": `bytes */${bytes.length}` },
        alsoOk: [308],
      });
      if (status.status !== 308) return uploaded.parse(status.data);
      offset = rangeEnd(status.headers);
    }
  }
}

/** The next byte to send, from a 308's `Range: bytes=0-N` (none: nothing arrived yet). */
function rangeEnd(headers: Headers): number {
  const match = /bytes=0-(\d+)/.exec(headers.get("range") ?? "");
  return match ? Number(match[1]) + 1 : 0;
}

function classify(response: ErrorResponse): PlatformFailure | undefined {
  const body = googleError.safeParse(response.body);
  const reason = body.success ? body.data.error.errors?.[0]?.reason : undefined;
  if (reason === "quotaExceeded")
    return { kind: "rate_limited", retryAt: nextMidnight("America/Los_Angeles", response.receivedAt), scope: "app" };
  if (reason === "rateLimitExceeded" || reason === "userRateLimitExceeded")
    return { kind: "rate_limited", retryAt: new Date(response.receivedAt + 60_000), scope: "account" };
  if (reason === "insufficientPermissions")
    return { kind: "token_invalid", reason: "The grant lacks the YouTube scopes: reconnect and allow them all." };
  if (response.status === 401) return { kind: "token_expired" };
  return undefined;
}

export const youtube: OAuthPlatform<PlatformOptions<"youtube">> = {
  ...youtubeProfile,
  realHosts: {
    authorize: "https://accounts.google.com",
    token: "https://oauth2.googleapis.com",
    api: "https://www.googleapis.com",
    analytics: "https://youtubeanalytics.googleapis.com",
    web: "https://www.youtube.com",
  },
  classify,
  analytics: youtubeAnalytics,
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
    // Google is https://accounts.google.com, its authorize host without a trailing slash, named in
    // `iss` on every authorization response (RFC 9207); its ID tokens' keys are on www.googleapis.com.
    // https://developers.google.com/identity/openid-connect/reference#discovery
    issuerOnCallback: true,
    idTokens: { jwks: { host: "api", path: "/oauth2/v3/certs" } },
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
      // A channel's handle comes back as its customUrl with the "@" in front ("@northwindtv"):
      // https://developers.google.com/youtube/v3/docs/channels#snippet.customUrl and
      // https://support.google.com/youtube/answer/11585688 (handles begin with "@").
      username: channel.snippet?.customUrl?.replace(/^@/, ""),
      avatarUrl: channel.snippet?.thumbnails?.default?.url,
      details: { channelId: channel.id },
    }));
  },

  async checkHealth(api) {
    await api.call(channelsAnswer, { host: "api", path: "/youtube/v3/channels", query: { part: "id", mine: "true" } });
  },

  publishing: {
    async publish(api, _account, post) {
      const video = post.media[0]!;
      // Shorts have no API flag: a vertical video under three minutes is one; #Shorts helps it be found.
      const asked = post.options.privacy ?? "public";
      const { id, status } = await resumableUpload(api, await video.read(), video.contentType, {
        snippet: { ...snippetOf(post, video.fileName), categoryId: "22" },
        status: { privacyStatus: asked, selfDeclaredMadeForKids: false },
      });
      const privacy = status?.privacyStatus ?? asked;
      return {
        remoteId: id,
        url: watchUrl(api, post, id),
        ...(privacy === asked ? {} : { notice: privacyNotice(privacy) }),
      };
    },

    /** The channel's uploads, newest first, matched on title and description. */
    async findPublished(api, _account, post, since) {
      const video = post.media[0];
      const { data: channel } = await api.call(uploadsPlaylist, {
        host: "api",
        path: "/youtube/v3/channels",
        query: { part: "contentDetails", mine: "true" },
      });
      const playlistId = channel.items[0]?.contentDetails.relatedPlaylists.uploads;
      if (!video || !playlistId) return { found: [], complete: true };
      const { data } = await api.call(playlistItems, {
        host: "api",
        path: "/youtube/v3/playlistItems",
        query: { part: "snippet,contentDetails", playlistId, maxResults: String(PAGE_SIZE) },
      });
      const expected = snippetOf(post, video.fileName);
      const items = data.items.map((item) => ({ ...item, createdAt: new Date(item.snippet.publishedAt) }));
      return {
        found: items
          .filter(
            (item) =>
              item.createdAt >= since &&
              sameText(expected.title, item.snippet.title) &&
              sameText(expected.description, item.snippet.description),
          )
          .map((item) => ({
            remoteId: item.contentDetails.videoId,
            url: watchUrl(api, post, item.contentDetails.videoId),
            createdAt: item.createdAt,
          })),
        complete: reachesBack(
          items.map((item) => item.createdAt),
          { pageSize: PAGE_SIZE, since },
        ),
      };
    },
  },
};
