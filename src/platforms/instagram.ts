import { z } from "zod";
import { metaHosts, upgradeToLongLived } from "./facebook.js";
import { classifyGraphError, facebookLogin } from "./meta-graph.js";
import type { Api } from "./http.js";
import { PlatformError, type OAuthPlatform } from "./platform.js";

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
const containerStatus = z.object({ status_code: z.string() });
const publishingLimit = z.object({
  data: z.array(z.object({ quota_usage: z.number(), config: z.object({ quota_total: z.number() }) })),
});
const mediaList = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      caption: z.string().optional(),
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

export const instagram: OAuthPlatform = {
  id: "instagram",
  name: "Instagram",
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
};
