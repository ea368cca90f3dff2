import { z } from "zod";
import type { Api, ErrorResponse } from "./http.js";
import { sameText } from "./matching.js";
import { nextMidnight } from "./reset-times.js";
import {
  PlatformError,
  type OAuthPlatform,
  type OutgoingMedia,
  type OutgoingPost,
  type PlatformFailure,
} from "./platform.js";
import { xAnalytics } from "./x.analytics.js";
import { xProfile } from "./x.profile.js";
import { sentText } from "./profile.js";
import type { PlatformOptions } from "./profiles.js";

type XPost = OutgoingPost<PlatformOptions<"x">>;

/**
 * X API v2 with OAuth 2.0 (PKCE, confidential client, rotating refresh tokens).
 * https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
 */

const meAnswer = z.object({
  data: z.object({ id: z.string(), name: z.string(), username: z.string(), profile_image_url: z.string().optional() }),
});

const postCreated = z.object({ data: z.object({ id: z.string(), text: z.string() }) });
const mediaAnswer = z.object({
  data: z.object({
    id: z.string(),
    processing_info: z.object({ state: z.string(), check_after_secs: z.number().optional() }).optional(),
  }),
});
/**
 * https://docs.x.com/x-api/posts/get-posts-by-user-id — as X's OpenAPI document (v2.167) has it:
 * `post.fields` (tweet.fields is refused as undeclared) and the reply it answers by the
 * `referenced_posts` expansion, which fills the post's `referenced_posts`.
 */
const timeline = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        text: z.string(),
        created_at: z.string(),
        referenced_posts: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
        entities: z
          .object({ urls: z.array(z.object({ url: z.string(), expanded_url: z.string() })).optional() })
          .optional(),
        attachments: z.object({ media_keys: z.array(z.string()).optional() }).optional(),
      }),
    )
    .optional(),
  meta: z.object({ next_token: z.string().optional() }).optional(),
});
/** Pages of 100 read back at most: an account that posted more since the call is not searched further. */
const MAX_TIMELINE_PAGES = 10;

/**
 * A post's text as X gives it back: links become t.co links (entities.urls names the original)
 * and `&`, `<` and `>` come HTML-escaped.
 * https://docs.x.com/x-api/fundamentals/data-dictionary#tweet
 */
function textAsSent(item: { text: string; entities?: { urls?: { url: string; expanded_url: string }[] } }): string {
  let text = item.text;
  for (const link of item.entities?.urls ?? []) text = text.split(link.url).join(link.expanded_url);
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The first post (with the link, unless the text has it) and each thread part, in order. */
function threadTexts(post: XPost): string[] {
  return [sentText(xProfile, post.text, post.link), ...(post.options.threadParts ?? [])];
}

/** Media of the thread's part at an index. */
function partMedia(post: XPost, index: number): OutgoingMedia[] {
  if (index === 0) return post.media;
  const ids = post.options.threadMedia?.[index - 1] ?? [];
  return ids.map((id) => post.mediaById.get(id)).filter((media) => media !== undefined);
}

const CHUNK_BYTES = 4 * 1024 * 1024;

/** Chunked upload on the v2 endpoints, then waiting for processing. https://docs.x.com/x-api/media/quickstart/media-upload-chunked */
async function uploadMedia(api: Api, media: OutgoingMedia): Promise<string> {
  const category = media.contentType.startsWith("video/")
    ? "tweet_video"
    : media.contentType === "image/gif"
      ? "tweet_gif"
      : "tweet_image";
  const bytes = await media.read();
  const { data: started } = await api.call(mediaAnswer, {
    method: "POST",
    host: "api",
    path: "/2/media/upload/initialize",
    json: { media_type: media.contentType, total_bytes: bytes.length, media_category: category },
  });
  const id = started.data.id;
  for (let index = 0; index * CHUNK_BYTES < bytes.length; index += 1) {
    const form = new FormData();
    form.set("segment_index", String(index));
    form.set(
      "media",
      new Blob([new Uint8Array(bytes.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES))]),
      media.fileName,
    );
    await api.call(z.unknown(), { method: "POST", host: "api", path: `/2/media/upload/${id}/append`, multipart: form });
  }
  let { data: state } = await api.call(mediaAnswer, {
    method: "POST",
    host: "api",
    path: `/2/media/upload/${id}/finalize`,
  });
  for (let polls = 0; state.data.processing_info && state.data.processing_info.state !== "succeeded"; polls += 1) {
    if (state.data.processing_info.state === "failed" || polls > 120) {
      throw new PlatformError(
        "x",
        { kind: "rejected", userMessage: `X could not process ${media.fileName}.` },
        { message: "media processing failed" },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, (state.data.processing_info?.check_after_secs ?? 1) * 1000));
    ({ data: state } = await api.call(mediaAnswer, {
      host: "api",
      path: "/2/media/upload",
      query: { command: "STATUS", media_id: id },
    }));
  }
  return id;
}

interface RateWindow {
  remaining: number;
  resetAt: Date;
  scope: "app" | "account";
}

/**
 * The windows X reports on an answer: the endpoint's own (15 minutes for posting, per user) in
 * x-rate-limit-*, and the 24-hour caps per user and per app in x-user-limit-24hour-* and
 * x-app-limit-24hour-*. https://docs.x.com/x-api/fundamentals/rate-limits
 */
function rateWindows(headers: Headers): RateWindow[] {
  const windows: RateWindow[] = [];
  for (const [prefix, scope] of [
    ["x-rate-limit", "account"],
    ["x-user-limit-24hour", "account"],
    ["x-app-limit-24hour", "app"],
  ] as const) {
    const remaining = Number(headers.get(`${prefix}-remaining`));
    const reset = Number(headers.get(`${prefix}-reset`));
    if (headers.has(`${prefix}-remaining`) && Number.isFinite(remaining) && Number.isFinite(reset) && reset > 0)
      windows.push({ remaining, resetAt: new Date(reset * 1000), scope });
  }
  return windows;
}

/** The window that runs out first; of several spent ones, the one that stays spent longest. */
function tightest(windows: RateWindow[]): RateWindow | undefined {
  return [...windows].sort(
    (a, b) => Math.max(a.remaining, 0) - Math.max(b.remaining, 0) || b.resetAt.getTime() - a.resetAt.getTime(),
  )[0];
}

/** What posting has left, so a spent window (a 24-hour one included) holds the next post back. */
function windowLeft(headers: Headers): { remaining: number; resetAt: Date } | undefined {
  const window = tightest(rateWindows(headers));
  return window && { remaining: window.remaining, resetAt: window.resetAt };
}

/** X's answer when the app's pay-per-use cap is spent, which no 15-minute window resets. */
const USAGE_CAPPED = "https://api.twitter.com/2/problems/usage-capped";

function classify(response: ErrorResponse): PlatformFailure | undefined {
  // A spent monthly cap answers 429 with the request windows still open (xdevplatform/xdk#25):
  // the cycle's reset day is not in the answer, so the app tries again the next UTC day.
  if (response.status === 429 && (response.body as { type?: unknown } | undefined)?.type === USAGE_CAPPED)
    return { kind: "rate_limited", retryAt: nextMidnight("UTC", response.receivedAt), scope: "app" };
  if (response.status === 429) {
    // A 429 from a spent 24-hour cap still carries a 15-minute reset: waiting for that one would only draw another 429.
    const windows = rateWindows(response.headers);
    const spent = tightest(windows.filter((window) => window.remaining <= 0)) ?? tightest(windows);
    return spent
      ? { kind: "rate_limited", retryAt: spent.resetAt, scope: spent.scope }
      : { kind: "rate_limited", retryAt: new Date(response.receivedAt + 15 * 60_000), scope: "account" };
  }
  // X answers 401 for expired and revoked tokens alike: refresh once; a refused refresh means revoked.
  if (response.status === 401) return { kind: "token_expired" };
  // X refuses a post whose text its account already has ("You are not allowed to create a Tweet
  // with duplicate content."): said in the answer's detail, as client libraries report it; X's
  // error pages name no code for it.
  const detail = (response.body as { detail?: unknown } | undefined)?.detail;
  if (response.status === 403 && typeof detail === "string" && /duplicate content/i.test(detail))
    return { kind: "rejected", userMessage: detail, duplicate: true };
  return undefined;
}

export const x: OAuthPlatform<PlatformOptions<"x">> = {
  ...xProfile,
  realHosts: { authorize: "https://x.com", api: "https://api.x.com", web: "https://x.com" },
  classify,
  analytics: xAnalytics,
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
    // X answers a spent, revoked or expired refresh token with `invalid_request` ("Value passed for
    // the token was invalid."), not invalid_grant. Seen in X's answers as client libraries report
    // them; X's OAuth 2.0 page does not list its error codes.
    refusals: ["invalid_grant", "invalid_request"],
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

  publishing: {
    /** The first post, then each thread part (with its own media) as a reply to the one before. */
    async publish(api, account, post, _context, onPartPublished) {
      const username = account.details.username ?? account.externalId;
      const parts = threadTexts(post);
      const ids = [...post.publishedPartIds];
      let budget: { remaining: number; resetAt: Date } | undefined;
      for (let index = ids.length; index < parts.length; index += 1) {
        const mediaIds = await Promise.all(partMedia(post, index).map((media) => uploadMedia(api, media)));
        const { data, headers } = await api.call(postCreated, {
          method: "POST",
          host: "api",
          path: "/2/tweets",
          json: {
            text: parts[index],
            ...(mediaIds.length ? { media: { media_ids: mediaIds } } : {}),
            ...(index > 0 ? { reply: { in_reply_to_tweet_id: ids[index - 1] } } : {}),
          },
        });
        ids.push(data.data.id);
        budget = windowLeft(headers) ?? budget;
        await onPartPublished(data.data.id);
      }
      return {
        remoteId: ids[0]!,
        url: api.url("web", `/${username}/status/${ids[0]}`).toString(),
        ...(budget ? { budget } : {}),
      };
    },

    async findPublished(api, account, post, since) {
      const index = post.publishedPartIds.length;
      const text = threadTexts(post)[index];
      if (text === undefined) return { found: [], complete: true };
      const repliesTo = post.publishedPartIds[index - 1];
      const items: NonNullable<z.infer<typeof timeline>["data"]> = [];
      let next: string | undefined;
      for (let page = 0; page < MAX_TIMELINE_PAGES; page += 1) {
        const { data } = await api.call(timeline, {
          host: "api",
          path: `/2/users/${account.externalId}/tweets`,
          query: {
            max_results: "100",
            start_time: since.toISOString(),
            "post.fields": "created_at,entities,attachments",
            expansions: "referenced_posts",
            pagination_token: next,
          },
        });
        items.push(...(data.data ?? []));
        next = data.meta?.next_token;
        if (!next) break;
      }
      const username = account.details.username ?? account.externalId;
      return {
        found: items
          .filter((item) => {
            const repliedTo = item.referenced_posts?.find((reference) => reference.type === "replied_to")?.id;
            return (
              sameText(text, textAsSent(item)) &&
              repliedTo === repliesTo &&
              (item.attachments?.media_keys?.length ?? 0) === partMedia(post, index).length
            );
          })
          .map((item) => ({
            remoteId: item.id,
            url: api.url("web", `/${username}/status/${item.id}`).toString(),
            createdAt: new Date(item.created_at),
          })),
        complete: next === undefined,
      };
    },
  },
};
