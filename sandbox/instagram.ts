import {
  canActForPage,
  graphError,
  graphTime,
  invalidParameter,
  lifetimeInsights,
  paged,
  type GraphCall,
  type GraphRoutes,
} from "./meta-graph.js";
import { fetchMedia } from "./media.js";
import { grown, mediaCounts } from "./metrics.js";
import { instagramAccounts } from "./seed.js";
import type { PublishedItem } from "./state.js";

/**
 * Instagram Graph API (business and creator accounts linked to a Page): media containers,
 * status, media_publish, the publishing limit, and insights.
 * https://developers.facebook.com/docs/instagram-platform/content-publishing
 */

const CAPTION_LIMIT = 2_200;
const HASHTAG_LIMIT = 30;
const MENTION_LIMIT = 20;
const mediaTypes = ["IMAGE", "REELS", "STORIES", "CAROUSEL"] as const;
type MediaType = (typeof mediaTypes)[number];

interface Container {
  id: string;
  igUserId: string;
  mediaType: MediaType;
  isCarouselItem: boolean;
  caption: string;
  children: string[];
  media: { type: "image" | "video"; url: string; bytes: number }[];
  createdAt: number;
  publishedMediaId?: string;
}

/**
 * Media metrics that exist today; the retired ones are refused with #100 for the whole request
 * (impressions, plays and video_views became views on 2025-04-21, engagement became
 * total_interactions). https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
 */
const mediaMetrics = ["reach", "likes", "comments", "shares", "saved", "views", "total_interactions"];
const retiredMediaMetrics = [
  "impressions",
  "plays",
  "video_views",
  "engagement",
  "clips_replays_count",
  "ig_reels_aggregated_all_plays_count",
];
/** https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights/ */
const accountMetrics = [
  "reach",
  "views",
  "accounts_engaged",
  "total_interactions",
  "likes",
  "comments",
  "shares",
  "saves",
  "replies",
  "profile_links_taps",
];
/** The rates the sandbox grows each account metric at, per hour. */
const accountRates: Record<string, number> = {
  reach: 30,
  views: 80,
  accounts_engaged: 4,
  total_interactions: 6,
  likes: 4,
  comments: 0.5,
  shares: 0.3,
  saves: 0.6,
  replies: 0.2,
  profile_links_taps: 0.4,
};
/** Account insights answer at most this span per call (not confirmed in Meta's pages: tools cap at 28–30 days). */
const MAX_ACCOUNT_SPAN_DAYS = 30;

/** Insights need instagram_manage_insights on the grant. */
function requireInsightsPermission(call: GraphCall) {
  if (!call.token.scopes.includes("instagram_manage_insights"))
    throw graphError(403, { message: "(#10) Application does not have permission for this action", code: 10 });
}

function requireAccountAccess(call: GraphCall) {
  if (call.node.type !== "ig_user") return;
  if (!canActForPage(call.token, call.node.pageId)) {
    throw graphError(403, { message: "(#10) Application does not have permission for this action", code: 10 });
  }
}

function publishError(subcode: number, title: string, userMessage: string, code = 9004) {
  return graphError(400, {
    message: "Invalid parameter",
    code,
    error_subcode: subcode,
    error_user_title: title,
    error_user_msg: userMessage,
  });
}

function checkCaption(caption: string) {
  if (caption.length > CAPTION_LIMIT) {
    throw publishError(
      2207003,
      "Caption too long",
      `The caption is ${caption.length} characters; the limit is ${CAPTION_LIMIT}.`,
      100,
    );
  }
  if ((caption.match(/#\w+/g) ?? []).length > HASHTAG_LIMIT)
    throw publishError(2207004, "Too many hashtags", `Use at most ${HASHTAG_LIMIT} hashtags.`, 100);
  if ((caption.match(/@\w+/g) ?? []).length > MENTION_LIMIT)
    throw publishError(2207005, "Too many mentions", `Use at most ${MENTION_LIMIT} mentions.`, 100);
}

function containerStatus(call: GraphCall, container: Container): "IN_PROGRESS" | "FINISHED" | "EXPIRED" | "PUBLISHED" {
  if (container.publishedMediaId) return "PUBLISHED";
  const age = call.context.now() - container.createdAt;
  if (age > call.context.options.lifetimes.instagramContainerSeconds * 1000) return "EXPIRED";
  const { lifetimes } = call.context.options;
  const processing =
    (container.media.some((media) => media.type === "video")
      ? lifetimes.videoProcessingSeconds
      : container.media.length > 0
        ? lifetimes.instagramImageProcessingSeconds
        : 0) * 1000;
  const childrenReady = container.children.every((childId) => {
    const child = call.context.state.object<Container>("ig_container", childId);
    return child && containerStatus(call, child) === "FINISHED";
  });
  return age >= processing && childrenReady ? "FINISHED" : "IN_PROGRESS";
}

/**
 * Where the post is seen, in the real site's shape but on the sandbox (`root`): a sandbox post
 * exists nowhere else, and the product's links to it follow this answer.
 */
function permalink(root: string, item: { id: string; mediaType: MediaType; username: string }): string {
  const shortcode = Buffer.from(item.id).toString("base64url").slice(-11);
  if (item.mediaType === "STORIES") return `${root}/stories/${item.username}/${item.id}/`;
  return `${root}/${item.mediaType === "REELS" ? "reel" : "p"}/${shortcode}/`;
}

const STORY_LIFETIME_MS = 24 * 3_600_000;

function listMedia(call: GraphCall, include: (item: PublishedItem) => boolean) {
  if (call.node.type !== "ig_user") return undefined;
  requireAccountAccess(call);
  const igUserId = call.node.id;
  const items = call.context.state.data.published
    .filter((item) => item.platform === "instagram" && item.accountId === igUserId && include(item))
    .sort((a, b) => b.createdAt - a.createdAt);
  return paged(items.map(mediaView));
}

function mediaView(item: PublishedItem) {
  return {
    id: item.id,
    caption: item.text || undefined,
    media_type:
      item.extra.mediaType === "CAROUSEL" ? "CAROUSEL_ALBUM" : item.media[0]?.type === "video" ? "VIDEO" : "IMAGE",
    media_product_type:
      item.extra.mediaType === "REELS" ? "REELS" : item.extra.mediaType === "STORIES" ? "STORY" : "FEED",
    permalink: item.url,
    timestamp: graphTime(item.createdAt),
    username: item.extra.username,
  };
}

function publishingUse(call: GraphCall, igUserId: string, take: boolean) {
  const limit = call.context.options.limits.instagramPostsPerDay;
  const key = `ig:publish:${igUserId}`;
  return take ? call.context.take(key, limit, 86_400_000) : call.context.peek(key, limit, 86_400_000);
}

export const instagramGraph: GraphRoutes = {
  "GET ig_user": (call) => {
    if (call.node.type !== "ig_user") return undefined;
    requireAccountAccess(call);
    const account = call.node.account;
    const mediaCount = call.context.state.data.published.filter(
      (item) => item.platform === "instagram" && item.accountId === account.id,
    ).length;
    return {
      id: account.id,
      username: account.username,
      ...(call.fields.includes("name") ? { name: account.name } : {}),
      ...(call.fields.includes("profile_picture_url")
        ? { profile_picture_url: `https://scontent.cdninstagram.com/${account.id}.jpg` }
        : {}),
      ...(call.fields.includes("followers_count") ? { followers_count: account.followersCount } : {}),
      ...(call.fields.includes("media_count") ? { media_count: mediaCount } : {}),
    };
  },

  "POST ig_user/media": async (call) => {
    if (call.node.type !== "ig_user") return undefined;
    requireAccountAccess(call);
    const fields = call.form.fields;
    const isCarouselItem = fields.is_carousel_item === "true";
    const requested = (fields.media_type ?? (fields.video_url ? "VIDEO" : "IMAGE")).toUpperCase();
    if (requested === "VIDEO" && !isCarouselItem) {
      throw invalidParameter("The VIDEO media type is no longer supported for feed posts. Use REELS instead.");
    }
    if (requested !== "VIDEO" && !(mediaTypes as readonly string[]).includes(requested))
      throw invalidParameter(`media_type must be one of ${mediaTypes.join(", ")}`);
    // A carousel item's VIDEO type only says which URL to read; the container itself is a plain item.
    const mediaType = (requested === "VIDEO" ? "IMAGE" : requested) as MediaType;
    const caption = fields.caption ?? "";
    if (!isCarouselItem) checkCaption(caption);

    const container: Container = {
      id: call.context.state.nextId("ig:container", "17900000000000000"),
      igUserId: call.node.id,
      mediaType,
      isCarouselItem,
      caption,
      children: [],
      media: [],
      createdAt: call.context.now(),
    };

    if (mediaType === "CAROUSEL") {
      const children = (fields.children ?? "")
        .split(",")
        .map((child) => child.trim())
        .filter(Boolean);
      if (children.length < 2 || children.length > 10)
        throw publishError(2207020, "Wrong number of carousel items", "A carousel has 2 to 10 items.", 100);
      for (const childId of children) {
        const child = call.context.state.object<Container>("ig_container", childId);
        if (!child || !child.isCarouselItem || child.igUserId !== call.node.id)
          throw invalidParameter(`Invalid carousel child ${childId}`);
      }
      container.children = children;
    } else {
      const isVideo = mediaType === "REELS" || Boolean(fields.video_url);
      const url = isVideo ? fields.video_url : fields.image_url;
      if (!url)
        throw invalidParameter(isVideo ? "The parameter video_url is required" : "The parameter image_url is required");
      const fetched = await fetchMedia(url);
      if (!fetched)
        throw publishError(
          2207052,
          "Media could not be fetched",
          "The media could not be fetched from this URI: make sure it is public.",
        );
      const acceptable = isVideo
        ? /^video\/(mp4|quicktime)/.test(fetched.contentType)
        : fetched.contentType === "image/jpeg";
      if (!acceptable) {
        throw publishError(
          2207026,
          "Unsupported format",
          isVideo ? "Video must be MP4 or MOV." : "Only JPEG images can be published.",
        );
      }
      container.media = [{ type: isVideo ? "video" : "image", url, bytes: fetched.bytes }];
    }
    call.context.state.putObject("ig_container", container.id, container);
    return { id: container.id };
  },

  "GET ig_container": (call) => {
    if (call.node.type !== "object") return undefined;
    const container = call.node.value as unknown as Container;
    const status = containerStatus(call, container);
    return {
      status_code: status,
      ...(call.fields.includes("status")
        ? {
            status:
              status === "FINISHED" ? "Finished: Media has been uploaded and it is ready to be published." : status,
          }
        : {}),
      id: container.id,
    };
  },

  "POST ig_user/media_publish": (call) => {
    if (call.node.type !== "ig_user") return undefined;
    requireAccountAccess(call);
    const creationId = call.form.fields.creation_id;
    const container = creationId ? call.context.state.object<Container>("ig_container", creationId) : undefined;
    if (!container || container.igUserId !== call.node.id || container.isCarouselItem)
      throw invalidParameter("Invalid creation_id");
    const status = containerStatus(call, container);
    if (status === "PUBLISHED")
      throw publishError(2207006, "Already published", "This container has been published already.", 9007);
    if (status === "EXPIRED")
      throw publishError(2207008, "Container expired", "The media container expired; create a new one.", 9007);
    if (status !== "FINISHED")
      throw publishError(
        2207027,
        "Media not ready",
        "The media is not ready for publishing, please wait for a moment.",
        9007,
      );
    if (!publishingUse(call, call.node.id, true).allowed) {
      throw graphError(400, {
        message: "Application request limit reached",
        code: 9,
        error_subcode: 2207042,
        error_user_title: "Publishing limit reached",
        error_user_msg: "You have reached the maximum number of posts that can be published in 24 hours.",
      });
    }
    const account = call.node.account;
    const id = call.context.state.nextId("ig:media", "18000000000000000");
    const media = container.children.length
      ? container.children.flatMap(
          (childId) => call.context.state.object<Container>("ig_container", childId)?.media ?? [],
        )
      : container.media;
    call.context.state.publish({
      platform: "instagram",
      accountId: account.id,
      kind: "ig_media",
      id,
      createdAt: call.context.now(),
      url: permalink(call.root, { id, mediaType: container.mediaType, username: account.username }),
      text: container.caption,
      media,
      extra: { mediaType: container.mediaType, username: account.username, containerId: container.id },
    });
    container.publishedMediaId = id;
    call.context.state.putObject("ig_container", container.id, container);
    return { id };
  },

  "GET ig_user/content_publishing_limit": (call) => {
    if (call.node.type !== "ig_user") return undefined;
    requireAccountAccess(call);
    const use = publishingUse(call, call.node.id, false);
    return {
      data: [{ config: { quota_total: use.limit, quota_duration: 86_400 }, quota_usage: use.limit - use.remaining }],
    };
  },

  // Stories are not media of the account's grid: /media leaves them out, /stories lists the live ones.
  // https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/stories
  "GET ig_user/media": (call) => listMedia(call, (item) => item.extra.mediaType !== "STORIES"),
  "GET ig_user/stories": (call) =>
    listMedia(
      call,
      (item) => item.extra.mediaType === "STORIES" && call.context.now() - item.createdAt < STORY_LIFETIME_MS,
    ),

  "GET ig_media": (call) => {
    if (call.node.type !== "ig_media") return undefined;
    const item = call.node.item;
    const counts = mediaCounts(item, call.context.now());
    return {
      ...mediaView(item),
      ...(call.fields.includes("like_count") ? { like_count: counts.likes } : {}),
      ...(call.fields.includes("comments_count") ? { comments_count: counts.comments } : {}),
    };
  },

  "GET ig_media/insights": (call) => {
    if (call.node.type !== "ig_media") return undefined;
    requireInsightsPermission(call);
    const metrics = (call.form.fields.metric ?? "").split(",").filter(Boolean);
    const retired = metrics.find((metric) => retiredMediaMetrics.includes(metric));
    if (retired) {
      // Meta's words for the retired impressions (postiz #622); the same shape for the others.
      throw invalidParameter(
        `Starting from version v22.0 and above, the ${retired} metric is no longer supported. Please use views instead.`,
      );
    }
    const unknown = metrics.filter((metric) => !mediaMetrics.includes(metric));
    if (metrics.length === 0 || unknown.length > 0) {
      throw invalidParameter(
        `metric[${metrics.indexOf(unknown[0] ?? "")}] must be one of the following values: ${mediaMetrics.join(", ")}`,
      );
    }
    const values: Record<string, number> = mediaCounts(call.node.item, call.context.now());
    const item = call.node.item;
    return { data: lifetimeInsights(item.id, "insights", metrics, values) };
  },

  // One total_value per metric for the whole since..until window: never a point per day.
  "GET ig_user/insights": (call) => {
    if (call.node.type !== "ig_user") return undefined;
    requireAccountAccess(call);
    requireInsightsPermission(call);
    const metrics = (call.form.fields.metric ?? "").split(",").filter(Boolean);
    const unknown = metrics.filter((metric) => !accountMetrics.includes(metric));
    if (metrics.length === 0 || unknown.length > 0)
      throw invalidParameter(`metric must be one of: ${accountMetrics.join(", ")}`);
    const account = instagramAccounts.find((candidate) => candidate.id === call.node.id)!;
    const until = Number(call.form.fields.until ?? Math.floor(call.context.now() / 1000)) * 1000;
    const since = Number(call.form.fields.since ?? Math.floor((until - 86_400_000) / 1000)) * 1000;
    if (until - since > MAX_ACCOUNT_SPAN_DAYS * 86_400_000)
      throw invalidParameter(`The since and until parameters must be no more than ${MAX_ACCOUNT_SPAN_DAYS} days apart`);
    const epoch = Date.UTC(2024, 0, 1);
    const now = call.context.now();
    const between = (metric: string) =>
      grown(`${account.id}:${metric}`, epoch, Math.min(until, now), accountRates[metric]!) -
      grown(`${account.id}:${metric}`, epoch, Math.min(since, now), accountRates[metric]!);
    return {
      data: metrics.map((metric) => ({
        name: metric,
        period: call.form.fields.period ?? "day",
        total_value: { value: Math.max(0, between(metric)) },
        title: metric,
        id: `${account.id}/insights/${metric}/day`,
      })),
    };
  },
};
