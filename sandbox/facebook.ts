import type { FastifyInstance } from "fastify";
import type { SandboxContext } from "./context.js";
import { fetchMedia } from "./media.js";
import { readForm } from "./form.js";
import {
  graphError,
  graphTime,
  invalidParameter,
  lifetimeInsights,
  paged,
  requireToken,
  type GraphCall,
  type GraphRoutes,
} from "./meta-graph.js";
import { grown, postCounts, videoCounts } from "./metrics.js";
import {
  findClient,
  issueAccessToken,
  redeemCode,
  registerAuthorizePage,
  revokePersonTokens,
  scopesFrom,
  secretMatches,
} from "./oauth.js";
import { businesses, instagramAccounts, pages, people, type SandboxPage } from "./seed.js";
import type { AccessTokenRecord, PublishedItem } from "./state.js";

/**
 * Facebook Login and Pages: the OAuth dialog, code and long-lived exchanges, page tokens, page
 * publishing (feed, photos, videos) and insights.
 * https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
 * https://developers.facebook.com/docs/pages-api/posts
 */

const MESSAGE_LIMIT = 63_206;
const PHOTO_BYTES_LIMIT = 10 * 1024 * 1024;

/**
 * Metrics that still exist: page_impressions*, page_fans*, page_engaged_users and the other
 * retired names are refused with #100 for the whole request, on every version.
 * https://developers.facebook.com/docs/platforminsights/page
 * https://developers.facebook.com/docs/pages-api/changelog/
 */
const pageMetrics = [
  "page_media_view",
  "page_total_media_view_unique",
  "page_post_engagements",
  "page_follows",
  "page_daily_follows",
  "page_daily_follows_unique",
  "page_views_total",
  "page_video_views",
];
const postMetrics = ["post_media_view", "post_total_media_view_unique", "post_clicks", "post_reactions_by_type_total"];
/**
 * A video's lifetime insights on its video_insights edge; without `metric` Graph answers them all.
 * https://developers.facebook.com/docs/video-api/guides/insights
 * https://developers.facebook.com/docs/graph-api/reference/video/video_insights
 */
const videoMetrics = ["total_video_views", "total_video_views_unique", "total_video_view_total_time"];
/** Page metrics that are a count as of each day rather than the day's activity. */
const pageTotals = new Set(["page_follows"]);
/** The daily rates the sandbox grows each Page metric at. */
const pageRates: Record<string, number> = {
  page_follows: 0.5,
  page_daily_follows: 0.5,
  page_daily_follows_unique: 0.5,
};
/** The longest since..until span of one insights call. https://developers.facebook.com/docs/graph-api/reference/insights */
const MAX_INSIGHTS_SPAN_DAYS = 90;
/** A post's insights are an empty set until Meta has counted something: its first minutes. */
const POST_INSIGHTS_READY_MS = 10 * 60_000;

/** Insights need read_insights on the token (the exact words of Meta's refusal are not confirmed). */
function requireInsightsPermission(call: GraphCall) {
  if (!call.token.scopes.includes("read_insights"))
    throw graphError(403, { message: "(#200) Requires read_insights permission", code: 200 });
}

function requireKnownMetrics(call: GraphCall, known: readonly string[]): string[] {
  const metrics = (call.form.fields.metric ?? "").split(",").filter(Boolean);
  const unknown = metrics.filter((metric) => !known.includes(metric));
  if (metrics.length === 0 || unknown.length > 0)
    throw invalidParameter(
      `The value must be a valid insights metric${unknown.length ? `: ${unknown.join(", ")}` : ""}`,
    );
  return metrics;
}

export function registerFacebookOAuth(app: FastifyInstance, context: SandboxContext) {
  registerAuthorizePage(app, context, {
    platform: "facebook",
    path: "/:version/dialog/oauth",
    appLabel: "Facebook",
    parse(query) {
      const client = findClient(context, "facebook", query.client_id);
      if (!client) return "Invalid App ID: the provided app ID does not look like a valid app ID.";
      if (!query.redirect_uri || !client.redirectUris.includes(query.redirect_uri)) {
        return "URL blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.";
      }
      if ((query.response_type ?? "code") !== "code") return "Unsupported response_type.";
      return { client, redirectUri: query.redirect_uri, scopes: scopesFrom(query.scope, /,/), state: query.state };
    },
    denied(request) {
      const target = new URL(request.redirectUri);
      target.searchParams.set("error", "access_denied");
      target.searchParams.set("error_code", "200");
      target.searchParams.set("error_description", "Permissions error");
      target.searchParams.set("error_reason", "user_denied");
      if (request.state !== undefined) target.searchParams.set("state", request.state);
      return target;
    },
  });

  const exchange = async (request: Parameters<typeof readForm>[0]) => {
    const { fields } = await readForm(request);
    const client = findClient(context, "facebook", fields.client_id);
    if (!client) throw graphError(400, { message: "Error validating application. Invalid application ID.", code: 101 });
    if (!secretMatches(client, fields.client_secret))
      throw graphError(400, { message: "Error validating client secret.", code: 1 });
    const lifetimes = context.options.lifetimes;

    if (fields.grant_type === "fb_exchange_token") {
      const short = requireToken(context, fields.fb_exchange_token);
      if (short.clientId !== client.clientId || short.kind === "page")
        throw invalidParameter("Invalid fb_exchange_token");
      const long = issueAccessToken(context, {
        platform: "facebook",
        clientId: client.clientId,
        personId: short.personId,
        scopes: short.scopes,
        kind: "long-lived-user",
        lifetimeSeconds: lifetimes.facebookLongLivedSeconds,
        prefix: "EAAL",
      });
      return { access_token: long.token, token_type: "bearer", expires_in: lifetimes.facebookLongLivedSeconds };
    }

    const redeemed = redeemCode(context, "facebook", {
      code: fields.code,
      clientId: client.clientId,
      redirectUri: fields.redirect_uri,
    });
    switch (redeemed) {
      case "unknown":
      case "client_mismatch":
        throw graphError(400, { message: "Invalid verification code format.", code: 100 });
      case "used":
        throw graphError(400, { message: "This authorization code has been used.", code: 100, error_subcode: 36009 });
      case "expired":
        throw graphError(400, { message: "This authorization code has expired.", code: 100, error_subcode: 36007 });
      case "redirect_mismatch":
        throw graphError(400, {
          message:
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
          code: 100,
          error_subcode: 36008,
        });
      case "pkce_missing":
      case "pkce_mismatch":
        throw graphError(400, { message: "Invalid code verifier.", code: 100 });
    }
    const token = issueAccessToken(context, {
      platform: "facebook",
      clientId: client.clientId,
      personId: redeemed.personId,
      scopes: redeemed.scopes,
      kind: "user",
      lifetimeSeconds: lifetimes.facebookShortLivedSeconds,
      prefix: "EAAS",
    });
    return { access_token: token.token, token_type: "bearer", expires_in: lifetimes.facebookShortLivedSeconds };
  };

  app.get("/:version/oauth/access_token", async (request) => exchange(request));
  app.post("/:version/oauth/access_token", async (request) => exchange(request));

  app.get("/:version/debug_token", async (request) => {
    const { fields } = await readForm(request);
    const [appId, appSecret] = (fields.access_token ?? "").split("|");
    const client = findClient(context, "facebook", appId);
    if (!client || !secretMatches(client, appSecret)) {
      requireToken(context, fields.access_token);
    }
    const record = fields.input_token ? context.state.data.accessTokens[fields.input_token] : undefined;
    if (!record || record.platform !== "facebook") {
      return { data: { error: { code: 190, message: "Invalid OAuth access token." }, is_valid: false, scopes: [] } };
    }
    const person = people.find((candidate) => candidate.id === record.personId)!;
    const expired = record.expiresAt !== null && record.expiresAt <= context.now();
    return {
      data: {
        app_id: record.clientId,
        type: record.kind === "page" ? "PAGE" : "USER",
        application: "Sandbox app",
        data_access_expires_at: Math.floor((record.issuedAt + 90 * 86_400_000) / 1000),
        expires_at: record.expiresAt === null ? 0 : Math.floor(record.expiresAt / 1000),
        is_valid: !record.revoked && !expired,
        ...(record.revoked
          ? { error: { code: 190, subcode: 458, message: "The user has not authorized application." } }
          : {}),
        ...(expired ? { error: { code: 190, subcode: 463, message: "Session has expired." } } : {}),
        scopes: record.scopes,
        user_id: person.facebook.userId,
        ...(record.subject ? { profile_id: record.subject } : {}),
      },
    };
  });
}

function requireUserToken(call: GraphCall) {
  if (call.token.kind === "page")
    throw graphError(400, { message: "(#200) This method must be called with a user access token", code: 200 });
}

/** Posting to a page takes that page's token, as Meta requires. */
function requirePageToken(call: GraphCall, pageId: string) {
  if (call.token.kind !== "page" || call.token.subject !== pageId) {
    throw graphError(403, {
      message:
        "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission",
      code: 200,
    });
  }
}

/**
 * A Page whose people must complete Page Publishing Authorization refuses posts with a permission
 * error while the token itself stays good. The exact code and subcode Meta sends are not
 * confirmed; a permission code (200) with Meta's user message is what the product must handle.
 */
function requirePublishingAuthorization(page: SandboxPage) {
  if (!page.publishingAuthorizationRequired) return;
  throw graphError(403, {
    message: "(#200) Publishing to this Page requires Page Publishing Authorization",
    code: 200,
    error_user_title: "Page Publishing Authorization required",
    error_user_msg: "Someone who manages this Page must complete Page Publishing Authorization before it can publish.",
  });
}

/** One page token per user token and page, as /me/accounts hands back the same token. */
function pageToken(call: GraphCall, pageId: string): AccessTokenRecord {
  const existing = Object.values(call.context.state.data.accessTokens).find(
    (record) =>
      record.kind === "page" &&
      record.subject === pageId &&
      record.personId === call.token.personId &&
      record.clientId === call.token.clientId &&
      !record.revoked,
  );
  if (existing) return existing;
  return issueAccessToken(call.context, {
    platform: "facebook",
    clientId: call.token.clientId,
    personId: call.token.personId,
    scopes: call.token.scopes,
    kind: "page",
    subject: pageId,
    // A page token from a long-lived user token does not expire; from a short-lived one, it expires with it.
    lifetimeSeconds:
      call.token.kind === "long-lived-user" || call.token.expiresAt === null
        ? null
        : Math.ceil((call.token.expiresAt - call.context.now()) / 1000),
    prefix: "EAAP",
  });
}

/** A Page as /me/accounts and a business's page edges list it: with the person's Page token. */
function pageListing(call: GraphCall, page: SandboxPage) {
  return {
    id: page.id,
    name: page.name,
    category: page.category,
    access_token: pageToken(call, page.id).token,
    tasks: ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
    ...(call.fields.some((field) => field.startsWith("picture")) ? { picture: pagePicture(page.id) } : {}),
    ...(call.fields.some((field) => field.startsWith("instagram_business_account")) && page.instagramAccountId
      ? { instagram_business_account: instagramAccountView(page.instagramAccountId, call.fields) }
      : {}),
  };
}

function requireScope(call: GraphCall, scope: string) {
  if (!call.token.scopes.includes(scope))
    throw graphError(403, { message: `(#200) Requires ${scope} permission to manage the object`, code: 200 });
}

/** A business's Pages, for a person in that business who granted business_management. */
function businessPages(call: GraphCall, edge: "ownedPageIds" | "clientPageIds") {
  requireUserToken(call);
  if (call.node.type !== "business") return undefined;
  requireScope(call, "business_management");
  const business = call.node.business;
  if (!business.memberIds.includes(call.token.personId))
    throw graphError(403, { message: "(#10) You do not have permission to view this business's assets", code: 10 });
  return paged(
    pages.filter((page) => business[edge].includes(page.id)).map((page) => pageListing(call, page)),
    call,
  );
}

/** `instagram_business_account{id,username,…}`: the sub-fields asked for, or the id alone. */
function instagramAccountView(accountId: string, fields: string[]) {
  const account = instagramAccounts.find((candidate) => candidate.id === accountId)!;
  const expansion = fields.find((field) => field.startsWith("instagram_business_account")) ?? "";
  const requested = /\{(.*)\}/.exec(expansion)?.[1]?.split(",") ?? [];
  return {
    id: account.id,
    ...(requested.includes("username") ? { username: account.username } : {}),
    ...(requested.includes("profile_picture_url")
      ? { profile_picture_url: `https://scontent.cdninstagram.com/${account.id}.jpg` }
      : {}),
  };
}

function pagePicture(pageId: string) {
  return { data: { height: 50, width: 50, is_silhouette: false, url: `https://graph.facebook.com/${pageId}/picture` } };
}

function checkMessage(message: string | undefined) {
  if (message && message.length > MESSAGE_LIMIT)
    throw invalidParameter(`Message is too long: ${message.length} characters, the limit is ${MESSAGE_LIMIT}`);
}

function newPostId(call: GraphCall, pageId: string) {
  return `${pageId}_${call.context.state.nextId(`fb:post:${pageId}`, "100000000000000")}`;
}

function publishPost(
  call: GraphCall,
  pageId: string,
  item: Omit<PublishedItem, "platform" | "accountId" | "createdAt" | "url" | "kind" | "id"> & {
    id?: string;
    kind?: string;
  },
) {
  const id = item.id ?? newPostId(call, pageId);
  return call.context.state.publish({
    platform: "facebook",
    accountId: pageId,
    kind: item.kind ?? "fb_post",
    id,
    createdAt: call.context.now(),
    // On the sandbox, where the post is: it exists nowhere else.
    url: `${call.root}/${id}`,
    text: item.text,
    media: item.media,
    extra: item.extra,
  });
}

function postView(item: PublishedItem) {
  return {
    id: item.id,
    message: item.text || undefined,
    created_time: graphTime(item.createdAt),
    permalink_url: item.url,
    ...(item.extra.link ? { link: item.extra.link } : {}),
  };
}

/** since/until as Graph takes them: Unix seconds or a YYYY-MM-DD day; epoch milliseconds here. */
function graphInstant(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw invalidParameter(`Invalid time: ${value}`);
  return parsed;
}

/**
 * Daily values from since to until, each stamped with the end of the day it covers (the first
 * end_time is since + 1 day). A day not over yet counts what happened so far; a day before the
 * Page existed or after now has no value, as Meta leaves it out.
 */
function insightsSeries(call: GraphCall, subjectId: string, metric: string, createdAt: number) {
  const now = call.context.now();
  const until = graphInstant(call.form.fields.until, now);
  const since = graphInstant(call.form.fields.since, until - 2 * 86_400_000);
  if (since > until) throw invalidParameter("The since parameter must be before the until parameter");
  if (until - since > MAX_INSIGHTS_SPAN_DAYS * 86_400_000)
    throw invalidParameter(
      `There cannot be more than ${MAX_INSIGHTS_SPAN_DAYS} days (${MAX_INSIGHTS_SPAN_DAYS * 86_400} s) between since and until`,
    );
  const perHour = pageRates[metric] ?? 40;
  const key = `${subjectId}:${metric}`;
  const values = [];
  for (let end = since + 86_400_000; end <= until; end += 86_400_000) {
    const at = Math.min(end, now);
    if (at - 86_400_000 < createdAt || at <= end - 86_400_000) continue;
    const value = pageTotals.has(metric)
      ? grown(key, createdAt, at, perHour)
      : grown(key, createdAt, at, perHour) - grown(key, createdAt, at - 86_400_000, perHour);
    values.push({ value: Math.max(0, value), end_time: graphTime(end) });
  }
  return values;
}

export const facebookGraph: GraphRoutes = {
  "GET user": (call) => {
    if (call.node.type !== "user") return undefined;
    const person = call.node.person;
    return {
      id: person.facebook.userId,
      name: person.name,
      ...(call.fields.includes("email") ? { email: person.email } : {}),
      ...(call.fields.includes("picture")
        ? {
            picture: {
              data: { url: `https://graph.facebook.com/${person.facebook.userId}/picture`, is_silhouette: false },
            },
          }
        : {}),
    };
  },

  "GET user/accounts": (call) => {
    requireUserToken(call);
    if (call.node.type !== "user") return undefined;
    const person = call.node.person;
    const held = pages.filter((page) => person.facebook.pageIds.includes(page.id));
    return paged(
      held.map((page) => pageListing(call, page)),
      call,
    );
  },

  /** https://developers.facebook.com/docs/graph-api/reference/user/businesses/ */
  "GET user/businesses": (call) => {
    requireUserToken(call);
    if (call.node.type !== "user") return undefined;
    requireScope(call, "business_management");
    const person = call.node.person;
    return paged(
      businesses
        .filter((business) => business.memberIds.includes(person.id))
        .map((business) => ({ id: business.id, name: business.name })),
      call,
    );
  },

  /** https://developers.facebook.com/docs/graph-api/reference/business/owned_pages/ */
  "GET business/owned_pages": (call) => businessPages(call, "ownedPageIds"),
  /** https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/business/client_pages */
  "GET business/client_pages": (call) => businessPages(call, "clientPageIds"),

  "DELETE user/permissions": (call) => {
    requireUserToken(call);
    revokePersonTokens(call.context, "facebook", call.token.personId, call.token.clientId);
    return { success: true };
  },

  "GET page": (call) => {
    if (call.node.type !== "page") return undefined;
    const page = call.node.page;
    const account = instagramAccounts.find((candidate) => candidate.id === page.instagramAccountId);
    const wantsInstagram = call.fields.some((field) => field.startsWith("instagram_business_account"));
    return {
      id: page.id,
      name: page.name,
      ...(call.fields.includes("category") ? { category: page.category } : {}),
      ...(call.fields.includes("link") ? { link: `${call.root}/${page.id}` } : {}),
      ...(call.fields.some((field) => field.startsWith("picture")) ? { picture: pagePicture(page.id) } : {}),
      ...(call.fields.includes("followers_count")
        ? { followers_count: 1000 + Math.floor(Number(page.id.slice(-3)) * 137) }
        : {}),
      ...(wantsInstagram && account
        ? {
            instagram_business_account: {
              id: account.id,
              username: account.username,
              profile_picture_url: `https://scontent.cdninstagram.com/${account.id}.jpg`,
            },
          }
        : {}),
    };
  },

  "POST page/feed": (call) => {
    if (call.node.type !== "page") return undefined;
    requirePageToken(call, call.node.id);
    requirePublishingAuthorization(call.node.page);
    const { message, link } = call.form.fields;
    checkMessage(message);
    const attached = Object.entries(call.form.fields)
      .filter(([name]) => /^attached_media\[\d+\]$/.test(name))
      .map(([, value]) => {
        const parsed = JSON.parse(value) as { media_fbid?: string };
        const photo = parsed.media_fbid
          ? call.context.state.object<{ pageId: string; url?: string; bytes?: number }>(
              "fb_photo_unpublished",
              parsed.media_fbid,
            )
          : undefined;
        if (!photo || photo.pageId !== call.node.id) throw invalidParameter(`Invalid media_fbid ${parsed.media_fbid}`);
        return { type: "photo", id: parsed.media_fbid, url: photo.url, bytes: photo.bytes };
      });
    if (!message && !link && attached.length === 0)
      throw invalidParameter("The parameter message, link or attached_media is required");
    if (link && !/^https?:\/\//.test(link)) throw invalidParameter("Param link must be a valid URL");
    const item = publishPost(call, call.node.id, { text: message ?? "", media: attached, extra: link ? { link } : {} });
    return { id: item.id };
  },

  "POST page/photos": async (call) => {
    if (call.node.type !== "page") return undefined;
    requirePageToken(call, call.node.id);
    requirePublishingAuthorization(call.node.page);
    const { message, url, published } = call.form.fields;
    checkMessage(message);
    const file = call.form.files.find((candidate) => candidate.field === "source");
    let bytes: number;
    if (file) {
      if (!file.mimetype.startsWith("image/"))
        throw graphError(400, { message: "(#324) Requires upload file", code: 324 });
      bytes = file.bytes.length;
    } else {
      const fetched = await fetchMedia(url);
      if (!fetched || !fetched.contentType.startsWith("image/"))
        throw graphError(400, { message: "(#324) Missing or invalid image file", code: 324 });
      bytes = fetched.bytes;
    }
    if (bytes > PHOTO_BYTES_LIMIT)
      throw graphError(400, { message: "(#1) Image is too large: photos may be at most 10 MB", code: 1 });
    const photoId = call.context.state.nextId("fb:photo", "300000000000000");
    if (published === "false") {
      call.context.state.putObject("fb_photo_unpublished", photoId, { pageId: call.node.id, url, bytes });
      return { id: photoId };
    }
    const post = publishPost(call, call.node.id, {
      text: message ?? "",
      media: [{ type: "photo", id: photoId, url, bytes }],
      extra: {},
    });
    call.context.state.publish({
      ...post,
      id: photoId,
      kind: "fb_photo",
      url: `${call.root}/photo/?fbid=${photoId}`,
      extra: { postId: post.id },
    });
    return { id: photoId, post_id: post.id };
  },

  "POST page/videos": async (call) => {
    if (call.node.type !== "page") return undefined;
    requirePageToken(call, call.node.id);
    requirePublishingAuthorization(call.node.page);
    const { description, title, file_url: fileUrl } = call.form.fields;
    checkMessage(description);
    const file = call.form.files.find((candidate) => candidate.field === "source");
    const fetched = file ? { contentType: file.mimetype, bytes: file.bytes.length } : await fetchMedia(fileUrl);
    if (!fetched || !(fetched.contentType.startsWith("video/") || fetched.contentType === "application/octet-stream")) {
      throw graphError(400, {
        message: "(#352) Sorry, the video file you selected is in a format that we don't support.",
        code: 352,
      });
    }
    const videoId = call.context.state.nextId("fb:video", "400000000000000");
    call.context.state.publish({
      platform: "facebook",
      accountId: call.node.id,
      kind: "fb_video",
      id: videoId,
      createdAt: call.context.now(),
      url: `${call.root}/${call.node.id}/videos/${videoId}`,
      text: description ?? "",
      media: [{ type: "video", url: fileUrl, bytes: fetched.bytes }],
      extra: { title },
    });
    return { id: videoId };
  },

  "GET page/feed": (call) => listPagePosts(call),
  "GET page/published_posts": (call) => listPagePosts(call),
  // https://developers.facebook.com/docs/graph-api/reference/page/videos/
  "GET page/videos": (call) => {
    if (call.node.type !== "page") return undefined;
    const pageId = call.node.id;
    const limit = Math.min(100, Number(call.form.fields.limit ?? 25));
    const videos = call.context.state.data.published
      .filter((item) => item.platform === "facebook" && item.accountId === pageId && item.kind === "fb_video")
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
    return paged(
      videos.map((item) => ({
        id: item.id,
        description: item.text || undefined,
        created_time: graphTime(item.createdAt),
      })),
    );
  },

  // Reactions and comments as summaries of their edges, shares as a field Graph leaves out at 0 (verify).
  // https://developers.facebook.com/docs/graph-api/reference/post/
  "GET fb_post": (call) => {
    if (call.node.type !== "fb_post") return undefined;
    const counts = postCounts(call.node.item, call.context.now());
    const asked = (name: string) => call.fields.some((field) => field === name || field.startsWith(`${name}.`));
    return {
      ...postView(call.node.item),
      ...(asked("reactions") ? { reactions: { data: [], summary: { total_count: counts.like + counts.love } } } : {}),
      ...(asked("comments") ? { comments: { data: [], summary: { total_count: counts.comments } } } : {}),
      ...(asked("shares") && counts.shares > 0 ? { shares: { count: counts.shares } } : {}),
    };
  },
  "GET fb_photo": (call) =>
    call.node.type === "fb_photo" ? { ...postView(call.node.item), link: call.node.item.url } : undefined,
  // A video has likes and comments edges, and no reactions edge or shares field (Meta's spec of the Video node).
  "GET fb_video": (call) => {
    if (call.node.type !== "fb_video") return undefined;
    const missing = call.fields
      .map((field) => field.split(".")[0]!)
      .find((name) => ["reactions", "shares"].includes(name));
    if (missing)
      throw graphError(400, {
        message: `(#100) Tried accessing nonexisting field (${missing}) on node type (Video)`,
        code: 100,
      });
    const now = call.context.now();
    const ready = now - call.node.item.createdAt >= call.context.options.lifetimes.videoProcessingSeconds * 1000;
    const counts = videoCounts(call.node.item, now);
    const asked = (name: string) => call.fields.some((field) => field === name || field.startsWith(`${name}.`));
    return {
      ...postView(call.node.item),
      title: call.node.item.extra.title,
      description: call.node.item.text,
      status: { video_status: ready ? "ready" : "processing", processing_progress: ready ? 100 : 50 },
      ...(asked("likes") ? { likes: { data: [], summary: { total_count: counts.likes } } } : {}),
      ...(asked("comments") ? { comments: { data: [], summary: { total_count: counts.comments } } } : {}),
    };
  },

  "GET fb_video/video_insights": (call) => {
    if (call.node.type !== "fb_video") return undefined;
    requireInsightsPermission(call);
    const metrics = call.form.fields.metric ? requireKnownMetrics(call, videoMetrics) : videoMetrics;
    const item = call.node.item;
    const now = call.context.now();
    if (now - item.createdAt < POST_INSIGHTS_READY_MS) return { data: [], paging: {} };
    const counts = videoCounts(item, now);
    const values: Record<string, number> = {
      total_video_views: counts.views,
      total_video_views_unique: counts.viewers,
      total_video_view_total_time: counts.totalTimeMs,
    };
    return { data: lifetimeInsights(item.id, "video_insights", metrics, values), paging: {} };
  },

  "DELETE fb_post": (call) => {
    if (call.node.type !== "fb_post") return undefined;
    requirePageToken(call, call.node.item.accountId);
    const published = call.context.state.data.published;
    published.splice(published.indexOf(call.node.item), 1);
    return { success: true };
  },

  "GET page/insights": (call) => {
    if (call.node.type !== "page") return undefined;
    requireInsightsPermission(call);
    const metrics = requireKnownMetrics(call, pageMetrics);
    const pageId = call.node.id;
    const pageCreated = Date.UTC(2024, 0, 1);
    return {
      data: metrics.map((metric) => ({
        name: metric,
        period: call.form.fields.period ?? "day",
        values: insightsSeries(call, pageId, metric, pageCreated),
        title: metric,
        description: `Daily ${metric.replaceAll("_", " ")}`,
        id: `${pageId}/insights/${metric}/day`,
      })),
      paging: {},
    };
  },

  "GET fb_post/insights": (call) => {
    if (call.node.type !== "fb_post") return undefined;
    requireInsightsPermission(call);
    const metrics = requireKnownMetrics(call, postMetrics);
    const item = call.node.item;
    const now = call.context.now();
    if (now - item.createdAt < POST_INSIGHTS_READY_MS) return { data: [], paging: {} };
    const counts = postCounts(item, now);
    const values: Record<string, unknown> = {
      post_media_view: counts.views,
      post_total_media_view_unique: counts.reach,
      post_clicks: counts.clicks,
      post_reactions_by_type_total: { like: counts.like, love: counts.love },
    };
    return { data: lifetimeInsights(item.id, "insights", metrics, values), paging: {} };
  },
};

function listPagePosts(call: GraphCall) {
  if (call.node.type !== "page") return undefined;
  const pageId = call.node.id;
  const limit = Math.min(100, Number(call.form.fields.limit ?? 25));
  const posts = call.context.state.data.published
    .filter((item) => item.platform === "facebook" && item.accountId === pageId && item.kind === "fb_post")
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, limit);
  return paged(posts.map(postView));
}
