import { z } from "zod";
import { managedPages, metaHosts, upgradeToLongLived } from "./facebook.js";
import { reachesBack, sameText, unixSeconds } from "./matching.js";
import { classifyGraphError, facebookLogin, graphBudget } from "./meta-graph.js";
import { instagramAnalytics } from "./instagram.analytics.js";
import type { Api } from "./http.js";
import {
  PlatformError,
  StillProcessing,
  type OAuthPlatform,
  type OutgoingMedia,
  type OutgoingPost,
  type PlatformContext,
  type StoredAccount,
} from "./platform.js";
import { instagramProfile } from "./instagram.profile.js";
import type { PlatformOptions } from "./profiles.js";

/**
 * Instagram business and creator accounts, reached through the Facebook Page they are linked
 * to; calls use that Page's token.
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login
 */

const pageWithInstagram = z.object({
  id: z.string(),
  name: z.string(),
  access_token: z.string().optional(),
  instagram_business_account: z
    .object({ id: z.string(), username: z.string().optional(), profile_picture_url: z.string().optional() })
    .optional(),
});

const created = z.object({ id: z.string() });
/** Graph's largest page of media. */
const PAGE_SIZE = 100;
const containerStatus = z.object({ status_code: z.string(), status: z.string().optional() });
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

/**
 * Meta's advice for containers: check the status about once a minute, for no more than five minutes.
 * https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
 */
const CONTAINER_DEADLINE_MS = 5 * 60_000;

/** What publishing has made on Instagram so far, kept by the engine between checks. */
const containerState = z.object({
  /** When the containers were made, by the app's clock: a published one is searched for from here. */
  createdAt: z.number(),
  children: z.array(z.string()).optional(),
  container: z.string().optional(),
});
type ContainerState = z.infer<typeof containerState>;

type Status = "FINISHED" | "IN_PROGRESS" | "PUBLISHED" | "EXPIRED" | "ERROR";

async function statusOf(api: Api, containerId: string, apiVersion: string | undefined) {
  const { data } = await api.call(containerStatus, {
    host: "graph",
    path: `/${apiVersion}/${containerId}`,
    query: { fields: "status_code,status" },
  });
  return { code: data.status_code as Status, words: data.status ?? data.status_code };
}

const processingError = (words: string) =>
  new PlatformError(
    "instagram",
    { kind: "rejected", userMessage: `Instagram could not process the media: ${words}` },
    { message: words },
  );

const mediaFields = (media: OutgoingMedia) =>
  media.contentType.startsWith("video/") ? { video_url: media.url } : { image_url: media.url };

async function createContainer(api: Api, path: (edge: string) => string, form: Record<string, string | undefined>) {
  return (await api.call(created, { method: "POST", host: "graph", path: path("media"), form })).data.id;
}

/** The post's container, or a carousel's children (its container is made once they are processed). */
async function makeContainers(
  api: Api,
  path: (edge: string) => string,
  post: OutgoingPost<PlatformOptions<"instagram">>,
): Promise<ContainerState> {
  // The budget is read before making anything: over it, wait rather than be refused.
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
  const createdAt = api.clock.now();
  const first = post.media[0]!;
  if (post.options.format === "story")
    return { createdAt, container: await createContainer(api, path, { media_type: "STORIES", ...mediaFields(first) }) };
  if (post.options.format === "reel" || (post.media.length === 1 && first.contentType.startsWith("video/")))
    return {
      createdAt,
      container: await createContainer(api, path, { media_type: "REELS", video_url: first.url, caption: post.text }),
    };
  if (post.media.length === 1)
    return { createdAt, container: await createContainer(api, path, { ...mediaFields(first), caption: post.text }) };
  const children = [];
  for (const media of post.media) {
    const video = media.contentType.startsWith("video/");
    children.push(
      await createContainer(api, path, {
        is_carousel_item: "true",
        ...(video ? { media_type: "VIDEO" } : {}),
        ...mediaFields(media),
      }),
    );
  }
  return { createdAt, children };
}

const makeCarousel = (api: Api, path: (edge: string) => string, children: string[], caption: string) =>
  createContainer(api, path, { media_type: "CAROUSEL", children: children.join(","), caption });

/**
 * Instagram says the container is published (a media_publish whose answer was lost landed): the
 * post is found on the account rather than published again. Not found for certain, it is left to
 * a person, since publishing again would make it twice.
 */
async function publishedAlready(
  api: Api,
  account: StoredAccount,
  post: OutgoingPost<PlatformOptions<"instagram">>,
  context: PlatformContext,
  state: ContainerState,
) {
  const search = await instagram.publishing!.findPublished!(
    api,
    account,
    post,
    new Date(state.createdAt - 60_000),
    context,
  );
  if (search.found.length === 1) return { remoteId: search.found[0]!.remoteId, url: search.found[0]!.url };
  throw new PlatformError(
    "instagram",
    {
      kind: "rejected",
      userMessage: `Instagram says this post was published, but ${search.found.length === 0 ? "it could not be found" : "several posts on the account match it"}; check the account before retrying it.`,
    },
    { message: "container published, media not identified" },
  );
}

export const instagram: OAuthPlatform<PlatformOptions<"instagram">> = {
  ...instagramProfile,
  realHosts: { ...metaHosts, web: "https://www.instagram.com" },
  classify: classifyGraphError,
  analytics: instagramAnalytics,
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
    // Through every Page the login holds, Business Manager's included.
    const pages = await managedPages(
      api,
      apiVersion,
      pageWithInstagram,
      "id,name,access_token,instagram_business_account{id,username,profile_picture_url}",
    );
    return pages.flatMap((page) =>
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
    /**
     * Containers are made, processed by Instagram, then published: each call goes as far as it can
     * without waiting and throws StillProcessing with the containers made, so the engine calls
     * again later with them instead of making them again. Only media_publish makes a post, and
     * only with a container kept in that state, so a container made but lost in a crash is never
     * published. https://developers.facebook.com/docs/instagram-platform/content-publishing
     */
    async publish(api, account, post, context) {
      const { apiVersion } = context;
      const igUserId = account.externalId;
      const path = (edge: string) => `/${apiVersion}/${igUserId}/${edge}`;
      const kept = containerState.safeParse(post.processing);
      const waiting = (state: ContainerState): never => {
        throw new StillProcessing({ state, deadlineMs: CONTAINER_DEADLINE_MS, waitingFor: "the media" });
      };
      if (!kept.success) return waiting(await makeContainers(api, path, post));
      const state = kept.data;
      const statuses = await Promise.all(
        (state.container ? [state.container] : (state.children ?? [])).map((id) => statusOf(api, id, apiVersion)),
      );
      const failed = statuses.find((status) => status.code === "ERROR");
      if (failed) throw processingError(failed.words);
      // EXPIRED is a container not published within its 24 hours (a published one says
      // PUBLISHED): nothing of this post is on Instagram through it, so new ones are made.
      if (statuses.some((status) => status.code === "EXPIRED")) return waiting(await makeContainers(api, path, post));
      if (state.container && statuses[0]?.code === "PUBLISHED")
        return publishedAlready(api, account, post, context, state);
      if (statuses.some((status) => status.code !== "FINISHED")) return waiting(state);
      if (!state.container)
        return waiting({ ...state, container: await makeCarousel(api, path, state.children!, post.text) });
      const { data, headers } = await api.call(created, {
        method: "POST",
        host: "graph",
        path: path("media_publish"),
        form: { creation_id: state.container },
      });
      // The post is out: a permalink Instagram will not give now (throttled, down) must not undo that.
      const permalink = await api
        .call(z.object({ permalink: z.string().optional() }), {
          host: "graph",
          path: `/${apiVersion}/${data.id}`,
          query: { fields: "permalink" },
        })
        .then(({ data: media }) => media.permalink)
        .catch((error: unknown) => {
          if (error instanceof PlatformError) return undefined;
          throw error;
        });
      return {
        remoteId: data.id,
        url: permalink ?? api.url("web", `/${account.details.username ?? ""}`).toString(),
        budget: graphBudget(headers, api.clock.now()),
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
            url: item.permalink ?? api.url("web", `/${account.details.username ?? ""}`).toString(),
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
