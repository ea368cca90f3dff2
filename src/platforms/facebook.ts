import { z } from "zod";
import { reachesBack, sameText, unixSeconds } from "./matching.js";
import { classifyGraphError, facebookLogin, graphBudget, graphPicture } from "./meta-graph.js";
import { facebookAnalytics } from "./facebook.analytics.js";
import type { Api } from "./http.js";
import { PlatformError, type OAuthPlatform } from "./platform.js";
import { facebookProfile } from "./facebook.profile.js";
import type { PlatformOptions } from "./profiles.js";

/**
 * Facebook Pages through Facebook Login.
 * https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
 * https://developers.facebook.com/docs/pages-api/getting-started
 */

export const metaHosts = {
  dialog: "https://www.facebook.com",
  graph: "https://graph.facebook.com",
  video: "https://graph-video.facebook.com",
};

const created = z.object({ id: z.string() });
/** https://developers.facebook.com/docs/graph-api/reference/page/published_posts/ */
const publishedPosts = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      message: z.string().optional(),
      created_time: z.string(),
      permalink_url: z.string().optional(),
    }),
  ),
});
/** https://developers.facebook.com/docs/graph-api/reference/page/videos/ */
const pageVideos = z.object({
  data: z.array(z.object({ id: z.string(), description: z.string().optional(), created_time: z.string() })),
});

/** Graph's times read `2026-01-31T12:00:00+0000`, which Date does not parse everywhere. */
const graphTime = (value: string) => new Date(value.replace(/\+0000$/, "Z"));
const videoUrl = (api: Api, pageId: string, videoId: string) =>
  api.url("web", `/${pageId}/videos/${videoId}`).toString();

/** Graph's largest page of posts. */
const PAGE_SIZE = 100;

const postUrl = (api: Api, id: string) => api.url("web", `/${id}`).toString();

const managedPage = z.object({
  id: z.string(),
  name: z.string(),
  access_token: z.string().optional(),
  tasks: z.array(z.string()).optional(),
  picture: graphPicture,
});

/** Answers of an edge after the first hundred are a safety cap's business, not a listing's. */
const MAX_ANSWERS = 20;

/**
 * Every item of a Graph edge, following its cursors while `next` says more remain (up to a cap).
 * https://developers.facebook.com/docs/graph-api/results
 */
async function everyItem<T>(api: Api, item: z.ZodType<T>, path: string, query: Record<string, string>): Promise<T[]> {
  const answer = z.object({
    data: z.array(item),
    paging: z.object({ cursors: z.object({ after: z.string() }).optional(), next: z.string().optional() }).optional(),
  });
  const items: T[] = [];
  let after: string | undefined;
  for (let answers = 0; answers < MAX_ANSWERS; answers += 1) {
    const { data } = await api.call(answer, { host: "graph", path, query: { ...query, limit: "100", after } });
    items.push(...data.data);
    after = data.paging?.next ? data.paging.cursors?.after : undefined;
    if (!after) break;
  }
  return items;
}

/** A permission error: the grant lacks business_management, or the person has no role on the business's assets. */
const isRefused = (error: unknown) => error instanceof PlatformError && error.failure.kind === "rejected";

/**
 * The Pages a login may post to: its own (/me/accounts), then those its businesses own or work
 * on for clients, which /me/accounts leaves out; with a Page token each, the first listing of a
 * Page kept. Without business_management, its own are all there are.
 * https://developers.facebook.com/docs/graph-api/reference/user/accounts/
 * https://developers.facebook.com/docs/graph-api/reference/user/businesses/
 * https://developers.facebook.com/docs/graph-api/reference/business/owned_pages/
 */
export async function managedPages<T extends { id: string; access_token?: string }>(
  api: Api,
  apiVersion: string | undefined,
  item: z.ZodType<T>,
  fields: string,
): Promise<(T & { access_token: string })[]> {
  const listed = await everyItem(api, item, `/${apiVersion}/me/accounts`, { fields });
  const businesses = await everyItem(api, z.object({ id: z.string() }), `/${apiVersion}/me/businesses`, {
    fields: "id,name",
  }).catch((error: unknown) => {
    if (isRefused(error)) return [];
    throw error;
  });
  for (const business of businesses)
    for (const edge of ["owned_pages", "client_pages"]) {
      const held = await everyItem(api, item, `/${apiVersion}/${business.id}/${edge}`, { fields }).catch(
        (error: unknown) => {
          if (isRefused(error)) return [];
          throw error;
        },
      );
      listed.push(...held);
    }
  const seen = new Set<string>();
  return listed.filter((page): page is T & { access_token: string } => {
    if (seen.has(page.id) || !page.access_token) return false;
    seen.add(page.id);
    return true;
  });
}

/**
 * Facebook has no refresh token: the short-lived user token is traded for a long-lived one,
 * whose Page tokens do not expire. https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
 */
export const upgradeToLongLived: NonNullable<OAuthPlatform["upgradeGrant"]> = (grant, exchange) =>
  exchange("fb_exchange_token", { fb_exchange_token: grant.accessToken });

export const facebook: OAuthPlatform<PlatformOptions<"facebook">> = {
  ...facebookProfile,
  realHosts: { ...metaHosts, web: "https://www.facebook.com" },
  classify: classifyGraphError,
  auth: facebookLogin([
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "read_insights",
    "business_management",
  ]),
  upgradeGrant: upgradeToLongLived,
  analytics: facebookAnalytics,

  async listAccounts(api, { apiVersion }) {
    const pages = await managedPages(api, apiVersion, managedPage, "id,name,access_token,tasks,picture{url}");
    // Posting needs the CREATE_CONTENT task on the Page.
    return pages
      .filter((page) => !page.tasks || page.tasks.includes("CREATE_CONTENT"))
      .map((page) => ({
        externalId: page.id,
        kind: "page" as const,
        name: page.name,
        avatarUrl: page.picture?.data.url,
        accessToken: page.access_token,
        details: { pageId: page.id },
      }));
  },

  async checkHealth(api, account, { apiVersion }) {
    await api.call(z.object({ id: z.string() }), {
      host: "graph",
      path: `/${apiVersion}/${account.externalId}`,
      query: { fields: "id,name" },
    });
  },
  publishing: {
    async publish(api, account, post, { apiVersion }) {
      const pageId = account.externalId;
      const path = (edge: string) => `/${apiVersion}/${pageId}/${edge}`;
      const video = post.media.find((media) => media.contentType.startsWith("video/"));
      if (video) {
        // Meta fetches the file from its URL; it becomes a video post on the Page.
        const { data, headers } = await api.call(created, {
          method: "POST",
          host: "video",
          path: path("videos"),
          form: { file_url: video.url, description: post.text },
        });
        return {
          remoteId: data.id,
          url: videoUrl(api, pageId, data.id),
          budget: graphBudget(headers, api.clock.now()),
        };
      }
      if (post.media.length === 1) {
        const { data, headers } = await api.call(z.object({ id: z.string(), post_id: z.string() }), {
          method: "POST",
          host: "graph",
          path: path("photos"),
          form: { url: post.media[0]!.url, message: post.text },
        });
        return {
          remoteId: data.post_id,
          url: postUrl(api, data.post_id),
          budget: graphBudget(headers, api.clock.now()),
        };
      }
      const attached: Record<string, string> = {};
      for (const [index, media] of post.media.entries()) {
        // Several photos: each uploaded unpublished, then attached to one feed post.
        const { data } = await api.call(created, {
          method: "POST",
          host: "graph",
          path: path("photos"),
          form: { url: media.url, published: "false" },
        });
        attached[`attached_media[${index}]`] = JSON.stringify({ media_fbid: data.id });
      }
      const { data, headers } = await api.call(created, {
        method: "POST",
        host: "graph",
        path: path("feed"),
        form: { message: post.text, link: post.media.length === 0 ? post.link : undefined, ...attached },
      });
      return { remoteId: data.id, url: postUrl(api, data.id), budget: graphBudget(headers, api.clock.now()) };
    },

    /** A video is a Page video (its id is what publish returned); anything else is a Page post. */
    async findPublished(api, account, post, since, { apiVersion }) {
      const pageId = account.externalId;
      const video = post.media.some((media) => media.contentType.startsWith("video/"));
      const { data } = video
        ? await api.call(pageVideos, {
            host: "graph",
            path: `/${apiVersion}/${pageId}/videos`,
            query: { fields: "id,description,created_time", since: unixSeconds(since), limit: String(PAGE_SIZE) },
          })
        : await api.call(publishedPosts, {
            host: "graph",
            path: `/${apiVersion}/${pageId}/published_posts`,
            query: {
              fields: "id,message,created_time,permalink_url",
              since: unixSeconds(since),
              limit: String(PAGE_SIZE),
            },
          });
      const items = data.data.map((item) => ({
        id: item.id,
        text: "description" in item ? item.description : "message" in item ? item.message : undefined,
        url:
          "permalink_url" in item && item.permalink_url
            ? item.permalink_url
            : video
              ? videoUrl(api, pageId, item.id)
              : postUrl(api, item.id),
        createdAt: graphTime(item.created_time),
      }));
      return {
        found: items
          .filter((item) => item.createdAt >= since && sameText(post.text, item.text ?? ""))
          .map((item) => ({ remoteId: item.id, url: item.url, createdAt: item.createdAt })),
        complete: reachesBack(
          items.map((item) => item.createdAt),
          { pageSize: PAGE_SIZE, since },
        ),
      };
    },
  },
};
