import { z } from "zod";
import { metaHosts, upgradeToLongLived } from "./facebook.js";
import { reachesBack, sameText, unixSeconds } from "./matching.js";
import { classifyGraphError, facebookLogin } from "./meta-graph.js";
import type { Api } from "./http.js";
import { PlatformError, type OAuthPlatform, type OutgoingMedia } from "./platform.js";
import { instagramProfile } from "./instagram.profile.js";
import type { PlatformOptions } from "./profiles.js";

/**
 * Instagram business and creator accounts, reached through the Facebook Page they are linked
 * to; calls use that Page's token.
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login
 */

const pagesWithInstagram = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      access_token: z.string(),
      instagram_business_account: z
        .object({ id: z.string(), username: z.string().optional(), profile_picture_url: z.string().optional() })
        .optional(),
    }),
  ),
});

const created = z.object({ id: z.string() });
/** Graph's largest page of media. */
const PAGE_SIZE = 100;
const containerStatus = z.object({ status_code: z.string() });
const publishingLimit = z.object({
  data: z.array(z.object({ quota_usage: z.number(), config: z.object({ quota_total: z.number() }) })),
});
/**
 * The account's media, and its stories (which /media leaves out).
 * https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
 * https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/stories
 */
const mediaList = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      caption: z.string().optional(),
      media_type: z.string().optional(),
      permalink: z.string().optional(),
      timestamp: z.string(),
    }),
  ),
});

/** Containers are made, processed by Instagram, then published; video takes seconds to minutes. */
async function waitFinished(api: Api, containerId: string, apiVersion: string | undefined) {
  for (let polls = 0; polls < 300; polls += 1) {
    const { data } = await api.call(containerStatus, {
      host: "graph",
      path: `/${apiVersion}/${containerId}`,
      query: { fields: "status_code" },
    });
    if (data.status_code === "FINISHED") return;
    if (data.status_code === "ERROR" || data.status_code === "EXPIRED") {
      throw new PlatformError(
        "instagram",
        { kind: "rejected", userMessage: `Instagram could not process the media (${data.status_code}).` },
        { message: data.status_code },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new PlatformError("instagram", { kind: "transient" }, { message: "the container is still processing" });
}

export const instagram: OAuthPlatform<PlatformOptions<"instagram">> = {
  ...instagramProfile,
  realHosts: metaHosts,
  classify: classifyGraphError,
  auth: facebookLogin([
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "business_management",
  ]),
  upgradeGrant: upgradeToLongLived,

  async listAccounts(api, { apiVersion }) {
    const { data } = await api.call(pagesWithInstagram, {
      host: "graph",
      path: `/${apiVersion}/me/accounts`,
      query: {
        fields: "id,name,access_token,instagram_business_account{id,username,profile_picture_url}",
        limit: "100",
      },
    });
    return data.data.flatMap((page) =>
      page.instagram_business_account
        ? [
            {
              externalId: page.instagram_business_account.id,
              kind: "instagram_business" as const,
              name: page.instagram_business_account.username
                ? `@${page.instagram_business_account.username}`
                : page.name,
              username: page.instagram_business_account.username,
              avatarUrl: page.instagram_business_account.profile_picture_url,
              accessToken: page.access_token,
              details: { pageId: page.id, pageName: page.name },
            },
          ]
        : [],
    );
  },

  async checkHealth(api, account, { apiVersion }) {
    await api.call(z.object({ id: z.string() }), {
      host: "graph",
      path: `/${apiVersion}/${account.externalId}`,
      query: { fields: "id,username" },
    });
  },
  publishing: {
    async publish(api, account, post, { apiVersion }) {
      const igUserId = account.externalId;
      const path = (edge: string) => `/${apiVersion}/${igUserId}/${edge}`;
      // The budget is read before publishing: over it, wait rather than be refused.
      const { data: budget } = await api.call(publishingLimit, {
        host: "graph",
        path: path("content_publishing_limit"),
        query: { fields: "config,quota_usage" },
      });
      const usage = budget.data[0];
      if (usage && usage.quota_usage >= usage.config.quota_total) {
        throw new PlatformError(
          "instagram",
          { kind: "rate_limited", retryAt: new Date(api.clock.now() + 3_600_000), scope: "account" },
          { message: "publishing limit reached" },
        );
      }
      const mediaFields = (media: OutgoingMedia) =>
        media.contentType.startsWith("video/") ? { video_url: media.url } : { image_url: media.url };
      const create = async (form: Record<string, string | undefined>) =>
        (await api.call(created, { method: "POST", host: "graph", path: path("media"), form })).data.id;
      const first = post.media[0]!;
      let containerId: string;
      if (post.options.format === "story") {
        containerId = await create({ media_type: "STORIES", ...mediaFields(first) });
      } else if (
        post.options.format === "reel" ||
        (post.media.length === 1 && first.contentType.startsWith("video/"))
      ) {
        containerId = await create({ media_type: "REELS", video_url: first.url, caption: post.text });
      } else if (post.media.length > 1) {
        const children = [];
        for (const media of post.media) {
          const video = media.contentType.startsWith("video/");
          const child = await create({
            is_carousel_item: "true",
            ...(video ? { media_type: "VIDEO" } : {}),
            ...mediaFields(media),
          });
          await waitFinished(api, child, apiVersion);
          children.push(child);
        }
        containerId = await create({ media_type: "CAROUSEL", children: children.join(","), caption: post.text });
      } else {
        containerId = await create({ ...mediaFields(first), caption: post.text });
      }
      await waitFinished(api, containerId, apiVersion);
      const { data } = await api.call(created, {
        method: "POST",
        host: "graph",
        path: path("media_publish"),
        form: { creation_id: containerId },
      });
      const { data: published } = await api.call(z.object({ permalink: z.string().optional() }), {
        host: "graph",
        path: `/${apiVersion}/${data.id}`,
        query: { fields: "permalink" },
      });
      return {
        remoteId: data.id,
        url: published.permalink ?? `https://www.instagram.com/${account.details.username ?? ""}`,
      };
    },

    /**
     * A feed post or reel is found by its caption. A story has none: any story of the same kind
     * since the call counts, and more than one is left to a person (the engine never guesses).
     */
    async findPublished(api, account, post, since, { apiVersion }) {
      const story = post.options.format === "story";
      const { data } = await api.call(mediaList, {
        host: "graph",
        path: `/${apiVersion}/${account.externalId}/${story ? "stories" : "media"}`,
        query: {
          fields: "id,caption,media_type,permalink,timestamp",
          since: unixSeconds(since),
          limit: String(PAGE_SIZE),
        },
      });
      const storyType = post.media[0]?.contentType.startsWith("video/") ? "VIDEO" : "IMAGE";
      const items = data.data.map((item) => ({ ...item, createdAt: new Date(item.timestamp.replace(/\+0000$/, "Z")) }));
      return {
        found: items
          .filter(
            (item) =>
              item.createdAt >= since &&
              (story ? item.media_type === storyType : sameText(post.text, item.caption ?? "")),
          )
          .map((item) => ({
            remoteId: item.id,
            url: item.permalink ?? `https://www.instagram.com/${account.details.username ?? ""}`,
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
